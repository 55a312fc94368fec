"""What `fieldbook compare` and `fieldbook sync` share: the arguments, finding the connection,
turning Compare and a run into rows (a rich table on a terminal, plain lines otherwise, one JSON
object per invocation with --json), and carrying a run out in this process.

The command line is for scheduled runs (cron, daily or weekly): it says the same things as the
Compare and run pages, and its exit code tells the scheduler whether a person is needed."""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.utils import timezone

from fieldbook.connectors import registry
from fieldbook.connectors.errors import LedgerError
from fieldbook.core.models import Organisation
from fieldbook.integration import ledgers, service
from fieldbook.integration.models import Connection, ExternalLink, SyncRun, SyncStep
from fieldbook.integration.views_sync import present
from fieldbook.sync import codec
from fieldbook.sync.compare import Action, Compared, TotalsCheck
from fieldbook.sync.keys import LEDGER_PREFIX
from fieldbook.sync.normalise import field_label
from fieldbook.sync.plan import Plan, Selection, plan
from fieldbook.sync.store import Mode, PlannedStep, Run, RunState

LEDGERS = dict(registry.ledger_choices())  # every listed ledger; those without a connector say so
NOUNS = {"customers": "customers", "jobs": "job invoices", "contracts": "service invoices"}
HINTS = {
    "customers": "only customers flagged “integrate with accounts” are compared",
    "jobs": "only closed jobs with both flags set (Ready for Invoice, Transfer to Accounts) are compared",
    "contracts": "only service invoices with both flags set (Ready for Invoice, Transfer to Accounts) are compared",
}
NEEDS_A_PERSON = {
    "candidate": "Confirm the link on the Compare page in Fieldbook, then Start Sync there.",
    "conflict": "Choose on the Compare page in Fieldbook (ours or theirs per field, or the record to link).",
    "warning": "Select it by number (--select) to send it knowingly, or tick “Send anyway” on the Compare page.",
}


# --- arguments and the connection -------------------------------------------------------------


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("option", choices=list(service.OPTIONS), help="what to transfer")
    parser.add_argument("--org", required=True, metavar="SLUG", help="organisation slug")
    parser.add_argument("--ledger", required=True, choices=list(LEDGERS))
    parser.add_argument(
        "--direction", choices=["up", "down"], default="up",
        help="up: Fieldbook to the ledger (default); down: the ledger to Fieldbook (customers only)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


@dataclass(frozen=True)
class Target:
    connection: Connection
    option: str
    direction: str

    @property
    def up(self) -> bool:
        return self.direction == "up"

    @property
    def ledger_name(self) -> str:
        return LEDGERS.get(self.connection.ledger, self.connection.ledger)

    @property
    def heading(self) -> str:
        arrow = f"Fieldbook → {self.ledger_name}" if self.up else f"{self.ledger_name} → Fieldbook"
        return f"{service.OPTIONS[self.option]} ({arrow}) for {self.connection.organisation.slug}"

    def describe(self) -> dict[str, str]:
        org = self.connection.organisation
        return {"organisation": org.slug, "ledger": self.connection.ledger, "option": self.option,
                "direction": self.direction}  # fmt: skip


def target(opts: dict[str, Any]) -> Target:
    """The connection the command works on, or a CommandError saying what is wrong."""
    ledger, option, direction = opts["ledger"], opts["option"], opts["direction"]
    if ledger not in LEDGERS:
        raise CommandError(f"Unknown ledger {ledger!r}: choose one of {', '.join(LEDGERS)}.")
    available = ledgers.available_ledgers()
    if ledger not in available:
        names = ", ".join(LEDGERS[n] for n in sorted(available) if n in LEDGERS)
        raise CommandError(f"{LEDGERS[ledger]} is not available yet: only {names} can be synced today.")
    if option not in service.OPTIONS:
        raise CommandError(f"Unknown transfer {option!r}: choose one of {', '.join(service.OPTIONS)}.")
    if direction == "down" and option != "customers":
        raise CommandError(f"Only customers can come down from the ledger; {NOUNS[option]} only go up.")
    org = Organisation.objects.filter(slug=opts["org"]).first()
    if org is None:
        raise CommandError(f"No organisation with slug {opts['org']!r}.")
    connection = Connection.objects.select_related("organisation").filter(organisation=org, ledger=ledger).first()
    if connection is None or connection.status == Connection.Status.NOT_CONNECTED:
        raise CommandError(f"{org.slug} is not connected to {LEDGERS[ledger]}: connect it in Settings first.")
    if not connection.is_connected:
        reason = f" ({connection.status_reason})" if connection.status_reason else ""
        raise CommandError(f"{org.slug} must reconnect to {LEDGERS[ledger]}{reason}: press Connect in Settings.")
    return Target(connection, option, direction)


def run_compare(t: Target) -> service.CompareResult:
    try:
        with ledgers.background():  # a command waits what the ledger says
            return service.run_compare(t.connection, t.option, t.direction)
    except LedgerError as exc:
        raise CommandError(f"Compare failed: {exc.message} {exc.fix}".strip()) from exc


# --- Compare rows -------------------------------------------------------------------------------


def action(c: Compared) -> str:
    """The flag in the vocabulary of `CompareResult.counts()`: add, update, link, link candidate,
    conflict, ledger_state, unchanged."""
    return "link candidate" if c.needs_confirmation else c.action.value


def _totals(check: TotalsCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None

    def money(t: Any) -> dict[str, str] | None:
        return None if t is None else {"net": str(t.net), "tax": str(t.tax), "total": str(t.total)}

    return {"ours": money(check.ours), "ledger": money(check.theirs), "differs": check.differs, "note": check.note,
            "warning": check.warning, "problem": check.problem, "ledger_form": check.ledger_form}


def compare_row(c: Compared, up: bool) -> dict[str, Any]:
    """One record that differs, as JSON: what the Compare page shows for it."""
    shown = present(c, up)
    return {
        "key": c.key, "number": shown["number"], "name": shown["name"], "action": action(c), "flag": shown["label"],
        "reason": c.reason,
        "changes": [{"field": ch.field, "label": field_label(ch.field), "ours": ch.ours, "ledger": ch.theirs,
                     "conflict": ch.conflict} for ch in c.changes],
        "totals": _totals(c.totals),
        "candidates": [label for _value, label in shown["candidates"]],
    }  # fmt: skip


# --- selecting records ---------------------------------------------------------------------------


def sendable(c: Compared) -> bool:
    """What --all selects: records that need no person's decision (an invoice Compare warns
    about, 0.00 or totals that would differ, is sent only when selected by number; re-creating a
    record deleted or voided in the ledger, making a merged one inactive or voiding one, too)."""
    if c.totals is not None and c.totals.warning:
        return False
    if c.action == Action.ADD:
        return c.state is None
    return c.action == Action.UPDATE or (c.action == Action.LINK and not c.needs_confirmation)


def _warned(c: Compared) -> bool:
    return c.totals is not None and bool(c.totals.warning) and c.action in (Action.ADD, Action.UPDATE)


def needs_a_person(c: Compared) -> bool:
    gone = c.action == Action.ADD and c.state is not None
    return c.needs_confirmation or gone or c.action in (Action.CONFLICT, Action.MERGED, Action.VOID) or _warned(c)


def select_all(result: service.CompareResult) -> Selection:
    return Selection(keys=frozenset(c.key for c in result.listed if sendable(c)))


def select_numbers(result: service.CompareResult, numbers: str, t: Target) -> Selection:
    """`J1042,S0311,ACME-1`: our numbers; coming down also `ledger:58` or the ledger's own
    number or name as Compare shows it. Case does not matter; an unknown or ambiguous one is an
    error before anything is written."""
    index: dict[str, set[str]] = {}
    for c in result.compared:
        shown = present(c, t.up)
        names = {c.key, shown["number"], shown["name"]}
        if c.ledger is not None and c.ledger.ledger_id:
            names.add(f"{LEDGER_PREFIX}{c.ledger.ledger_id}")
        for name in names:
            if name:
                index.setdefault(name.strip().casefold(), set()).add(c.key)
    tokens = [n.strip() for n in numbers.split(",") if n.strip()]
    if not tokens:
        raise CommandError("--select needs at least one number, e.g. --select J1042,J1043.")
    keys: set[str] = set()
    unknown: list[str] = []
    for token in tokens:
        found = index.get(token.casefold(), set())
        if len(found) > 1:
            raise CommandError(f"{token!r} names {len(found)} records ({', '.join(sorted(found))}): "
                               f"select them by key instead.")  # fmt: skip
        if not found:
            unknown.append(token)
        keys |= found
    if unknown:
        raise CommandError(f"Not found among the {NOUNS[t.option]} Compare sees: {', '.join(unknown)} "
                           f"({HINTS[t.option]}).")  # fmt: skip
    # Named one by one, an invoice Compare warns about (0.00, totals that differ) is sent knowingly.
    return Selection(keys=frozenset(keys), accepted=frozenset(keys))


def left_for_a_person(result: service.CompareResult, selection: Selection) -> list[dict[str, Any]]:
    """Records --all leaves alone because they need a decision, each with why and what to do."""
    out = []
    for c in result.listed:
        if c.key in selection.keys or not needs_a_person(c):
            continue
        row = compare_row(c, result.direction == "up")
        fix = NEEDS_A_PERSON["candidate" if c.needs_confirmation else "warning" if _warned(c) else "conflict"]
        why = c.totals.warning if _warned(c) and c.totals is not None else c.reason
        out.append({"key": c.key, "kind": c.kind.value, "number": row["number"], "name": row["name"],
                    "status": "skipped", "action": row["action"], "code": "", "message": f"Needs a person: {why}",
                    "fix": fix, "ledger_id": "", "ledger_number": ""})  # fmt: skip
    return out


# --- the plan and the run ------------------------------------------------------------------------


def verb(planned: PlannedStep) -> str:
    if planned.mode == Mode.LINK:
        return "link"
    where = "in Fieldbook" if planned.mode == Mode.LOCAL else "in the ledger"
    return f"{planned.step.operation.value} {where}"  # create / update / void


def _name(planned: PlannedStep) -> str:
    record = planned.step.record
    return str(getattr(record, "name", "") or getattr(record, "customer_name", ""))


def dry_plan(result: service.CompareResult, selection: Selection) -> Plan:
    """The plan Start Sync would make, without a run: pure, writes nothing."""
    return plan("dry-run", result.transfer, result.compared, selection, customers=result.customers)


def plan_rows(planned: Plan) -> list[dict[str, Any]]:
    return [{"kind": p.step.kind.value, "number": p.local_number, "name": _name(p), "action": verb(p),
             "reason": p.note} for p in planned.steps]  # fmt: skip


def blocked_rows(blocked: Iterable[dict[str, str]], result: service.CompareResult) -> list[dict[str, Any]]:
    """Selected records the plan left out (unchanged, a candidate not confirmed...), as skipped."""
    compared = {c.key: c for c in (*result.compared, *result.customers)}
    rows = []
    for b in blocked:
        c = compared.get(b["key"])
        shown = present(c, result.direction == "up") if c is not None else {"number": b["key"], "name": ""}
        rows.append({"key": b["key"], "kind": c.kind.value if c else "", "number": shown["number"] or b["key"],
                     "name": shown["name"], "status": "skipped", "action": action(c) if c else "", "code": "",
                     "message": b["reason"], "fix": "Open Compare in Fieldbook to see what it needs.",
                     "ledger_id": "", "ledger_number": ""})  # fmt: skip
    return rows


def start_and_carry_out(t: Target, selection: Selection, result: service.CompareResult,
                        on_progress: Callable[[int, int], None] | None = None) -> SyncRun:  # fmt: skip
    """Plan the run (the lease refuses a second run on the connection) and carry it out here."""
    try:
        # This process carries the run out itself: a worker must never resume it at the same time.
        run = service.start_sync(t.connection, t.option, selection, direction=t.direction, result=result,
                                 enqueue=False)  # fmt: skip
    except service.TakenOver as taken:
        # A killed `fieldbook sync` left its run holding the connection: finish it from its journal
        # here, then start ours (issue 10 §4).
        service.execute(taken.run.pk)
        return start_and_carry_out(t, selection, result, on_progress)
    except service.AlreadyRunning as exc:
        raise CommandError(str(exc)) from exc
    except LedgerError as exc:
        raise CommandError(f"{exc.message} {exc.fix}".strip()) from exc
    if on_progress is None:
        return service.execute(run.pk)
    on_progress(0, run.total_steps)

    def tick(_run: Run) -> None:
        done = SyncStep.objects.filter(run_id=run.pk).exclude(status="").count()
        on_progress(done, run.total_steps)

    finished = service.execute(run.pk, on_heartbeat=tick)
    on_progress(finished.steps.exclude(status="").count(), finished.total_steps)
    return finished


def result_rows(run: SyncRun, result: service.CompareResult) -> list[dict[str, Any]]:
    """Every step of the run with its outcome, then what the plan left out and why."""
    rows = []
    for step in run.steps.all():
        planned = codec.load(PlannedStep, step.planned)
        outcome = step.outcome or {}
        number = step.local_number
        if step.mode == Mode.LOCAL and step.status == "created" and outcome.get("ledger_id"):
            made = ExternalLink.objects.filter(connection_id=run.connection_id, kind=step.kind,
                                               ledger_id=outcome["ledger_id"]).first()  # fmt: skip
            number = made.local_number if made else number
        rows.append({
            "key": number or f"{LEDGER_PREFIX}{(planned.ledger.ledger_id if planned.ledger else '') or ''}",
            "kind": step.kind, "number": number, "name": _name(planned), "status": step.status or "not finished",
            "action": verb(planned), "code": outcome.get("code", ""), "message": outcome.get("message", ""),
            "fix": outcome.get("fix", ""), "ledger_id": outcome.get("ledger_id", ""),
            "ledger_number": outcome.get("ledger_number", ""),
        })  # fmt: skip
    return rows + blocked_rows(run.blocked or [], result)


def failure(run: SyncRun | None, rows: Sequence[dict[str, Any]]) -> CommandError | None:
    """The error the command ends with (non-zero exit) when a person must look: a record failed
    or the run paused. Skipped records (a candidate to confirm) are reported, not errors."""
    failed = [r for r in rows if r["status"] == "failed"]
    parts = []
    if run is not None and run.state == RunState.PAUSED:
        parts.append(f"The run paused: {run.reason} (run {run.pk[:8]} in Sync history; reconnect in Settings "
                     f"if asked, then sync again).")  # fmt: skip
    if failed:
        said = "; ".join(f"{r['number'] or r['key']}: {_said(r)}" for r in failed)
        parts.append(f"{len(failed)} record{'s' if len(failed) > 1 else ''} failed: {said}")
    if run is not None and run.state not in (RunState.DONE, RunState.PAUSED):
        parts.append(f"The run stopped in state {run.state}; the sweeper will resume it.")
    return CommandError(" ".join(parts)) if parts else None


def _said(row: dict[str, Any]) -> str:
    code = f" [{row['code']}]" if row.get("code") else ""
    fix = f" Fix: {row['fix']}" if row.get("fix") else ""
    return f"{row['message']}{code}{fix}".strip()


# --- output --------------------------------------------------------------------------------------


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Output:
    """A rich table on a terminal, plain lines when piped (cron logs), JSON with --json."""

    def __init__(self, stdout: OutputWrapper, as_json: bool) -> None:
        stream: TextIO = getattr(stdout, "_out", None) or sys.stdout
        self.stream = stream
        self.as_json = as_json
        self.console: Any = None
        if not as_json and _is_terminal(stream):
            from rich.console import Console

            self.console = Console(file=stream, highlight=False)

    def line(self, text: str = "") -> None:
        if self.console is not None:
            self.console.print(text, markup=False)
        else:
            self.stream.write(text + "\n")

    def json(self, data: dict[str, Any]) -> None:
        self.stream.write(json.dumps(data, default=_jsonable, ensure_ascii=False) + "\n")
        if _json_written:
            _json_written[-1] = True

    # Compare --------------------------------------------------------------------------------
    def compare(self, t: Target, result: service.CompareResult) -> None:
        rows = [compare_row(c, t.up) for c in result.listed]
        counts = result.counts()
        if self.as_json:
            self.json({**t.describe(), "at": timezone.now().isoformat(), "counts": counts, "records": rows})
            return
        self.line(f"Compare {t.heading}: {len(rows)} {'record differs' if len(rows) == 1 else 'records differ'} "
                  f"({HINTS[t.option]}).")  # fmt: skip
        if rows:
            self.compare_table(rows, invoices=t.option != "customers")
        else:
            self.line("Nothing to transfer: every record is already in step with the ledger.")
        self.line("Counts: " + (", ".join(f"{n} {label}" for label, n in sorted(counts.items())) or "none"))

    def compare_table(self, rows: list[dict[str, Any]], invoices: bool) -> None:
        if self.console is None:
            for r in rows:
                self.line(f"{r['flag']:<15} {_record(r):<12} {r['name']}")
                self.line(f"    why: {r['reason']}")
                for ch in r["changes"]:
                    mark = "  (changed on both sides)" if ch["conflict"] else ""
                    self.line(f"    {ch['label']}: ours {ch['ours']!r} | ledger {ch['ledger']!r}{mark}")
                for cand in r["candidates"]:
                    self.line(f"    candidate: {cand}")
                if r["totals"]:
                    self.line(f"    totals: {_totals_text(r['totals'])}")
            return
        from rich.table import Table

        table = Table(show_lines=True)
        for column in ("Flag", "Record", "Why", "Changes (ours | ledger)", *(["Totals"] if invoices else [])):
            table.add_column(column, overflow="fold")
        styles = {"add": "green", "update": "cyan", "link": "blue", "link candidate": "yellow", "conflict": "red"}
        for r in rows:
            changes = "\n".join(f"{ch['label']}: {ch['ours'] or '—'} | {ch['ledger'] or '—'}"
                                + (" ⚠" if ch["conflict"] else "") for ch in r["changes"])  # fmt: skip
            why = "\n".join([r["reason"], *(f"candidate: {c}" for c in r["candidates"])])
            cells = [f"[{styles.get(r['action'], 'magenta')}]{_esc(r['flag'])}[/]",
                     f"[bold]{_esc(_record(r))}[/]\n{_esc(r['name'])}", _esc(why), _esc(changes)]  # fmt: skip
            if invoices:
                cells.append(_esc(_totals_text(r["totals"])) if r["totals"] else "")
            table.add_row(*cells)
        self.console.print(table)

    # Sync -----------------------------------------------------------------------------------
    def plan(self, t: Target, result: service.CompareResult, planned: Plan, skipped: list[dict[str, Any]]) -> None:
        steps = plan_rows(planned)
        blocked = blocked_rows(({"key": b.key, "reason": b.reason} for b in planned.blocked), result) + skipped
        if self.as_json:
            counts = dict(Counter(s["action"] for s in steps))
            if blocked:
                counts["skipped"] = len(blocked)
            self.json({**t.describe(), "dry_run": True, "counts": counts, "steps": steps, "skipped": blocked})
            return
        self.line(f"Dry run: Sync {t.heading} would do {len(steps)} step{'' if len(steps) == 1 else 's'}; "
                  "nothing has been written.")  # fmt: skip
        self.records(
            [{"status": s["action"], "kind": s["kind"], "number": s["number"], "name": s["name"],
              "message": s["reason"], "code": "", "fix": ""} for s in steps] + blocked,
            title="Would do",
        )  # fmt: skip

    def outcome(self, t: Target, run: SyncRun | None, rows: list[dict[str, Any]]) -> None:
        counts = dict(Counter(r["status"] for r in rows))
        if self.as_json:
            described = None if run is None else {
                "id": run.pk, "state": run.state, "reason": run.reason, "counts": run.counts,
                "started_at": run.created_at, "finished_at": run.finished_at,
            }  # fmt: skip
            self.json({**t.describe(), "run": described, "counts": counts, "records": rows})
            return
        if run is None:
            self.line(f"Sync {t.heading}: nothing to send, so no run was started.")
        else:
            state = f"{run.state}" + (f" ({run.reason})" if run.reason else "")
            self.line(f"Sync {t.heading}: run {run.pk[:8]} {state}.")
        if rows:
            self.records(rows, title="Outcome")
        self.line("Counts: " + (", ".join(f"{n} {label}" for label, n in sorted(counts.items())) or "none"))

    def records(self, rows: list[dict[str, Any]], title: str) -> None:
        if self.console is None:
            for r in rows:
                self.line(f"{r['status']:<20} {r['kind'] or '-':<9} {r['number'] or '-':<12} {r['name']}")
                if r["message"] or r["code"]:
                    self.line(f"    {_said(r)}")
            return
        from rich.table import Table

        styles = {"created": "green", "updated": "cyan", "linked": "blue", "voided": "magenta", "unchanged": "dim",
                  "skipped": "yellow", "failed": "bold red", "conflict": "red"}  # fmt: skip
        table = Table(title=title, show_lines=False)
        for column in ("Outcome", "Kind", "Record", "Message"):
            table.add_column(column, overflow="fold")
        for r in rows:
            status = f"[{styles.get(r['status'], 'white')}]{_esc(r['status'])}[/]"
            record = f"[bold]{_esc(r['number'] or '-')}[/]" + (f"\n{_esc(r['name'])}" if r["name"] else "")
            table.add_row(status, _esc(r["kind"] or "-"), record, _esc(_said(r)))
        self.console.print(table)

    @contextmanager
    def progress(self, what: str) -> Iterator[Callable[[int, int], None] | None]:
        """A progress bar on a terminal (updated on each attempt at the ledger); nothing otherwise."""
        if self.console is None:
            yield None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), "{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=self.console, transient=False) as bar:  # fmt: skip
            task = bar.add_task(what, total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total or None)

            yield update


# One flag per command being handled: whether its one JSON object has been printed.
_json_written: list[bool] = []


def refusals_as_json(handle: Callable[..., None]) -> Callable[..., None]:
    """With --json a refused command still prints its one JSON object (with the error), so a cron
    log has a line for every run; the error still goes to stderr with a non-zero exit."""

    @functools.wraps(handle)
    def wrapper(command: Any, *args: Any, **opts: Any) -> None:
        _json_written.append(False)
        try:
            handle(command, *args, **opts)
        except CommandError as exc:
            if opts.get("json") and not _json_written[-1]:
                stream: TextIO = getattr(command.stdout, "_out", None) or sys.stdout
                described = {k: opts.get(k) for k in ("option", "direction", "ledger")}
                stream.write(json.dumps({"organisation": opts.get("org"), **described, "at": timezone.now().isoformat(),
                                         "refused": True, "error": str(exc)}, ensure_ascii=False) + "\n")  # fmt: skip
            raise
        finally:
            _json_written.pop()

    return wrapper


def _jsonable(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)  # datetimes in ISO 8601, Decimals as strings
    return str(isoformat() if callable(isoformat) else value)


def _record(row: dict[str, Any]) -> str:
    """How a person names the record to --select: its number, and the key when that differs
    (a ledger customer Fieldbook has never seen is `ledger:58`)."""
    number, key = row["number"], row["key"]
    if not number or number == key:
        return str(number or key)
    return f"{number} [{key}]"


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _totals_text(totals: dict[str, Any]) -> str:
    ours = totals["ours"]["total"]
    ledger = totals["ledger"]["total"] if totals["ledger"] else "computed by the ledger"
    # The warning repeats the difference and says what to do about it; shown instead of the note.
    differs = totals["note"] and totals["differs"] and not totals.get("warning")
    note = f" — {totals['note']}" if differs else ""
    for key, label in (("ledger_form", ""), ("problem", "cannot be sent: "), ("warning", "")):
        if totals.get(key) and not (key == "warning" and totals.get("problem")):
            note += f" — {label}{totals[key]}"
    return f"ours {ours}, ledger {ledger}{note}"
