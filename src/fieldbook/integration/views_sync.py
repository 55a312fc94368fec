"""Compare, Start Sync, live progress, results with Retry, and the sync history."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fieldbook.catalogue.templatetags.money import price as price_text
from fieldbook.connectors.errors import LedgerError
from fieldbook.connectors.records import InvoiceRecord, LedgerState
from fieldbook.core.money import format_money
from fieldbook.core.tenancy import current_organisation
from fieldbook.integration import service
from fieldbook.integration.models import Connection, ExternalLink, SyncRun, SyncStep
from fieldbook.integration.run_pages import run_rows, run_summary, run_title
from fieldbook.integration.views import get_connection
from fieldbook.sync.compare import Action, Compared, Side
from fieldbook.sync.normalise import field_label
from fieldbook.sync.plan import VOID_CONFIRMED, Selection


def _option(option: str) -> str:
    if option not in service.OPTIONS:
        raise Http404("No such transfer")
    return option


def transfer(request: HttpRequest, ledger: str, option: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    option = _option(option)
    direction = "down" if request.GET.get("direction") == "down" and option == "customers" else "up"
    context: dict[str, Any] = {"connection": connection, "ledger": ledger, "option": option,
                               "option_label": service.OPTIONS[option], "direction": direction}  # fmt: skip
    if request.GET.get("compare") and connection.is_connected:
        try:
            result = service.run_compare(connection, option, direction)
        except LedgerError as exc:
            messages.error(request, f"{exc.message} {exc.fix}".strip())
        else:
            if result.notice:
                messages.warning(request, result.notice)
            up = direction == "up"
            names = customer_names(connection) if option != "customers" else {}
            rows = [present(c, up, names) for c in result.listed]
            context.update(result=result, rows=rows, counts=_count_labels(result.counts()))
    elif not connection.is_connected:
        messages.error(request, "Connect to the ledger in Settings first.")
    return render(request, "integration/transfer.html", context)


def _count_labels(counts: dict[str, int]) -> dict[str, int]:
    # The engine's action names read as words on the page ("ledger_state": shown, not sent).
    return {("shown only" if k == "ledger_state" else k.replace("_", " ")): n for k, n in counts.items()}


BADGES = {
    Action.ADD: ("add", "Add"), Action.UPDATE: ("update", "Update"), Action.LINK: ("link", "Link"),
    Action.CONFLICT: ("conflict", "Conflict"), Action.UNCHANGED: ("", "Unchanged"),
    Action.LEDGER_STATE: ("failed", "In the ledger"), Action.MERGED: ("link", "Merged"),
    Action.VOID: ("conflict", "Void"),
}  # fmt: skip


def customer_names(connection: Connection) -> dict[str, str]:
    """Ledger customer id -> our account reference, so an invoice's customer in the ledger reads
    as one of ours (a merged duplicate's link stays, so the old customer is named)."""
    links = ExternalLink.objects.filter(connection=connection, kind="customer")
    return dict(links.values_list("ledger_id", "local_number"))


def present(c: Compared, up: bool, customers: dict[str, str] | None = None) -> dict[str, Any]:
    """One Compare row, ready for the template (the template does no logic)."""
    record = c.local if (up and c.local is not None) or c.ledger is None else c.ledger
    css, label = BADGES[c.action]
    if c.needs_confirmation:
        css, label = "candidate", "Link candidate"
    if c.action == Action.LEDGER_STATE and c.state is not None:
        label = c.state.value.replace("_", " ").capitalize()
    confirm = ""
    if c.needs_confirmation and c.ledger is not None and c.local is not None:
        confirm = (c.ledger.ledger_id if up else c.local.number) or ""
    candidates = [((r.ledger_id if up else r.number) or "", f"{r.name if hasattr(r, 'name') else r.number} "
                   f"({r.number or r.ledger_id})") for r in c.candidates]  # fmt: skip
    # An Add lists no field-by-field table (everything is new): a one-line summary says what goes.
    changes = [] if c.action == Action.ADD else c.changes
    return {
        "key": c.key, "css": css, "label": label, "number": record.number if record else "",
        "name": getattr(record, "name", "") or getattr(record, "customer_name", ""), "reason": c.reason,
        "summary": summary(record) if c.action == Action.ADD else "",
        "changes": [{"field": field_label(ch.field), "name": ch.field, "ours": _ours(c, ch.field, ch.ours),
                     "theirs": _theirs(c, ch.field, ch.theirs, customers or {}), "conflict": ch.conflict}
                    for ch in changes],
        "confirm": confirm, "candidates": candidates, "totals": c.totals, "amounts": amounts(c),
        "warning": c.totals.warning if c.totals is not None else "",
        "problem": c.totals.problem if c.totals is not None else "",
        "ledger_form": c.totals.ledger_form if c.totals is not None else "",
        "tick": tick(c),
        "selectable": c.action not in (Action.UNCHANGED, Action.LEDGER_STATE),
    }  # fmt: skip


def _ours(c: Compared, field: str, value: str) -> str:
    """Our side of a change; an invoice's customer is named as well as numbered."""
    if field == "customer_number" and isinstance(c.local, InvoiceRecord) and c.local.customer_name and value:
        return f"{value} · {c.local.customer_name}"
    return readable(field, value)


def _theirs(c: Compared, field: str, value: str, customers: dict[str, str]) -> str:
    """The ledger's side of a change. A ledger invoice names its customer by the ledger's id, never
    by our number: it reads as the customer of ours linked to that id (or the ledger's name)."""
    if field == "customer_number" and isinstance(c.ledger, InvoiceRecord):
        ledger = c.ledger
        ours = customers.get(ledger.customer_ledger_id or "", "")
        if ours or ledger.customer_name:
            return " · ".join(p for p in (ours, ledger.customer_name) if p)
    return readable(field, value)


def money(value: Decimal | str) -> str:
    """1,234.50 for a Decimal or its normalised text ("1234.5"); anything else unchanged."""
    try:
        return format_money(Decimal(value))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


def price(value: str) -> str:
    """A unit price as the job's lines show it: 2 dp, or up to 4 when it has them (33.335)."""
    try:
        return price_text(Decimal(value))
    except (InvalidOperation, ValueError):
        return value


def amounts(c: Compared) -> dict[str, str] | None:
    """The Totals column: ours, the ledger's current total (none when the ledger has no such
    invoice, e.g. deleted there) and, when they differ, what the ledger will compute for ours."""
    if c.totals is None:
        return None
    ours, predicted = c.totals.ours, c.totals.theirs
    current = ""
    if isinstance(c.ledger, InvoiceRecord) and c.ledger.state != LedgerState.DELETED:
        current = money(c.ledger.total)
    if predicted is None:
        note, differs = "The ledger computes tax: its totals may differ from ours.", False
    else:
        differs = c.totals.differs
        note = (f"The ledger will compute a total of {money(predicted.total)} (tax {money(predicted.tax)}); "
                f"ours is {money(ours.total)} (tax {money(ours.tax)})." if differs else "")  # fmt: skip
    return {"ours": money(ours.total), "ledger": current, "note": note, "differs": "1" if differs else ""}


def tick(c: Compared) -> dict[str, str] | None:
    """A confirmation the user ticks on the row (posted as confirm:<key>): the unique ledger name
    for a name clash, or voiding in the ledger."""
    if c.rename:
        return {"value": c.rename, "label": f"Send it to the ledger as “{c.rename}”"}
    if c.action == Action.VOID:
        return {"value": VOID_CONFIRMED, "label": "Yes, void it in the ledger"}
    return None


def readable(field: str, value: str) -> str:
    """A compared value as a bookkeeper reads it (Compare compares normalised strings)."""
    if field == "total":
        return money(value) if value else ""
    if field == "address":
        return ", ".join(part for part in value.split(" | ") if part.strip())
    if field == "lines":
        out = []
        for line in value.splitlines():
            desc, qty, unit, tax, discount, _item, credit = (line.split(" ; ") + [""] * 7)[:7]
            text = f"{desc}: {qty} × {price(unit)} ({tax}"  # noqa: RUF001 (the sign a bookkeeper writes)
            text += f", {discount} % off" if discount not in ("", "0", "0.00") else ""
            text += ", credit)" if credit else ")"
            out.append(text)
        return "\n".join(out)
    return value


def summary(record: Any) -> str:
    if record is None:
        return ""
    if hasattr(record, "lines"):
        return f"{len(record.lines)} line(s), total {money(record.total)} {record.currency} for {record.customer_name}"
    bits = [record.email, ", ".join(p for p in (record.address.line1, record.address.city, record.address.postcode)
                                    if p)]  # fmt: skip
    return " · ".join(b for b in bits if b)


def selection_from(post: Any) -> Selection:
    keys = frozenset(post.getlist("selected"))
    choices: dict[str, dict[str, Side]] = {}
    confirmed: dict[str, str] = {}
    for name, value in post.items():
        if name.startswith("choice:") and value in (Side.OURS, Side.THEIRS):
            _, key, fieldname = name.split(":", 2)
            choices.setdefault(key, {})[fieldname] = Side(value)
        elif name.startswith("confirm:") and value:
            confirmed[name.split(":", 1)[1]] = value
    # "Send anyway" beside Compare's warning (0.00, totals that would differ): sent knowingly.
    accepted = frozenset(name.split(":", 1)[1] for name, value in post.items() if name.startswith("accept:") and value)
    return Selection(keys=keys, choices=choices, confirmed=confirmed, accepted=accepted)


@require_POST
def start(request: HttpRequest, ledger: str, option: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    option = _option(option)
    direction = "down" if request.POST.get("direction") == "down" else "up"
    selection = selection_from(request.POST)
    back = redirect(f"{request.path.rsplit('/start/', 1)[0]}/?compare=1&direction={direction}")
    if not selection.keys:
        messages.error(request, "Select at least one record, then press Start Sync.")
        return back
    try:
        run = service.start_sync(connection, option, selection, direction=direction, user=request.user)
    except service.AlreadyRunning as exc:
        messages.error(request, str(exc))
        return back
    except LedgerError as exc:
        messages.error(request, f"{exc.message} {exc.fix}".strip())
        return back
    return redirect("integration:run", run_id=run.pk)


def _run(request: HttpRequest, run_id: str) -> SyncRun:
    return get_object_or_404(
        SyncRun.objects.select_related("connection", "started_by"),
        pk=run_id,
        organisation=current_organisation(request),
    )


def run_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    run = _run(request, run_id)
    steps = run_rows(run)
    return render(request, "integration/run.html", {
        "run": run, "steps": steps, "failed": [s for s in steps if s.status == "failed"],
        "title": run_title(run), "unsuccessful": run_summary(run).removeprefix(run.state).lstrip(", "),
    })  # fmt: skip


def run_status(request: HttpRequest, run_id: str) -> JsonResponse:
    run = _run(request, run_id)
    done = SyncStep.objects.filter(run=run).exclude(status="").count()
    return JsonResponse({"state": run.state, "done": done, "total": run.total_steps, "counts": run.counts,
                         "reason": run.reason})  # fmt: skip


@require_POST
def retry(request: HttpRequest, run_id: str) -> HttpResponse:
    run = _run(request, run_id)
    keys = set()
    for step in run.steps.filter(status__in=["failed", "skipped"]):
        ledger = (step.planned.get("ledger") or {}) if step.mode == "local" else {}
        keys.add(f"ledger:{ledger['ledger_id']}" if ledger.get("ledger_id") else step.local_number)
    if not keys:
        messages.error(request, "Nothing to retry: no record failed.")
        return redirect("integration:run", run_id=run.pk)
    direction = "down" if run.transfer == "customers_down" else "up"
    try:
        new = service.start_sync(run.connection, run.option, Selection(keys=frozenset(keys)), direction=direction,
                                 user=request.user)  # fmt: skip
    except (service.AlreadyRunning, LedgerError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("integration:run", run_id=run.pk)
    return redirect("integration:run", run_id=new.pk)


@require_POST
def resume_run(request: HttpRequest, run_id: str) -> HttpResponse:
    run = _run(request, run_id)
    if run.state != "paused":
        messages.error(request, "Only a paused run can be resumed.")
    elif not run.connection.is_connected:
        messages.error(request, "Reconnect to the ledger in Settings first; the run resumes after that.")
    else:
        try:
            service.resume(run.connection, run)
        except service.AlreadyRunning as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Resuming: records already sent are looked up in the ledger first.")
    return redirect("integration:run", run_id=run.pk)


def history(request: HttpRequest) -> HttpResponse:
    runs = SyncRun.objects.filter(organisation=current_organisation(request)).select_related("connection", "started_by")
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    rows = [{"run": run, "title": run_title(run), "summary": run_summary(run)} for run in page.object_list]
    return render(request, "integration/history.html", {"page_obj": page, "rows": rows,
                                                        "options": service.OPTIONS})  # fmt: skip
