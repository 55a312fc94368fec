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
CUSTOMER_MEMO_MAX = 1000  # the printed memo: refused beyond it, never cut
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
    """Free text with our marker on its own last line. The writer refuses text that would not fit
    beside the marker (never cut); the cut here only guards the ledger's limit."""
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
    """What an invoice body depends on besides the record: the company's rules and Settings.
    `tax_rates` maps a QBO TaxCode id to its sales TaxRates (id, percent); empty = not read."""

    custom_numbers: bool
    us_tax: bool
    tax_codes: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    default_item: str = ""
    terms: str = ""
    tax_rates: dict[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SentLine:
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    description: str


MAX_PRICE_PLACES = 8  # how far a discounted unit price is refined so Qty x UnitPrice hits our amount


def our_amount(line: InvoiceLine) -> Decimal:
    """The line's amount as Fieldbook priced it (core.money's rule: quantity x unit price less the
    discount, rounded once): net, or gross when the invoice's amounts include tax."""
    return round2(line.quantity * line.unit_price * (100 - line.discount_percent) / 100)


def sent_line(line: InvoiceLine) -> SentLine:
    """§4: Amount must equal Qty * UnitPrice (6070). A price keeps all its decimals (89.995 stays
    89.995). A discount is sent as the discounted unit price, named in the description, with as
    many decimals as it takes for Qty x UnitPrice to round to our own amount."""
    unit = line.unit_price
    description = line.description
    amount = round2(line.quantity * unit)
    if line.discount_percent:
        target = our_amount(line)
        exact = unit * (1 - line.discount_percent / 100)
        places = max(2, -int(unit.as_tuple().exponent))
        candidate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        while round2(line.quantity * candidate) != target and places < MAX_PRICE_PLACES:
            places += 1
            candidate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        unit, amount = candidate.normalize() if places > 2 else candidate, round2(line.quantity * candidate)
        description = f"{description} (less {line.discount_percent.normalize():f}% discount)".strip()
    return SentLine(line.quantity, unit, amount, description[:4000])


def is_credit(line: InvoiceLine) -> bool:
    return line.is_credit or line.quantity < 0 or line.net_amount < 0


def refusal(record: InvoiceRecord, ctx: InvoiceContext) -> str:
    """Why QBO cannot take this invoice as it stands ('' = it can); "code" or "code:detail"."""
    if not record.lines:
        return "no_lines"
    credits = [line for line in record.lines if is_credit(line)]
    charges = [line for line in record.lines if not is_credit(line)]
    if not charges:
        return "credit_only"
    if ctx.custom_numbers and len(record.number) > DOC_NUMBER_MAX:
        return "number_too_long"
    if len(record.memo) > CUSTOMER_MEMO_MAX:
        return f"memo_too_long:{len(record.memo):,} characters"
    if not ctx.us_tax:
        missing = {line.tax_code for line in record.lines if line.tax_code not in ctx.tax_codes}
        if missing:
            return "unmapped_tax:" + ",".join(sorted(missing))
    if credits:
        codes = {line.tax_code for line in credits}
        if len(codes) > 1:
            return "credit_rates:" + ",".join(sorted(codes))
        (code,) = codes
        credit = -sum((our_amount(line) for line in credits), Decimal(0))
        base = sum((sent_line(line).amount for line in charges if line.tax_code == code), Decimal(0))
        if credit > base:
            return f"credit_exceeds:{code}"
    if not ctx.us_tax and ctx.tax_rates:
        for line in record.lines:
            rates = ctx.tax_rates.get(ctx.tax_codes[line.tax_code], ())
            if len(rates) != 1:
                return f"tax_group:{line.tax_code}"
            if rates[0][1] != line.tax_rate:
                return f"tax_rate_mismatch:{line.tax_code}"
    return ""


def _tax_code_ref(line: InvoiceLine, ctx: InvoiceContext) -> str:
    if ctx.us_tax:
        # §4 US: TAX or NON only; automated sales tax decides the rate.
        mapped = ctx.tax_codes.get(line.tax_code, "")
        return mapped if mapped in ("TAX", "NON") else ("TAX" if line.tax_rate > 0 else "NON")
    return ctx.tax_codes[line.tax_code]


def discount_line(record: InvoiceRecord, ctx: InvoiceContext) -> dict[str, Any] | None:
    """QBO refuses negative lines (2290): the credit lines become the invoice's one discount line
    (Finance.xsd DiscountLineDetail, "the total discount on a transaction"), an amount off the
    lines of the credits' tax code, before tax (ApplyTaxAfterDiscount, sent with it)."""
    credits = [line for line in record.lines if is_credit(line)]
    if not credits:
        return None
    amount = -sum((our_amount(line) for line in credits), Decimal(0))
    description = "; ".join(line.description for line in credits if line.description) or "Credit"
    return {"DetailType": "DiscountLineDetail", "Amount": amount, "Description": description[:4000],
            "DiscountLineDetail": {"PercentBased": False,
                                   "TaxCodeRef": {"value": _tax_code_ref(credits[0], ctx)}}}


def tax_detail(record: InvoiceRecord, ctx: InvoiceContext) -> dict[str, Any] | None:
    """Non-US: our own VAT per rate, for the ledger to keep (Finance.xsd TxnTaxDetail: "you may
    supply it when adding a transaction"). Fieldbook rounds per line; QBO left to itself rounds
    per rate on the total and can differ by pennies (J1051: 911.97 vs 911.96). None when a
    code's rates are unknown or not exactly one (a refusal covers that at prepare)."""
    if ctx.us_tax or not ctx.tax_rates:
        return None
    by_rate: dict[str, list[Decimal]] = {}
    percent: dict[str, Decimal] = {}
    for line in record.lines:
        rates = ctx.tax_rates.get(ctx.tax_codes.get(line.tax_code, ""), ())
        if len(rates) != 1:
            return None
        rate_id, percent[rate_id] = rates[0]
        entry = by_rate.setdefault(rate_id, [Decimal(0), Decimal(0)])
        entry[0] += line.net_amount
        entry[1] += line.tax_amount
    tax_lines = [{"Amount": tax, "DetailType": "TaxLineDetail",
                  "TaxLineDetail": {"TaxRateRef": {"value": rate_id}, "PercentBased": True,
                                    "TaxPercent": percent[rate_id], "NetAmountTaxable": net}}
                 for rate_id, (net, tax) in by_rate.items()]
    return {"TotalTax": sum((tax for _, tax in by_rate.values()), Decimal(0)), "TaxLine": tax_lines}


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
        if is_credit(line):
            continue
        sent = sent_line(line)
        detail: dict[str, Any] = {"Qty": sent.quantity, "UnitPrice": sent.unit_price,
                                  "TaxCodeRef": {"value": _tax_code_ref(line, ctx)}}
        item = ctx.items.get(line.item_code) or ctx.default_item
        if item:
            detail = {"ItemRef": {"value": item}, **detail}
        lines.append({"DetailType": "SalesItemLineDetail", "Amount": sent.amount,
                      "Description": sent.description, "SalesItemLineDetail": detail})
    discount = discount_line(record, ctx)
    if discount is not None:
        lines.append(discount)
    body["Line"] = lines
    if discount is not None or update:
        # Sent on update too, so a credit removed later leaves no stale setting behind.
        body["ApplyTaxAfterDiscount"] = discount is not None
    if not ctx.us_tax:
        # §4: required for non-US companies, not applicable to US ones.
        body["GlobalTaxCalculation"] = "TaxInclusive" if record.amounts_include_tax else "TaxExcluded"
        detail_sent = tax_detail(record, ctx)
        if detail_sent is not None:
            body["TxnTaxDetail"] = detail_sent
    body["PrivateNote"] = marker
    body["CustomerMemo"] = {"value": record.memo}  # refusal() keeps it within CUSTOMER_MEMO_MAX
    return body


def predict_totals(record: InvoiceRecord, ctx: InvoiceContext | None = None) -> Totals:
    """What QBO outside the US will hold: the amounts sent (the credit as a discount before tax)
    and our own tax, which it keeps when supplied (tax_detail). Without the company's tax rates
    (`ctx` None or not read) the ledger is assumed to keep it: prepare refuses what it can't."""
    charges = [line for line in record.lines if not is_credit(line)]
    gross = sum((sent_line(line).amount for line in charges), Decimal(0))
    discount = discount_line(record, ctx) if ctx is not None else None
    off = -sum((our_amount(line) for line in record.lines if is_credit(line)), Decimal(0))
    gross -= off
    tax = record.tax_total
    note = ""
    if off:
        code = next(line.tax_code for line in record.lines if is_credit(line))
        what = discount["Description"] if discount is not None else "the credit"
        note = (f"The credit ({what}) appears in QuickBooks as a discount line of {off} off the {code} lines, "
                f"before VAT; the invoice total and VAT per rate stay as ours.")
    if record.amounts_include_tax:
        return Totals(net=gross - tax, tax=tax, total=gross, note=note)
    return Totals(net=gross, tax=tax, total=gross + tax, note=note)


def invoice_from_qbo(obj: dict[str, Any], tax_names: dict[str, str]) -> InvoiceRecord:
    """`tax_names` maps QBO TaxCode ids back to our codes (the inverse of Settings' mapping)."""
    found = find_marker(obj.get("PrivateNote"))
    lines = []
    for line in obj.get("Line", []):
        if line.get("DetailType") == "DiscountLineDetail":
            lines.append(_credit_from_discount(line, tax_names))
            continue
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


def _credit_from_discount(line: dict[str, Any], tax_names: dict[str, str]) -> InvoiceLine:
    """A discount line read back as the one credit line it was sent for (quantity -1)."""
    amount = Decimal(str(line.get("Amount", 0)))
    code = str(((line.get("DiscountLineDetail") or {}).get("TaxCodeRef") or {}).get("value", ""))
    return InvoiceLine(description=str(line.get("Description", "")), quantity=Decimal(-1), unit_price=amount,
                       tax_code=tax_names.get(code, code), tax_rate=Decimal(0), net_amount=-amount,
                       tax_amount=Decimal(0), is_credit=True)


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
