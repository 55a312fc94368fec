"""Payments against sales invoices: AUTHORISED only, never more than the amount due; a fully paid
invoice becomes PAID (locked). Made by PUT /Payments or the control call record_payment."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.xero import lines
from fieldbook.sandbox.xero.errors import Invalid
from fieldbook.sandbox.xero.timefmt import ms_date, ms_datetime, parse_date


def render(org: dict[str, Any], payment: dict[str, Any]) -> dict[str, Any]:
    invoice = org["invoices"].get(payment["_invoice"], {})
    out = {k: copy.deepcopy(v) for k, v in payment.items() if not k.startswith("_")}
    out["Date"] = ms_date(payment["Date"])
    out["Invoice"] = {"InvoiceID": payment["_invoice"], "InvoiceNumber": invoice.get("InvoiceNumber", ""),
                      "Type": "ACCREC", "Contact": {"ContactID": invoice.get("Contact", {}).get("ContactID", "")}}
    out["Account"] = {"AccountID": payment["_account_id"], "Code": payment["_account"]}
    out["UpdatedDateUTC"] = ms_datetime(payment["_updated"])
    return out


def apply(org: dict[str, Any], body: Any, now: datetime) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("A payment must be an object.")
    ref: dict[str, Any] = body["Invoice"] if isinstance(body.get("Invoice"), dict) else {}
    invoice = org["invoices"].get(str(ref.get("InvoiceID", "")))
    if invoice is None and ref.get("InvoiceNumber"):
        invoice = next((i for i in org["invoices"].values() if i["InvoiceNumber"] == ref["InvoiceNumber"]), None)
    if invoice is None:
        raise Invalid("Invoice could not be found.")
    account_ref: dict[str, Any] = body["Account"] if isinstance(body.get("Account"), dict) else {}
    account = next((a for a in org["accounts"] if a["Code"] == account_ref.get("Code")
                    or a["AccountID"] == account_ref.get("AccountID")), None)
    errors = []
    if account is None or not account["EnablePaymentsToAccount"]:
        errors.append("Account must be a bank account or allow payments.")
    if invoice["Status"] != "AUTHORISED":
        errors.append("Payment can only be made against Authorised documents.")
    try:
        amount = lines.number(body.get("Amount"), "Amount")
    except Invalid as exc:
        raise Invalid(*errors, *exc.messages) from None
    if amount is None or amount <= 0 or lines.money(amount) != amount:
        errors.append("The payment Amount must be a positive amount in pence.")
    elif amount > Decimal(str(invoice["AmountDue"])):
        errors.append("Payment amount exceeds the amount outstanding on this document.")
    try:
        day = parse_date(body["Date"]) if body.get("Date") else now.date().isoformat()
    except ValueError:
        errors.append("Date is not a valid date.")
        day = now.date().isoformat()
    if errors:
        raise Invalid(*errors)
    assert amount is not None and account is not None
    payment_id = str(uuid.uuid4())
    payment = {"PaymentID": payment_id, "Date": day, "Amount": amount, "BankAmount": amount,
               "CurrencyRate": Decimal("1.000000"), "Reference": str(body.get("Reference") or ""),
               "IsReconciled": False, "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT", "HasAccount": True,
               "HasValidationErrors": False, "_invoice": invoice["InvoiceID"], "_account": account["Code"],
               "_account_id": account["AccountID"], "_updated": now}
    org["payments"][payment_id] = payment
    invoice["AmountPaid"] = Decimal(str(invoice["AmountPaid"])) + amount
    invoice["AmountDue"] = Decimal(str(invoice["AmountDue"])) - amount
    invoice.setdefault("_payments", []).append(payment_id)
    if invoice["AmountDue"] == 0:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = day
    invoice["_updated"] = now
    return payment
