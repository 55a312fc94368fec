"""Invoices (ref §3): PUT creates, POST creates or updates by InvoiceID; the status rules.

DRAFT and SUBMITTED are editable and may be DELETED; AUTHORISED is editable while nothing is
paid or credited against it, and may be VOIDED (not deleted); PAID, VOIDED and DELETED are locked.
A line without its LineItemID on an update is a new line (new id): the lines not sent are gone.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fieldbook.sandbox.xero import contacts, lines
from fieldbook.sandbox.xero.errors import Invalid
from fieldbook.sandbox.xero.timefmt import ms_date, ms_datetime, parse_date

TYPES = ("ACCPAY", "ACCPAYCREDIT", "APOVERPAYMENT", "APPREPAYMENT", "ACCREC", "ACCRECCREDIT", "AROVERPAYMENT",
         "ARPREPAYMENT")
SUPPORTED_TYPES = ("ACCREC",)  # the sandbox keeps sales invoices only
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
NEXT_STATUSES = {"DRAFT": ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"),
                 "SUBMITTED": ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"),
                 "AUTHORISED": ("AUTHORISED", "VOIDED"), "VOIDED": (), "DELETED": (), "PAID": ()}
LOCKED = "Invoice not of valid status for modification"
ALLOCATED = "This document cannot be edited as it has a payment or credit note allocated to it."
NO_CONTACT = ("The Contact must contain at least 1 of the following elements to identify the contact: "
              "Name, ContactID, ContactNumber")
DUPLICATE_NUMBER = "Invoice # must be unique."
ORG_ZONE = ZoneInfo("Europe/London")


def render(org: dict[str, Any], invoice: dict[str, Any], unitdp: int, with_lines: bool) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in invoice.items() if not k.startswith("_") and k != "LineItems"}
    contact = org["contacts"].get(invoice["Contact"]["ContactID"], {})
    out["Contact"] = {key: contact[key] for key in ("ContactID", "ContactNumber", "Name", "ContactStatus")
                      if contact.get(key) is not None}
    for key in ("Date", "DueDate", "FullyPaidOnDate"):
        if invoice.get(key):
            out[key] = ms_date(invoice[key])
    if with_lines:
        out["LineItems"] = [lines.render_line(line, unitdp) for line in invoice["LineItems"]]
    payments = [org["payments"][pid] for pid in invoice.get("_payments", []) if pid in org["payments"]]
    if payments:
        out["Payments"] = [{"PaymentID": p["PaymentID"], "Date": ms_date(p["Date"]), "Amount": p["Amount"],
                            "Reference": p.get("Reference", ""), "CurrencyRate": Decimal("1.000000"),
                            "HasAccount": False, "HasValidationErrors": False} for p in payments]
    out["UpdatedDateUTC"] = ms_datetime(invoice["_updated"])
    out["UpdatedDateUTCString"] = invoice["_updated"].strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def _resolve_contact(org: dict[str, Any], raw: Any, now: datetime, errors: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not any(raw.get(k) for k in ("ContactID", "ContactNumber", "Name")):
        errors.append(NO_CONTACT)
        return None
    if raw.get("ContactID"):
        found = org["contacts"].get(str(raw["ContactID"]))
        if found is None:
            errors.append(f"The contact with ContactID {raw['ContactID']} could not be found.")
    elif raw.get("ContactNumber"):
        found = contacts.find_by_number(org, str(raw["ContactNumber"]))
        if found is None:
            errors.append(f"The contact with ContactNumber {raw['ContactNumber']} could not be found.")
    else:
        # ref §3: Name only -> Xero finds the contact by name or silently creates one.
        found = contacts.find_active_by_name(org, str(raw["Name"]))
        if found is None and not errors:
            found = contacts.write(org, {"Name": str(raw["Name"])}, now, create_only=True)
    if found is not None and found["ContactStatus"] != "ACTIVE":
        errors.append("Unable to assign an Archived contact.")
    return found


def _number_taken(org: dict[str, Any], number: str, own_id: str | None) -> bool:
    return any(inv["InvoiceNumber"] == number and inv["Type"] == "ACCREC" and inv["Status"] != "DELETED"
               and inv["InvoiceID"] != own_id for inv in org["invoices"].values())


def _next_number(org: dict[str, Any]) -> str:
    while True:
        org["invoice_seq"] = int(org.get("invoice_seq", 0)) + 1
        number = f"INV-{org['invoice_seq']:04d}"
        if not _number_taken(org, number, None):
            return number


def _status_change(current: dict[str, Any] | None, wanted: str, editing: bool, errors: list[str]) -> None:
    if current is None:
        if wanted not in CREATE_STATUSES:
            errors.append(f"Invoices cannot be created with status {wanted}.")
        return
    status = current["Status"]
    allocated = Decimal(str(current["AmountPaid"])) > 0 or Decimal(str(current.get("AmountCredited", 0))) > 0
    if status == "PAID" or (status == "AUTHORISED" and allocated):
        errors.append(ALLOCATED)
    elif wanted not in NEXT_STATUSES[status]:
        errors.append(LOCKED)
    elif wanted in ("VOIDED", "DELETED") and editing:
        errors.append(f"An invoice being set to {wanted} cannot be changed at the same time.")


def _target(org: dict[str, Any], body: dict[str, Any], create_only: bool, path_id: str | None,
            errors: list[str]) -> dict[str, Any] | None:
    wanted = path_id or body.get("InvoiceID")
    if not wanted:
        return None
    found: dict[str, Any] | None = org["invoices"].get(str(wanted))
    if create_only:
        if found is not None:
            errors.append("An invoice with this InvoiceID already exists: use POST to update it.")
        return None
    if found is None:
        errors.append(f"The invoice with InvoiceID {wanted} could not be found.")
    return found


def write(org: dict[str, Any], body: Any, now: datetime, create_only: bool, unitdp: int,
          path_id: str | None = None) -> dict[str, Any]:
    """Create (PUT) or create-or-update (POST) one invoice; raises Invalid with its messages."""
    if not isinstance(body, dict):
        raise Invalid("An invoice must be an object.")
    errors: list[str] = []
    current = _target(org, body, create_only, path_id, errors)
    if errors:
        raise Invalid(*errors)
    kind = body.get("Type", (current or {}).get("Type"))
    if kind not in TYPES:
        raise Invalid("Invoice Type must be specified: one of " + ", ".join(TYPES) + ".")
    if kind not in SUPPORTED_TYPES:
        raise Invalid(f"The sandbox keeps sales invoices only (ACCREC), not {kind}.")
    status = str(body.get("Status") or (current or {}).get("Status") or "DRAFT")
    editing = any(k in body for k in ("LineItems", "Contact", "Date", "DueDate", "LineAmountTypes",
                                      "InvoiceNumber", "Reference"))
    _status_change(current, status, editing and current is not None and status != current["Status"], errors)
    if errors:
        raise Invalid(*errors)
    if current is not None and status in ("VOIDED", "DELETED"):
        current.update({"Status": status, "AmountDue": Decimal("0.00"), "_updated": now})
        return current
    record: dict[str, Any] = copy.deepcopy(current) if current is not None else {}
    contact = _resolve_contact(org, body.get("Contact"), now, errors) if "Contact" in body or current is None \
        else org["contacts"].get(record["Contact"]["ContactID"])
    amounts = str(body.get("LineAmountTypes") or record.get("LineAmountTypes") or "Exclusive")
    if amounts not in lines.LINE_AMOUNT_TYPES:
        errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
        amounts = "Exclusive"
    for key in ("Date", "DueDate"):
        if body.get(key) is not None:
            try:
                record[key] = parse_date(body[key])
            except ValueError:
                errors.append(f"{key} is not a valid date.")
    record.setdefault("Date", now.astimezone(ORG_ZONE).date().isoformat())
    built = _lines(org, body, record, amounts, unitdp, errors)
    if not built:
        errors.append("Invoices must have at least one line item.")
    number = body.get("InvoiceNumber", record.get("InvoiceNumber"))
    if number is not None and (not isinstance(number, str) or len(number) > 255):
        errors.append("InvoiceNumber must be text of at most 255 characters.")
    elif number and _number_taken(org, number, record.get("InvoiceID")):
        errors.append(DUPLICATE_NUMBER)
    sums = lines.totals(built, amounts)
    if body.get("Total") is not None and lines.money(Decimal(str(body["Total"]))) != sums["Total"]:
        errors.append("The invoice total does not equal the sum of the lines.")
    if sums["Total"] < 0:
        errors.append("The invoice total cannot be negative: use a credit note.")
    if body.get("CurrencyCode") not in (None, org["organisation"]["BaseCurrency"]):
        errors.append("The sandbox organisation has one currency: " + org["organisation"]["BaseCurrency"] + ".")
    if errors:
        raise Invalid(*errors)
    assert contact is not None
    record.update({"Type": kind, "Contact": {"ContactID": contact["ContactID"]}, "LineAmountTypes": amounts,
                   "Status": status, "LineItems": built, "InvoiceNumber": number or _next_number(org),
                   "CurrencyCode": org["organisation"]["BaseCurrency"], "CurrencyRate": Decimal("1.000000"),
                   "_updated": now})
    if "Reference" in body:
        record["Reference"] = str(body["Reference"] or "")
    record.setdefault("Reference", "")
    record.update({k: v for k, v in sums.items() if k != "TotalDiscount" or v})
    record["IsDiscounted"] = bool(sums["TotalDiscount"])
    record.setdefault("InvoiceID", str(uuid.uuid4()))
    record.setdefault("AmountPaid", Decimal("0.00"))
    record.setdefault("AmountCredited", Decimal("0.00"))
    record.setdefault("SentToContact", False)
    record.setdefault("HasAttachments", False)
    record["AmountDue"] = sums["Total"] - Decimal(str(record["AmountPaid"])) - Decimal(str(record["AmountCredited"]))
    contact["IsCustomer"] = True
    org["invoices"][record["InvoiceID"]] = record
    return record


def _lines(org: dict[str, Any], body: dict[str, Any], record: dict[str, Any], amounts: str, unitdp: int,
           errors: list[str]) -> list[dict[str, Any]]:
    old = {line["LineItemID"]: line for line in record.get("LineItems", [])}
    if "LineItems" in body:
        raw_lines = body["LineItems"] if isinstance(body["LineItems"], list) else []
        pairs = [(raw, old.get(str(raw.get("LineItemID"))) if isinstance(raw, dict) else None) for raw in raw_lines]
    else:
        # ref §3: lines are rewritten even on a status-only update (4 dp lost without unitdp=4).
        pairs = [({}, line) for line in old.values()]
    built = []
    for raw, previous in pairs:
        line = lines.build(org, raw, amounts, unitdp, previous, errors)
        if line is not None:
            built.append(line)
    return built
