"""Contact payments (customer receipts) allocated to sales invoices.

Made by POST /contact_payments or by the control call record_payment (a customer pays in the
ledger). Each allocation lowers the invoice's outstanding amount: PART_PAID, then PAID. Money on
account (a payment larger than its allocations) is not modelled: the allocations must add up to
the payment's total.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.sage import contacts, errors
from fieldbook.sandbox.sage.model import Business, check_keys, iso, iso_date, money, ref, text

PAYMENT_KEYS = frozenset({"transaction_type_id", "contact_id", "bank_account_id", "date", "total_amount",
                          "payment_method_id", "reference", "allocated_artefacts", "idempotency_id"})
ALLOCATION_KEYS = frozenset({"artefact_id", "amount", "discount"})
METHODS = {"BANK_TRANSFER": "Bank Transfer", "CASH": "Cash", "CHEQUE": "Cheque", "CREDIT_DEBIT": "Credit/Debit Card"}


def create(business: Business, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    check_keys(body, PAYMENT_KEYS, "contact_payment")
    problems = errors.Collector()
    for key in ("transaction_type_id", "contact_id", "bank_account_id", "date", "total_amount"):
        if body.get(key) in (None, ""):
            problems.add(errors.required(f"contact_payment.{key}"))
    problems.raise_if_any()
    if body["transaction_type_id"] != "CUSTOMER_RECEIPT":
        raise errors.invalid("contact_payment.transaction_type_id", "only CUSTOMER_RECEIPT is supported")
    contact = business.get("contacts", str(body["contact_id"]))
    if contact is None or contact.get("deleted_at"):
        raise errors.invalid("contact_payment.contact_id", "contact_id does not exist")
    if business.get("bank_accounts", str(body["bank_account_id"])) is None:
        raise errors.invalid("contact_payment.bank_account_id", "bank_account_id does not exist")
    method = body.get("payment_method_id") or "BANK_TRANSFER"
    if method not in METHODS:
        raise errors.invalid("contact_payment.payment_method_id", f"payment_method_id {method!r} does not exist")
    total = money(body["total_amount"], "contact_payment.total_amount")
    if total <= 0:
        raise errors.invalid("contact_payment.total_amount", "total_amount must be positive")
    allocations = _allocations(business, contact["id"], body.get("allocated_artefacts") or [])
    if sum((amount for _, amount in allocations), Decimal("0.00")) != total:
        raise errors.invalid("contact_payment.allocated_artefacts",
                             "the allocations must add up to total_amount (payments on account are not supported)")
    record = business.insert("contact_payments", {
        "contact_id": contact["id"], "bank_account_id": str(body["bank_account_id"]), "payment_method_id": method,
        "date": iso_date(body["date"], "contact_payment.date"), "total_amount": total,
        "reference": text(body, "reference", "contact_payment.reference", 25),
        "allocated": [{"artefact_id": invoice["id"], "amount": amount} for invoice, amount in allocations]}, now)
    for invoice, amount in allocations:
        _apply(business, invoice, record, amount, now)
    return record


def _allocations(business: Business, contact_id: str, items: Any) -> list[tuple[dict[str, Any], Decimal]]:
    if not isinstance(items, list) or not items:
        raise errors.required("contact_payment.allocated_artefacts")
    out: list[tuple[dict[str, Any], Decimal]] = []
    for n, item in enumerate(items):
        src = f"contact_payment.allocated_artefacts[{n}]"
        if not isinstance(item, dict):
            raise errors.invalid(src, f"{src} must be an object")
        check_keys(item, ALLOCATION_KEYS, src)
        invoice = business.get("sales_invoices", str(item.get("artefact_id") or ""))
        if invoice is None or invoice["contact_id"] != contact_id:
            raise errors.invalid(f"{src}.artefact_id", "artefact_id is not an invoice of this contact")
        if invoice["status_id"] == "VOID":
            raise errors.invalid(f"{src}.artefact_id", "the invoice is void")
        amount = money(item.get("amount"), f"{src}.amount")
        already = sum((a for i, a in out if i["id"] == invoice["id"]), Decimal("0.00"))
        if amount <= 0 or amount + already > invoice["outstanding_amount"]:
            raise errors.invalid(f"{src}.amount",
                                 f"amount must be positive and at most the outstanding {invoice['outstanding_amount']}")
        out.append((invoice, amount))
    return out


def _apply(business: Business, invoice: dict[str, Any], payment: dict[str, Any], amount: Decimal,
           now: datetime) -> None:
    invoice["total_paid"] += amount
    invoice["outstanding_amount"] = invoice["total_amount"] - invoice["total_paid"]
    invoice["status_id"] = "PAID" if invoice["outstanding_amount"] == 0 else "PART_PAID"
    invoice["last_paid"] = max(invoice.get("last_paid") or payment["date"], payment["date"])
    invoice.setdefault("allocations", []).append({
        "date": payment["date"], "type": "Customer Receipt", "reference": payment.get("reference"),
        "amount": amount, "discount": Decimal("0.00"), "displayed_as": payment.get("reference") or "Payment",
        "contact_payment": ref("contact_payments", payment["id"], f"Payment {payment['date']}")})
    business.touch(invoice, now)


def render(business: Business, record: dict[str, Any]) -> dict[str, Any]:
    contact = business.table("contacts")[record["contact_id"]]
    bank = business.table("bank_accounts")[record["bank_account_id"]]
    currency = business.table("currencies")[business.tree["currency"]]
    displayed = record.get("reference") or f"Payment {record['date']}"
    return {
        "id": record["id"], "displayed_as": displayed, "$path": f"/contact_payments/{record['id']}",
        "created_at": iso(record["created_at"]), "updated_at": iso(record["updated_at"]),
        "deleted_at": iso(record.get("deleted_at")),
        "transaction_type": ref("transaction_types", "CUSTOMER_RECEIPT", "Customer Receipt"),
        "payment_method": ref("payment_methods", record["payment_method_id"], METHODS[record["payment_method_id"]]),
        "contact": ref("contacts", contact["id"], contacts.displayed_as(contact)),
        "bank_account": ref("bank_accounts", bank["id"], bank["displayed_as"]),
        "date": record["date"], "net_amount": record["total_amount"], "tax_amount": Decimal("0.00"),
        "total_amount": record["total_amount"], "currency": ref("currencies", currency["id"], currency["displayed_as"]),
        "exchange_rate": Decimal("1"), "reference": record.get("reference"),
        "allocated_artefacts": [
            {"id": f"{record['id'][:28]}{n + 1:04d}", "amount": a["amount"], "discount": Decimal("0.00"),
             "artefact": {**ref("sales_invoices", a["artefact_id"],
                               business.table("sales_invoices")[a["artefact_id"]]["invoice_number"])}}
            for n, a in enumerate(record["allocated"])],
        "editable": False,
    }
