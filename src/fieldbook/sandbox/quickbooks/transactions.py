"""Invoice and Payment writes: the operations behind POST /invoice, /payment and the control API."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.quickbooks import errors, invoices, validate
from fieldbook.sandbox.quickbooks.model import Company


def create_invoice(company: Company, body: dict[str, Any], now: datetime, allow_dup: bool) -> dict[str, Any]:
    validate.check_known("Invoice", body)
    fields = invoices._writable(body)
    built = invoices.build(company, fields, now, allow_dup, None, None, Decimal("0"))
    built["LinkedTxn"] = []
    obj = company.insert("Invoice", built, now)
    company.tree["last_doc_number"] = obj["DocNumber"]
    invoices.refresh_customer_balance(company, obj["CustomerRef"]["value"])
    return obj


def _guard_changeable(invoice: dict[str, Any]) -> None:
    if invoice.get("_status") == "Voided":
        raise errors.business("This transaction has been voided and cannot be changed.")
    if invoices.is_locked(invoice):
        # Issue: fully paid invoices are locked against update (ref §4: treat as locked).
        raise errors.business("This invoice is paid in full; remove the payment before changing it.")


def update_invoice(company: Company, body: dict[str, Any], now: datetime, allow_dup: bool) -> dict[str, Any]:
    validate.check_known("Invoice", body)
    current = validate.existing(company, "Invoice", body)
    validate.check_sync_token(current, body)
    _guard_changeable(current)
    supplied = invoices._writable(body)
    if validate.is_sparse(body):
        fields = {key: copy.deepcopy(value) for key, value in current.items() if key in invoices.WRITABLE}
        for key in body:
            if key in invoices.WRITABLE and key not in supplied:
                fields.pop(key, None)  # a blank value in a sparse body clears the field
        fields.update(supplied)
        if "Line" in supplied and "TxnTaxDetail" not in supplied:
            # New lines without the client's tax: the server works it out afresh. Otherwise the
            # stored detail stands for what the client supplied (an override is kept).
            fields.pop("TxnTaxDetail", None)
    else:
        # ref §3/§4: a full update sets omitted writable fields to NULL.
        fields = supplied
    old_customer = current["CustomerRef"]["value"]
    built = invoices.build(company, fields, now, allow_dup, current["Id"], current.get("DocNumber"),
                           invoices.paid_amount(current))
    keep = {key: value for key, value in current.items()
            if key not in invoices.WRITABLE and key not in built and key not in ("TotalAmt", "Balance")}
    current.clear()
    current.update(keep)
    current.update(built)
    company.touch(current, now)
    invoices.refresh_customer_balance(company, old_customer)
    invoices.refresh_customer_balance(company, current["CustomerRef"]["value"])
    return current


def void_invoice(company: Company, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    current = validate.existing(company, "Invoice", body)
    validate.check_sync_token(current, body)
    return void_stored(company, current, now)


def void_stored(company: Company, current: dict[str, Any], now: datetime) -> dict[str, Any]:
    if invoices.paid_amount(current) > 0:
        raise errors.business("This invoice has payments applied; unlink them before voiding.")
    # ref §4: the invoice stays, amounts and quantities are zeroed, "Voided" prepended to PrivateNote.
    for line in current.get("Line", []):
        line["Amount"] = Decimal("0")
        detail = line.get("SalesItemLineDetail")
        if isinstance(detail, dict) and "Qty" in detail:
            detail["Qty"] = 0
    detail = current.get("TxnTaxDetail") or {}
    detail["TotalTax"] = Decimal("0")
    for tax_line in detail.get("TaxLine", []):
        tax_line["Amount"] = Decimal("0")
        tax_line.get("TaxLineDetail", {})["NetAmountTaxable"] = Decimal("0")
    current["TxnTaxDetail"] = detail
    current["TotalAmt"] = Decimal("0")
    current["Balance"] = Decimal("0")
    current["HomeTotalAmt"] = Decimal("0")
    note = current.get("PrivateNote")
    if current.get("_status") != "Voided":
        current["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    current["_status"] = "Voided"
    company.touch(current, now)
    invoices.refresh_customer_balance(company, current["CustomerRef"]["value"])
    return current


def delete_invoice(company: Company, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    current = validate.existing(company, "Invoice", body)
    validate.check_sync_token(current, body)
    return delete_stored(company, current, now)


def delete_stored(company: Company, current: dict[str, Any], now: datetime) -> dict[str, Any]:
    if invoices.paid_amount(current) > 0:
        # ref §4: unlink linked transactions first (a paid invoice has its Payment in LinkedTxn).
        raise errors.business("This invoice has payments linked to it; delete or unlink them first.")
    current["_status"] = "Deleted"
    company.touch(current, now)
    invoices.refresh_customer_balance(company, current["CustomerRef"]["value"])
    return {"status": "Deleted", "domain": "QBO", "Id": current["Id"]}


def apply_payment(company: Company, invoice: dict[str, Any], amount: Decimal, now: datetime,
                  payment: dict[str, Any] | None = None, customer_ref: dict[str, Any] | None = None,
                  txn_date: str | None = None) -> dict[str, Any]:
    if amount <= 0:
        raise errors.negative_amount("Payment.TotalAmt")
    if invoice.get("_status") == "Voided":
        raise errors.business("A voided invoice cannot be paid.")
    balance = Decimal(str(invoice["Balance"]))
    if amount > balance:
        raise errors.business(f"The payment ({amount}) exceeds the invoice balance ({balance}).")
    if payment is None:
        payment = company.insert("Payment", {
            "CustomerRef": copy.deepcopy(customer_ref or invoice["CustomerRef"]),
            "TxnDate": txn_date or company.local_today(now).isoformat(),
            "TotalAmt": amount, "UnappliedAmt": Decimal("0"),
            "CurrencyRef": copy.deepcopy(invoice.get("CurrencyRef")),
            "Line": [], "ProcessPayment": False,
        }, now)
    payment["Line"].append({"Amount": amount,
                            "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]})
    invoice["_paid"] = invoices.paid_amount(invoice) + amount
    invoice["Balance"] = balance - amount
    invoice.setdefault("LinkedTxn", []).append({"TxnId": payment["Id"], "TxnType": "Payment"})
    company.touch(invoice, now)
    invoices.refresh_customer_balance(company, invoice["CustomerRef"]["value"])
    return payment


def create_payment(company: Company, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """POST /payment: a payment applied to invoices through Line[].LinkedTxn (TxnType Invoice)."""
    validate.check_known("Payment", body)
    customer = validate.resolve_ref(company, "Customer", body.get("CustomerRef"), "CustomerRef")
    if validate.blank(body.get("TotalAmt")):
        raise errors.missing("TotalAmt")
    total = validate.money(body["TotalAmt"], "TotalAmt")
    applications: list[tuple[dict[str, Any], Decimal]] = []
    for line in body.get("Line") or []:
        amount = validate.money(line.get("Amount"), "Line.Amount")
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") != "Invoice":
                continue
            invoice = company.get("Invoice", link.get("TxnId"))
            if invoice is None:
                raise errors.invalid_reference("LinkedTxn.TxnId", str(link.get("TxnId")))
            if invoice["CustomerRef"]["value"] != customer["Id"]:
                raise errors.business("A payment can only be applied to the customer's own invoices.")
            applications.append((invoice, amount))
    for invoice, amount in applications:
        # Check every application before writing anything: a refused payment leaves no trace.
        if amount <= 0 or amount > Decimal(str(invoice["Balance"])) or invoice.get("_status") == "Voided":
            raise errors.business(f"Invoice {invoice['Id']} cannot take a payment of {amount}.")
    applied = sum((amount for _, amount in applications), Decimal("0"))
    if applied > total:
        raise errors.business("The amounts applied exceed the payment total.")
    ref = {"value": customer["Id"], "name": customer["DisplayName"]}
    txn_date = str(body["TxnDate"]) if not validate.blank(body.get("TxnDate")) else None
    payment = company.insert("Payment", {
        "CustomerRef": ref, "TxnDate": txn_date or company.local_today(now).isoformat(), "TotalAmt": total,
        "UnappliedAmt": total - applied, "Line": [], "ProcessPayment": False,
    }, now)
    for invoice, amount in applications:
        apply_payment(company, invoice, amount, now, payment=payment)
    return payment
