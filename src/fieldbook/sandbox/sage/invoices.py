"""Sales invoices (ref §5): create, update, void, and the `SalesInvoice` the API shows.

Sage does not compute line VAT: the client sends `tax_amount` on each line. The v3.1 spec says
it is required unless the line's tax rate is zero, exempt or no_tax, so a taxable line without
it is refused (422); the business setting `tax_amount_required = False` gives the older reported
behaviour, the line booked with 0.0 tax (ref §5, §18). Header totals are the sums of the lines.
`invoice_number` is the ledger's own ("SI-<n>"); our number goes in `reference` (max 25).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.sage import contacts, errors
from fieldbook.sandbox.sage.model import CENT, Business, check_keys, iso, iso_date, money, number, ref, text
from fieldbook.sandbox.sage.seed import NON_TAXABLE

PREFIX = "SI-"
STATUSES = {"UNPAID": "Unpaid", "PART_PAID": "Part Paid", "PAID": "Paid", "VOID": "Void"}
INVOICE_KEYS = frozenset({"contact_id", "date", "due_date", "reference", "notes", "terms_and_conditions",
                          "currency_id", "exchange_rate", "sent", "invoice_lines", "idempotency_id"})
LINE_KEYS = frozenset({"description", "ledger_account_id", "unit_price", "quantity", "tax_rate_id", "tax_amount",
                       "net_amount", "total_amount", "unit_price_includes_tax", "discount_amount",
                       "discount_percentage"})
ZERO = Decimal("0.00")


def _line(business: Business, body: Any, n: int) -> dict[str, Any]:
    src = f"invoice_lines[{n}]"
    if not isinstance(body, dict):
        raise errors.invalid(src, f"{src} must be an object")
    check_keys(body, LINE_KEYS, src)
    problems = errors.Collector()
    for key in ("description", "ledger_account_id", "unit_price"):
        if body.get(key) in (None, ""):
            problems.add(errors.required(f"{src}.{key}"))
    problems.raise_if_any()
    description = text(body, "description", f"{src}.description")
    account = business.get("ledger_accounts", str(body["ledger_account_id"]))
    if account is None or not account["visible_in_sales"]:
        raise errors.invalid(f"{src}.ledger_account_id", "ledger_account_id is not a sales ledger account")
    quantity = number(body.get("quantity", 1), f"{src}.quantity")
    price = number(body["unit_price"], f"{src}.unit_price")
    gross = (quantity * price).quantize(CENT)
    if body.get("discount_amount") is not None:
        discount = money(body["discount_amount"], f"{src}.discount_amount")
    elif body.get("discount_percentage") is not None:
        discount = (gross * number(body["discount_percentage"], f"{src}.discount_percentage") / 100).quantize(CENT)
    else:
        discount = ZERO
    rate_id = body.get("tax_rate_id") or (account.get("tax_rate") or {}).get("id") or "GB_NO_TAX"
    rate = business.get("tax_rates", str(rate_id))
    if rate is None:
        raise errors.invalid(f"{src}.tax_rate_id", f"tax_rate_id {rate_id!r} does not exist")
    taxable = rate["_kind"] not in NON_TAXABLE
    if body.get("tax_amount") is not None:
        tax = money(body["tax_amount"], f"{src}.tax_amount")
        if not taxable and tax != 0:
            raise errors.invalid(f"{src}.tax_amount", f"tax_amount must be 0 at the {rate['name']} rate")
    elif taxable and business.settings().get("tax_amount_required", True):
        raise errors.invalid(f"{src}.tax_amount",
                             f"tax_amount is required for a line at the {rate['name']} rate")
    else:
        tax = ZERO  # the older behaviour: Sage does not compute VAT, the line is booked with none
    includes_tax = body.get("unit_price_includes_tax") is True
    net = gross - discount - (tax if includes_tax else ZERO)
    for key, expected in (("net_amount", net), ("total_amount", net + tax)):
        if body.get(key) is not None and money(body[key], f"{src}.{key}") != expected:
            raise errors.invalid(f"{src}.{key}", f"{key} does not match the line ({expected})")
    return {"description": description, "ledger_account_id": account["id"], "quantity": quantity,
            "unit_price": price, "unit_price_includes_tax": includes_tax, "discount_amount": discount,
            "net_amount": net, "tax_rate_id": rate["id"], "tax_amount": tax, "total_amount": net + tax}


def _apply(business: Business, record: dict[str, Any], body: dict[str, Any], creating: bool) -> None:
    check_keys(body, INVOICE_KEYS, "sales_invoice")
    problems = errors.Collector()
    for key in ("contact_id", "date", "invoice_lines") if creating else ():
        if body.get(key) in (None, "", []):
            problems.add(errors.required(f"sales_invoice.{key}"))
    problems.raise_if_any()
    if "contact_id" in body:
        contact = business.get("contacts", str(body["contact_id"]))
        if contact is None or contact.get("deleted_at") or "CUSTOMER" not in contact["_types"]:
            raise errors.invalid("sales_invoice.contact_id", "contact_id is not a customer of this business")
        record.update(contact_id=contact["id"], contact_name=contact["name"],
                      contact_reference=contact.get("reference") or "")
    if "date" in body:
        record["date"] = iso_date(body["date"], "sales_invoice.date")
    if body.get("due_date") is not None:
        record["due_date"] = iso_date(body["due_date"], "sales_invoice.due_date")
    elif creating:
        contact = business.table("contacts")[record["contact_id"]]
        days = int(contact["credit_days"]) if contact.get("credit_days") is not None else 30
        record["due_date"] = (date.fromisoformat(record["date"]) + timedelta(days=days)).isoformat()
    if record["due_date"] < record["date"]:
        raise errors.invalid("sales_invoice.due_date", "due_date cannot be before date")
    for key, limit in (("reference", 25), ("notes", 2000), ("terms_and_conditions", 2000)):
        if key in body:
            record[key] = text(body, key, f"sales_invoice.{key}", limit)
    if "currency_id" in body and business.get("currencies", str(body["currency_id"])) is None:
        raise errors.invalid("sales_invoice.currency_id", f"currency_id {body['currency_id']!r} does not exist")
    record["currency_id"] = body.get("currency_id") or record.get("currency_id") or business.tree["currency"]
    record["exchange_rate"] = number(body.get("exchange_rate", record.get("exchange_rate", 1)),
                                     "sales_invoice.exchange_rate")
    if "sent" in body:
        record["sent"] = body["sent"] is True
    if "invoice_lines" in body:
        lines = body["invoice_lines"]
        if not isinstance(lines, list) or not lines:
            raise errors.required("sales_invoice.invoice_lines")
        record["invoice_lines"] = [_line(business, line, n) for n, line in enumerate(lines)]
    _totals(record)


def _totals(record: dict[str, Any]) -> None:
    lines = record["invoice_lines"]
    record["net_amount"] = sum((line["net_amount"] for line in lines), ZERO)
    record["tax_amount"] = sum((line["tax_amount"] for line in lines), ZERO)
    record["total_amount"] = record["net_amount"] + record["tax_amount"]
    if record["total_amount"] < 0:
        # Negative lines are allowed, a negative invoice is not: that is a credit note (UNCONFIRMED).
        raise errors.invalid("sales_invoice.total_amount", "The invoice total cannot be negative")
    paid = record.get("total_paid", ZERO)
    record["total_paid"] = paid
    record["outstanding_amount"] = record["total_amount"] - paid


def create(business: Business, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    if "invoice_number" in body:
        raise errors.invalid("sales_invoice.invoice_number", "invoice_number is assigned by the ledger")
    record: dict[str, Any] = {"status_id": "UNPAID", "sent": False, "void_reason": None, "allocations": []}
    _apply(business, record, body, creating=True)
    number_ = int(business.tree.get("next_invoice_number", 1))
    business.tree["next_invoice_number"] = number_ + 1
    record["invoice_number"] = f"{PREFIX}{number_}"
    return business.insert("sales_invoices", record, now)


def editable(record: dict[str, Any]) -> bool:
    return record["status_id"] == "UNPAID" and record["total_paid"] == 0


def update(business: Business, record: dict[str, Any], body: dict[str, Any], now: datetime) -> dict[str, Any]:
    if "idempotency_id" in body or "invoice_number" in body:
        key = "idempotency_id" if "idempotency_id" in body else "invoice_number"
        raise errors.invalid(f"sales_invoice.{key}", f"{key} cannot be changed")
    if not editable(record):
        raise errors.invalid("sales_invoice", f"A {STATUSES[record['status_id']].lower()} invoice cannot be edited")
    draft = {**record}
    _apply(business, draft, body, creating=False)
    record.update(draft)
    business.touch(record, now)
    return record


def void(business: Business, record: dict[str, Any], reason: str | None, now: datetime) -> dict[str, Any]:
    if record["status_id"] == "VOID":
        raise errors.invalid("sales_invoice", "The invoice is already void")
    if not reason or not reason.strip():
        raise errors.required("void_reason")
    if len(reason) > 200:
        raise errors.invalid("void_reason", "void_reason is too long (maximum is 200 characters)")
    if record["total_paid"] != 0:
        raise errors.invalid("sales_invoice", "An invoice with payments cannot be voided")
    record.update(status_id="VOID", void_reason=reason, outstanding_amount=ZERO)
    business.touch(record, now)
    record["deleted_at"] = record["updated_at"]
    return record


def _tax_analysis(business: Business, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_rate: dict[str, dict[str, Any]] = {}
    for line in lines:
        rate = business.table("tax_rates")[line["tax_rate_id"]]
        row = by_rate.setdefault(rate["id"], {"tax_rate": ref("tax_rates", rate["id"], rate["displayed_as"]),
                                              "net_amount": ZERO, "tax_amount": ZERO, "total_amount": ZERO,
                                              "goods_amount": ZERO, "service_amount": ZERO})
        for key in ("net_amount", "tax_amount", "total_amount"):
            row[key] += line[key]
        row["service_amount"] += line["total_amount"]
    return list(by_rate.values())


def _render_line(business: Business, record: dict[str, Any], n: int, line: dict[str, Any]) -> dict[str, Any]:
    account = business.table("ledger_accounts")[line["ledger_account_id"]]
    rate = business.table("tax_rates")[line["tax_rate_id"]]
    return {"id": f"{record['id'][:28]}{n + 1:04d}", "displayed_as": line["description"],
            "description": line["description"],
            "ledger_account": ref("ledger_accounts", account["id"], account["displayed_as"]),
            "quantity": line["quantity"], "unit_price": line["unit_price"], "net_amount": line["net_amount"],
            "tax_rate": ref("tax_rates", rate["id"], rate["displayed_as"]), "tax_amount": line["tax_amount"],
            "tax_breakdown": [], "total_amount": line["total_amount"],
            "unit_price_includes_tax": line["unit_price_includes_tax"],
            "discount_amount": line["discount_amount"]}


def render(business: Business, record: dict[str, Any]) -> dict[str, Any]:
    contact = business.table("contacts")[record["contact_id"]]
    currency = business.table("currencies")[record["currency_id"]]
    lines = record["invoice_lines"]
    return {
        "id": record["id"], "displayed_as": record["invoice_number"], "$path": f"/sales_invoices/{record['id']}",
        "created_at": iso(record["created_at"]), "updated_at": iso(record["updated_at"]),
        "deleted_at": iso(record.get("deleted_at")), "editable": editable(record),
        "transaction_type": ref("transaction_types", "SALES_INVOICE", "Sales Invoice"),
        "contact": {"id": contact["id"], "displayed_as": contacts.displayed_as(contact),
                    "$path": f"/contacts/{contact['id']}"},
        "invoice_number_prefix": PREFIX, "invoice_number": record["invoice_number"],
        "contact_name": record["contact_name"], "contact_reference": record["contact_reference"],
        "date": record["date"], "due_date": record["due_date"], "reference": record.get("reference"),
        "notes": record.get("notes"), "terms_and_conditions": record.get("terms_and_conditions"),
        "net_amount": record["net_amount"], "tax_amount": record["tax_amount"],
        "total_amount": record["total_amount"], "total_paid": record["total_paid"],
        "outstanding_amount": record["outstanding_amount"],
        "total_quantity": sum((line["quantity"] for line in lines), Decimal(0)),
        "total_discount_amount": sum((line["discount_amount"] for line in lines), ZERO),
        "currency": ref("currencies", currency["id"], currency["displayed_as"]),
        "exchange_rate": record["exchange_rate"],
        "status": ref("artefact_statuses", record["status_id"], STATUSES[record["status_id"]]),
        "sent": record["sent"], "void_reason": record.get("void_reason"),
        "invoice_lines": [_render_line(business, record, n, line) for n, line in enumerate(lines)],
        "tax_analysis": _tax_analysis(business, lines),
        "payments_allocations": [dict(a) for a in record.get("allocations", [])],
        "last_paid": record.get("last_paid"),
    }
