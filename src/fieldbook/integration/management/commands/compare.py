"""`fieldbook compare {customers,jobs,contracts} --org SLUG --ledger LEDGER [--direction up|down] [--json]`:
the records that differ between Fieldbook and the ledger, as the Compare page lists them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldbook.integration import cli


class Command(BaseCommand):
    help = "List the records that differ between Fieldbook and a ledger (Add, Update, Link, Conflict...)."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_common_arguments(parser)

    @cli.refusals_as_json
    def handle(self, *args: Any, **opts: Any) -> None:
        target = cli.target(opts)
        result = cli.run_compare(target)
        cli.Output(self.stdout, opts["json"]).compare(target, result)
