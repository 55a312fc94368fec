"""`fieldbook sync {customers,jobs,contracts} --org SLUG --ledger LEDGER [--direction up|down]
(--all | --select NUMBERS) [--dry-run] [--json]`: Compare, select, Start Sync, and carry the run
out in this process (for cron). Exits non-zero when a record failed or the run paused."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldbook.integration import cli


class Command(BaseCommand):
    help = (
        "Compare, then send the selected records (--all: every Add, Update and strong Link; never a "
        "name-only candidate or a conflict, which need a person) and report each record's outcome."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_common_arguments(parser)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true",
                           help="every record that can be sent without a person's decision")  # fmt: skip
        which.add_argument("--select", metavar="NUMBERS",
                           help="comma-separated: account references, J1042, S0311; coming down also "
                                "ledger:58 or the ledger's number or name as Compare shows it")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")

    @cli.refusals_as_json
    def handle(self, *args: Any, **opts: Any) -> None:
        target = cli.target(opts)
        out = cli.Output(self.stdout, opts["json"])
        result = cli.run_compare(target)
        if opts["all"]:
            selection = cli.select_all(result)
            for_a_person = cli.left_for_a_person(result, selection)
        else:
            selection = cli.select_numbers(result, opts["select"], target)
            for_a_person = []
        planned = cli.dry_plan(result, selection)
        if opts["dry_run"]:
            out.plan(target, result, planned, for_a_person)
            return
        if not planned.steps:
            # Nothing can be sent: no run (and no empty run in the history every night).
            blocked = cli.blocked_rows(({"key": b.key, "reason": b.reason} for b in planned.blocked), result)
            out.outcome(target, None, blocked + for_a_person)
            return
        with out.progress(f"Sync {target.heading}") as progress:
            run = cli.start_and_carry_out(target, selection, result, progress)
        rows = cli.result_rows(run, result) + for_a_person
        out.outcome(target, run, rows)
        error = cli.failure(run, rows)
        if error is not None:
            raise error
