"""Canonical records <-> QBO JSON. Every body is built field by field from the values we own;
nothing is serialised from a generic object model (reference §16 "Sparse-update blanking").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldbook.connectors.records import (
    Address,
    CustomerRecord,
    InvoiceLine,
    InvoiceRecord,
    LedgerState,
    Totals,
)

CENT = Decimal("0.01")
DISPLAY_NAME_MAX = 500  # §3
DOC_NUMBER_MAX = 21  # §4
NOTES_MAX = 2000  # §3
PRIVATE_NOTE_MAX = 4000  # §4
_MARKER = re.compile(r"fieldbook:[^:\s]+:(\S+)")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def display_name(name: str) -> str:
    """§3: DisplayName max 500 and no colon (hierarchy separator), tab or newline (2040)."""
    cleaned = re.sub(r"\s*:\s*", " - ", name)
    cleaned = re.sub(r"[\t\r\n]+", " ", cleaned)
    cleaned = re.sub(r" {2,}", " ", cleaned).strip()
    return cleaned[:DISPLAY_NAME_MAX].rstrip()


def unique_name(name: str, number: str) -> str:
    """The rename we offer (and use inside one request) when a DisplayName is taken."""
    suffix = f" ({number})"
    return display_name(name)[: DISPLAY_NAME_MAX - len(suffix)].rstrip() + suffix


def with_marker(text: str, marker: str, limit: int) -> str:
    """Free text with our marker on its own last line, the text cut so the marker always fits."""
    if not text:
        return marker
    room = limit - len(marker) - 1
    return f"{text[:room]}\n{marker}"


def find_marker(text: str | None) -> str:
    match = _MARKER.search(text or "")
    return match.group(0) if match else ""


def strip_marker(text: str | None) -> str:
    return _MARKER.sub("", text or "").strip()


# --- customers -------------------------------------------------------------------------------


def _address(address: Address) -> dict[str, str]:
    return {
        "Line1": address.line1,
        "Line2": address.line2,
        "Line3": address.line3,
        "City": address.city,
        "CountrySubDivisionCode": address.region,
        "PostalCode": address.postcode,
        "Country": address.country,
    }


def customer_body(record: CustomerRecord, name: str, marker: str, update: bool) -> dict[str, Any]:
    """Create, or a sparse update with the current SyncToken: every field we own, explicitly.
    On create an empty field is left out; on update it is sent empty so the ledger's copy
    follows ours (the sync compares these fields both ways)."""
    body: dict[str, Any] = {}
    if update:
        body.update({"Id": record.ledger_id, "SyncToken": record.version or "0", "sparse": True})
    body["DisplayName"] = name
    optional: dict[str, Any] = {
        "GivenName": record.first_name[:100],
        "FamilyName": record.last_name[:100],
        "PrimaryEmailAddr": {"Address": record.email} if record.email else None,
        "PrimaryPhone": {"FreeFormNumber": record.phone[:30]} if record.phone else None,
        "Mobile": {"FreeFormNumber": record.mobile[:30]} if record.mobile else None,
        "BillAddr": None if record.address.is_empty() else _address(record.address),
    }
    for key, value in optional.items():
        if value:
            body[key] = value
        elif update and key in ("GivenName", "FamilyName"):
            body[key] = ""
    body["Notes"] = with_marker(record.notes, marker, NOTES_MAX)
    if update:
        body["Active"] = record.active
    return body


def customer_from_qbo(obj: dict[str, Any]) -> CustomerRecord:
    notes = obj.get("Notes")
    found = find_marker(notes)
    bill = obj.get("BillAddr") or {}
    deleted = obj.get("status") == "Deleted"
    state = LedgerState.DELETED if deleted else (
        LedgerState.ACTIVE if obj.get("Active", True) else LedgerState.INACTIVE)
    return CustomerRecord(
        number=found.rsplit(":", 1)[-1] if found else "",
        name=str(obj.get("DisplayName", "")),
        first_name=str(obj.get("GivenName", "")),
        last_name=str(obj.get("FamilyName", "")),
        email=str((obj.get("PrimaryEmailAddr") or {}).get("Address", "")),
        phone=str((obj.get("PrimaryPhone") or {}).get("FreeFormNumber", "")),
        mobile=str((obj.get("Mobile") or {}).get("FreeFormNumber", "")),
        address=Address(
            line1=str(bill.get("Line1", "")), line2=str(bill.get("Line2", "")), line3=str(bill.get("Line3", "")),
            city=str(bill.get("City", "")), region=str(bill.get("CountrySubDivisionCode", "")),
            postcode=str(bill.get("PostalCode", "")), country=str(bill.get("Country", "")),
        ),
        notes=strip_marker(notes),
        active=bool(obj.get("Active", True)),
        ledger_id=str(obj.get("Id", "")) or None,
        version=str(obj.get("SyncToken", "")) or None,
        marker=found,
        updated_at=_meta_time(obj),
        state=state,
    )


# --- invoices --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceContext:
    """What an invoice body depends on besides the record: the company's rules and Settings."""

    custom_numbers: bool
    us_tax: bool
    tax_codes: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    default_item: str = ""
    terms: str = ""


@dataclass(frozen=True)
class SentLine:
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    description: str


def sent_line(line: InvoiceLine) -> SentLine:
    """§4: Amount must equal Qty * UnitPrice (6070). A discount is sent as the discounted unit
    price, named in the description, and Amount is computed from the rounded values sent."""
    unit = line.unit_price
    description = line.description
    if line.discount_percent:
        places = max(2, -int(unit.as_tuple().exponent))
        step = Decimal(1).scaleb(-places)
        unit = (unit * (1 - line.discount_percent / 100)).quantize(step, rounding=ROUND_HALF_UP)
        description = f"{description} (less {line.discount_percent.normalize():f}% discount)".strip()
    return SentLine(line.quantity, unit, round2(line.quantity * unit), description[:4000])


def refusal(record: InvoiceRecord, ctx: InvoiceContext) -> str:
    """Why QBO cannot take this invoice as it stands ('' = it can)."""
    if any(line.is_credit or line.net_amount < 0 for line in record.lines):
        return "credit_lines"
    if not record.lines:
        return "no_lines"
    if ctx.custom_numbers and len(record.number) > DOC_NUMBER_MAX:
        return "number_too_long"
    if not ctx.us_tax:
        missing = {line.tax_code for line in record.lines if line.tax_code not in ctx.tax_codes}
        if missing:
            return "unmapped_tax:" + ",".join(sorted(missing))
    return ""


def _tax_code_ref(line: InvoiceLine, ctx: InvoiceContext) -> str:
    if ctx.us_tax:
        # §4 US: TAX or NON only; automated sales tax decides the rate.
        mapped = ctx.tax_codes.get(line.tax_code, "")
        return mapped if mapped in ("TAX", "NON") else ("TAX" if line.tax_rate > 0 else "NON")
    return ctx.tax_codes[line.tax_code]


def invoice_body(record: InvoiceRecord, marker: str, ctx: InvoiceContext, update: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if update:
        # Sparse with the full Line array: fields we do not own (BillEmail, custom fields) stay
        # as the user set them, and the lines are always sent whole (§4).
        body.update({"Id": record.ledger_id, "SyncToken": record.version or "0", "sparse": True})
    body["CustomerRef"] = {"value": record.customer_ledger_id}
    if ctx.custom_numbers:
        body["DocNumber"] = record.number  # §4: with CustomTxnNumbers off QBO numbers it
    body["TxnDate"] = record.issue_date.isoformat()
    if record.due_date:
        body["DueDate"] = record.due_date.isoformat()
    if ctx.terms:
        body["SalesTermRef"] = {"value": ctx.terms}
    lines = []
    for line in record.lines:
        sent = sent_line(line)
        detail: dict[str, Any] = {"Qty": sent.quantity, "UnitPrice": sent.unit_price,
                                  "TaxCodeRef": {"value": _tax_code_ref(line, ctx)}}
        item = ctx.items.get(line.item_code) or ctx.default_item
        if item:
            detail = {"ItemRef": {"value": item}, **detail}
        lines.append({"DetailType": "SalesItemLineDetail", "Amount": sent.amount,
                      "Description": sent.description, "SalesItemLineDetail": detail})
    body["Line"] = lines
    if not ctx.us_tax:
        # §4: required for non-US companies, not applicable to US ones.
        body["GlobalTaxCalculation"] = "TaxInclusive" if record.amounts_include_tax else "TaxExcluded"
    body["PrivateNote"] = marker
    body["CustomerMemo"] = {"value": record.memo[:1000]}
    return body


def predict_totals(record: InvoiceRecord) -> Totals:
    """QBO non-US computes tax per rate on the total (DESIGN "Money, tax and time"), from the
    amounts actually sent; this can differ by a cent from Fieldbook's per-line tax."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in record.lines:
        by_rate[line.tax_rate] = by_rate.get(line.tax_rate, Decimal(0)) + sent_line(line).amount
    if record.amounts_include_tax:
        tax = sum((round2(gross * rate / (100 + rate)) for rate, gross in by_rate.items()), Decimal(0))
        gross_total = sum(by_rate.values(), Decimal(0))
        return Totals(net=gross_total - tax, tax=tax, total=gross_total)
    net = sum(by_rate.values(), Decimal(0))
    tax = sum((round2(amount * rate / 100) for rate, amount in by_rate.items()), Decimal(0))
    return Totals(net=net, tax=tax, total=net + tax)


def invoice_from_qbo(obj: dict[str, Any], tax_names: dict[str, str]) -> InvoiceRecord:
    """`tax_names` maps QBO TaxCode ids back to our codes (the inverse of Settings' mapping)."""
    found = find_marker(obj.get("PrivateNote"))
    lines = []
    for line in obj.get("Line", []):
        if line.get("DetailType") != "SalesItemLineDetail":
            continue
        detail = line.get("SalesItemLineDetail", {})
        code = str((detail.get("TaxCodeRef") or {}).get("value", ""))
        lines.append(InvoiceLine(
            description=str(line.get("Description", "")),
            quantity=Decimal(str(detail.get("Qty", 1))),
            unit_price=Decimal(str(detail.get("UnitPrice", line.get("Amount", 0)))),
            tax_code=tax_names.get(code, code),
            tax_rate=Decimal(0),
            net_amount=Decimal(str(line.get("Amount", 0))),
            tax_amount=Decimal(0),
            item_code=str((detail.get("ItemRef") or {}).get("name", "")),
        ))
    total = Decimal(str(obj.get("TotalAmt", 0)))
    tax = Decimal(str((obj.get("TxnTaxDetail") or {}).get("TotalTax", 0)))
    balance = Decimal(str(obj["Balance"])) if "Balance" in obj else None
    customer = obj.get("CustomerRef") or {}
    return InvoiceRecord(
        number=found.rsplit(":", 1)[-1] if found else str(obj.get("DocNumber", "")),
        customer_number="",
        issue_date=_date(obj.get("TxnDate")) or date(1970, 1, 1),
        lines=tuple(lines),
        currency=str((obj.get("CurrencyRef") or {}).get("value", "")),
        net_total=total - tax,
        tax_total=tax,
        total=total,
        due_date=_date(obj.get("DueDate")),
        amounts_include_tax=obj.get("GlobalTaxCalculation") == "TaxInclusive",
        memo=str((obj.get("CustomerMemo") or {}).get("value", "")),
        customer_name=str(customer.get("name", "")),
        customer_ledger_id=str(customer.get("value", "")) or None,
        ledger_id=str(obj.get("Id", "")) or None,
        ledger_number=str(obj.get("DocNumber", "")),
        version=str(obj.get("SyncToken", "")) or None,
        marker=found,
        balance=balance,
        updated_at=_meta_time(obj),
        state=_invoice_state(obj, total, balance),
    )


def _invoice_state(obj: dict[str, Any], total: Decimal, balance: Decimal | None) -> LedgerState:
    if obj.get("status") == "Deleted":
        return LedgerState.DELETED
    if str(obj.get("PrivateNote", "")).startswith("Voided"):  # §4: void prepends "Voided"
        return LedgerState.VOIDED
    if balance is not None and total > 0:
        if balance == 0:
            return LedgerState.PAID
        if balance < total:
            return LedgerState.PART_PAID
    return LedgerState.ACTIVE


def _date(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value).replace("/", "-")[:10])


def _meta_time(obj: dict[str, Any]) -> datetime | None:
    value = (obj.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
