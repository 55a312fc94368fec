"""QBO writes: steps rendered into /batch requests (reference §6) and batch replies turned into
one result per step, so one bad record never fails its batch.

A request's `parts` maps each member step to its `bId`, or to "!<reason>" when QBO cannot take
the record as it stands (unmapped tax code, a credit larger than its lines): such a member is not in the body and
comes back from `send` as a FAILED result with a Permanent error.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fieldbook.connectors.base import (
    KEY_NAMESPACE,
    Attempt,
    ConnectionSettings,
    Operation,
    RecordKind,
    Request,
    ResultStatus,
    SendOutcome,
    Step,
    StepResult,
    marker,
    request_key,
)
from fieldbook.connectors.errors import LedgerError, Permanent, ReconnectRequired, Retriable, Uncertain
from fieldbook.connectors.quickbooks import faults
from fieldbook.connectors.quickbooks.api import QboApi, dumps
from fieldbook.connectors.quickbooks.mapping import (
    NOTES_MAX,
    InvoiceContext,
    customer_body,
    customer_from_qbo,
    display_name,
    find_marker,
    invoice_body,
    invoice_from_qbo,
    refusal,
    unique_name,
)
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord

_REFUSALS = {
    "no_lines": ("The invoice has no lines.", "Add at least one line."),
    "credit_only": ("The invoice has only credit lines: QuickBooks takes a credit like this as a credit note, "
                    "which Fieldbook does not send.", "Record the credit in QuickBooks, or add the charge it "
                    "reduces to the invoice."),
    "credit_rates": ("QuickBooks takes one discount per invoice, so the credit lines must all have the same "
                     "tax code.", "Give the credit lines one tax code, or split the credit across invoices."),
    "credit_exceeds": ("The credit is more than the lines with its tax code: QuickBooks would need a negative "
                       "amount, which it refuses (code 2290).",
                       "Reduce the credit, or give it the tax code of the lines it is for."),
    "number_too_long": ("The invoice number is longer than QuickBooks' 21 characters.",
                        "Use a shorter number prefix in Settings."),
    "memo_too_long": ("The invoice's memo (the job's description) is longer than the 1,000 characters QuickBooks "
                      "prints.", "Shorten the description to 1,000 characters or fewer, then sync again."),
    "notes_too_long": ("The customer's notes are longer than QuickBooks keeps beside Fieldbook's marker (2,000 "
                       "characters in all); they are never cut.", "Shorten the notes in Fieldbook, then sync again."),
    "unmapped_tax": ("A tax code on this invoice is not mapped to a QuickBooks tax code.",
                     "Map the tax code in Settings, then sync again."),
    "tax_group": ("A tax code on this invoice is mapped to a QuickBooks tax code that is missing or has "
                  "several rates, so QuickBooks cannot keep our VAT per rate.",
                  "Map it in Settings to a QuickBooks tax code with one rate."),
    "tax_rate_mismatch": ("A tax code on this invoice is mapped to a QuickBooks tax code with a different rate.",
                          "Map it in Settings to the QuickBooks tax code with the same rate."),
    "no_customer": ("The invoice's customer is not in QuickBooks yet.", "Sync the customer first."),
}


def refusal_text(handle: str) -> tuple[str, str, str]:
    """A refusal code ("code" or "code:detail") as (message, fix, detail) for a bookkeeper."""
    code, _, detail = handle.partition(":")
    message, fix = _REFUSALS.get(code, ("QuickBooks cannot take this record.", ""))
    if detail:
        message = f"{message} ({detail})"
    return message, fix, detail


def _chunks(steps: Sequence[Step], size: int) -> list[Sequence[Step]]:
    return [steps[i:i + size] for i in range(0, len(steps), max(1, size))]


def prepare(settings: ConnectionSettings, ctx: InvoiceContext, steps: Sequence[Step], size: int) -> list[Request]:
    """Customers first, in their own requests: QBO items cannot see each other's results (§6), so
    an invoice waits until its customer's id is known (the engine fills customer_ledger_id)."""
    customers = [s for s in steps if s.kind == RecordKind.CUSTOMER]
    invoices = [s for s in steps if s.kind == RecordKind.INVOICE and _ready(s)]
    # §4: QBO keeps a voided invoice under its DocNumber and refuses the number again (6140)
    # unless the request says include=allowduplicatedocnum. The parameter covers a whole batch,
    # so only re-creates of invoices voided in the ledger go in requests carrying it: any other
    # duplicate number is still refused.
    again = [s for s in invoices if _recreates_voided(s)]
    invoices = [s for s in invoices if not _recreates_voided(s)]
    used: set[str] = set()
    requests = [_render(settings, ctx, chunk, used) for chunk in _chunks(customers, size)]
    requests += [_render(settings, ctx, chunk, used) for chunk in _chunks(invoices, size)]
    requests += [_render(settings, ctx, chunk, used, ALLOW_DUPLICATE_NUMBER) for chunk in _chunks(again, size)]
    return requests


ALLOW_DUPLICATE_NUMBER = (("include", "allowduplicatedocnum"),)


def _recreates_voided(step: Step) -> bool:
    return step.operation == Operation.CREATE and bool(step.replaces_voided)


def _ready(step: Step) -> bool:
    """An invoice waits for its customer's step; one with no customer at all is refused."""
    record = step.record
    if step.operation == Operation.VOID or (isinstance(record, InvoiceRecord) and record.customer_ledger_id):
        return True
    return not step.depends_on


def _render(settings: ConnectionSettings, ctx: InvoiceContext, steps: Sequence[Step], used: set[str],
            params: tuple[tuple[str, str], ...] = ()) -> Request:
    items: list[dict[str, Any]] = []
    parts: list[tuple[str, str]] = []
    for index, step in enumerate(steps, start=1):
        record = step.record
        ours = record.marker or marker(settings.org_slug, record.number)
        bid = str(index)  # §6: bId ≤ 10 characters when a requestid is sent
        if isinstance(record, CustomerRecord):
            room = NOTES_MAX - len(ours) - 1  # the notes share QBO's Notes with our marker
            if len(record.notes) > room:
                parts.append((step.id, f"!notes_too_long:{len(record.notes):,} characters, at most {room:,}"))
                continue
            name = display_name(record.name)
            if name.casefold() in used:
                name = unique_name(record.name, record.number)  # DisplayName is unique (§3)
            used.add(name.casefold())
            entity = customer_body(record, name, ours, update=step.operation == Operation.UPDATE)
            items.append({"bId": bid, "operation": str(step.operation), "Customer": entity})
        else:
            reason = "" if step.operation == Operation.VOID else refusal(record, ctx)
            if not reason and not record.customer_ledger_id:
                reason = "no_customer"
            if reason:
                parts.append((step.id, "!" + reason))
                continue
            if step.operation == Operation.VOID:
                # §6: update + optionsData "void" voids; only Id and SyncToken are sent.
                entity = {"Id": record.ledger_id, "SyncToken": record.version or "0"}
                items.append({"bId": bid, "operation": "update", "optionsData": "void", "Invoice": entity})
            else:
                entity = invoice_body(record, ours, ctx, update=step.operation == Operation.UPDATE)
                items.append({"bId": bid, "operation": str(step.operation), "Invoice": entity})
        parts.append((step.id, bid))
    body = dumps({"BatchItemRequest": items}) if items else b""
    members = tuple(step.id for step in steps)
    return Request(
        key=request_key(settings.connection_id, members, body),
        method="POST",
        path="batch",
        members=members,
        body=body,
        params=params,
        parts=tuple(parts),
    )


def send(api: QboApi, request: Request) -> tuple[SendOutcome, int | None]:
    """Send the journalled body as is. Returns the outcome and, after a 1040 "batch too big", the
    smaller batch size to remember."""
    items = faults.loads(request.body)["BatchItemRequest"] if request.body else []
    by_bid = {str(item["bId"]): item for item in items}
    replies: dict[str, dict[str, Any]] = {}
    smaller: int | None = None
    if items:
        attempt, smaller = _send_items(api, request, request.key, request.body, items, replies, None)
    else:
        attempt = Attempt(key=request.key, status=None, duration_ms=0, excerpt="not sent: nothing QuickBooks can take")
    results = []
    for step_id, handle in request.parts:
        if handle.startswith("!"):
            code = handle[1:].split(":", 1)[0]
            message, fix, detail = refusal_text(handle[1:])
            field = {"no_customer": "", "memo_too_long": "CustomerMemo", "notes_too_long": "Notes"}.get(code, "Line")
            error = Permanent(message, code=code, fix=fix, detail=detail, field=field)
            results.append(StepResult(step_id, ResultStatus.FAILED, error=error))
            continue
        results.append(_result(step_id, by_bid[handle], replies.get(handle)))
    return SendOutcome(results=tuple(results), attempt=attempt), smaller


def _send_items(api: QboApi, request: Request, key: str, body: bytes, items: list[dict[str, Any]],
                replies: dict[str, dict[str, Any]], smaller: int | None) -> tuple[Attempt, int | None]:
    """`body` is sent byte for byte, with the request's query parameters; only the halves after
    a 1040 are rendered here."""
    try:
        if request.params:
            reply, attempt = api.exchange("POST", request.path, params=request.params, body=body, key=key,
                                          items=len(items))
        else:
            reply, attempt = api.batch(body, key, len(items))
    except LedgerError as error:
        if error.code == "1040" and len(items) > 1:
            # Nothing was saved (§8). The halves get keys derived from this one, so a resend of
            # the journalled request splits the same way and QBO replays them (§10).
            half = (len(items) + 1) // 2
            smaller = min(half, smaller or half)
            for n, part in enumerate((items[:half], items[half:])):
                sub_key = uuid.uuid5(KEY_NAMESPACE, f"{key}|1040|{n}").hex
                attempt, smaller = _send_items(api, request, sub_key, dumps({"BatchItemRequest": part}), part,
                                               replies, smaller)
            return attempt, smaller
        if isinstance(error, Retriable | Uncertain | ReconnectRequired):
            raise
        # A whole-request refusal (e.g. 400 on the envelope): every member fails with it.
        for item in items:
            replies[str(item["bId"])] = {"_error": error}
        return Attempt(key=key, status=error.status, duration_ms=0, excerpt=error.message,
                       error_class=error.kind), smaller
    for entry in reply.get("BatchItemResponse", []):
        replies[str(entry.get("bId"))] = entry
    return attempt, smaller


def _result(step_id: str, sent: dict[str, Any], reply: dict[str, Any] | None) -> StepResult:
    if reply is None:
        # The batch answered without this item: whether it was saved is unknown (lookup decides).
        error: LedgerError = Uncertain("QuickBooks did not report on this record.", code="missing",
                                       fix="Fieldbook checks the ledger before resending.")
        return StepResult(step_id, ResultStatus.FAILED, error=error)
    if "_error" in reply:
        return StepResult(step_id, ResultStatus.FAILED, error=reply["_error"])
    fault = reply.get("Fault")
    if isinstance(fault, dict):
        error = faults.fault_error(fault, 400)
        if error.code == "6240":
            # DESIGN: a Link candidate or a rename, never a bare failure; offer the rename we'd use.
            entity = sent.get("Customer") or {}
            name = str(entity.get("DisplayName", ""))
            number = find_marker(str(entity.get("Notes", ""))).rsplit(":", 1)[-1]
            error.detail = f"{error.detail} | name: {name}".strip(" |")
            if number:
                error.fix = f"{error.fix} Suggested name: {unique_name(name, number)!r}."
        return StepResult(step_id, ResultStatus.FAILED, error=error)
    if "Customer" in reply:
        customer = customer_from_qbo(reply["Customer"])
        status = ResultStatus.CREATED if sent.get("operation") == "create" else ResultStatus.UPDATED
        return StepResult(step_id, status, ledger_id=customer.ledger_id or "", version=customer.version or "",
                          record=customer)
    if "Invoice" in reply:
        invoice = invoice_from_qbo(reply["Invoice"], {})
        if sent.get("optionsData") == "void":
            status = ResultStatus.VOIDED
        else:
            status = ResultStatus.CREATED if sent.get("operation") == "create" else ResultStatus.UPDATED
        return StepResult(step_id, status, ledger_id=invoice.ledger_id or "", ledger_number=invoice.ledger_number,
                          version=invoice.version or "", record=invoice)
    error = Permanent("QuickBooks answered in an unexpected format.", code="0", detail=str(reply)[:300])
    return StepResult(step_id, ResultStatus.FAILED, error=error)
