"""Contacts (ref §2): create, create-or-update, archive, merge; names unique among ACTIVE contacts.

A POST element updates the contact named by ContactID (or the URL's id), else the one with its
ContactNumber (legacy v1 rule; UNCONFIRMED for 2.0), else creates one. Omitted fields keep their
values. Keys Xero does not know are ignored, as its JSON reader does.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from fieldbook.sandbox.xero.errors import Invalid
from fieldbook.sandbox.xero.timefmt import ms_datetime

STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
MAX_LENGTHS = {"Name": 255, "ContactNumber": 50, "AccountNumber": 50, "FirstName": 255, "LastName": 255,
               "EmailAddress": 255, "CompanyNumber": 50, "TaxNumber": 50}
WRITABLE = (*MAX_LENGTHS, "ContactStatus", "Addresses", "Phones", "AccountsReceivableTaxType",
            "AccountsPayableTaxType", "SalesDefaultAccountCode", "DefaultCurrency", "SalesDefaultLineAmountType")
ADDRESS_TYPES = ("POBOX", "STREET")
ADDRESS_LENGTHS = {"AddressLine1": 500, "AddressLine2": 500, "AddressLine3": 500, "AddressLine4": 500,
                   "City": 255, "Region": 255, "PostalCode": 50, "Country": 50, "AttentionTo": 255}
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")
PHONE_LENGTHS = {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}
LINE_AMOUNT_DEFAULTS = ("INCLUSIVE", "EXCLUSIVE", "NONE")
FULL_ONLY = ("MergedToContactID", "SalesDefaultLineAmountType")  # ref §2: only paged or single GETs


def render(contact: dict[str, Any], full: bool) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in contact.items() if not k.startswith("_")}
    if not full:
        for key in FULL_ONLY:
            out.pop(key, None)
    out["UpdatedDateUTC"] = ms_datetime(contact["_updated"])
    return out


def duplicate_name_message(name: str) -> str:
    return (f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts.")


def find_by_number(org: dict[str, Any], number: str) -> dict[str, Any] | None:
    for contact in org["contacts"].values():
        if contact.get("ContactNumber") == number:
            return contact
    return None


def find_active_by_name(org: dict[str, Any], name: str) -> dict[str, Any] | None:
    key = name.strip().casefold()
    for contact in org["contacts"].values():
        if contact["ContactStatus"] == "ACTIVE" and str(contact.get("Name", "")).strip().casefold() == key:
            return contact
    return None


def _text(body: dict[str, Any], key: str, limit: int, errors: list[str]) -> None:
    value = body.get(key)
    if value is None:
        return
    if not isinstance(value, str):
        errors.append(f"{key} must be text.")
    elif len(value) > limit:
        errors.append(f"The {key} field must not be more than {limit} characters long.")


def _check_list(body: dict[str, Any], key: str, kind_key: str, kinds: tuple[str, ...], lengths: dict[str, int],
                errors: list[str]) -> None:
    value = body.get(key)
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        errors.append(f"{key} must be a list of objects.")
        return
    for entry in value:
        if entry.get(kind_key) not in kinds:
            errors.append(f"{kind_key} must be one of {', '.join(kinds)}.")
        for field, limit in lengths.items():
            _text(entry, field, limit, errors)


def check(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    for key, limit in MAX_LENGTHS.items():
        _text(body, key, limit, errors)
    if body.get("ContactStatus") is not None and body["ContactStatus"] not in STATUSES[:2]:
        errors.append(f"ContactStatus must be one of {', '.join(STATUSES[:2])}.")
    if body.get("SalesDefaultLineAmountType") is not None and body["SalesDefaultLineAmountType"] not in \
            LINE_AMOUNT_DEFAULTS:
        errors.append("SalesDefaultLineAmountType must be INCLUSIVE, EXCLUSIVE or NONE.")
    _check_list(body, "Addresses", "AddressType", ADDRESS_TYPES, ADDRESS_LENGTHS, errors)
    _check_list(body, "Phones", "PhoneType", PHONE_TYPES, PHONE_LENGTHS, errors)
    return errors


def write(org: dict[str, Any], body: Any, now: datetime, create_only: bool,
          path_id: str | None = None) -> dict[str, Any]:
    """Create (PUT) or create-or-update (POST) one contact; raises Invalid with its messages."""
    if not isinstance(body, dict):
        raise Invalid("A contact must be an object.")
    errors = check(body)
    target = _target(org, body, create_only, path_id, errors)
    merged = {**(target or {}), **{k: copy.deepcopy(body[k]) for k in WRITABLE if k in body}}
    name = merged.get("Name")
    if not isinstance(name, str) or not name.strip():
        errors.append("The contact name must be specified.")
    elif merged.get("ContactStatus", "ACTIVE") == "ACTIVE":
        other = find_active_by_name(org, name)
        if other is not None and (target is None or other["ContactID"] != target["ContactID"]):
            errors.append(duplicate_name_message(name))
    number = merged.get("ContactNumber")
    if number and (target is None or target.get("ContactNumber") != number):
        other = find_by_number(org, str(number))
        if other is not None and (target is None or other["ContactID"] != target["ContactID"]):
            errors.append(f"The contact number {number} is already assigned to another contact.")
    if errors:
        raise Invalid(*errors)
    if target is None:
        contact_id = str(uuid.uuid4())
        merged = {"ContactID": contact_id, "ContactStatus": "ACTIVE", "Addresses": [], "Phones": [],
                  "IsSupplier": False, "IsCustomer": False, "HasAttachments": False, **merged}
        merged["ContactID"] = contact_id
    merged["_updated"] = now
    org["contacts"][merged["ContactID"]] = merged
    return merged


def _target(org: dict[str, Any], body: dict[str, Any], create_only: bool, path_id: str | None,
            errors: list[str]) -> dict[str, Any] | None:
    wanted = path_id or body.get("ContactID")
    if wanted:
        found: dict[str, Any] | None = org["contacts"].get(str(wanted))
        if create_only and found is not None:
            errors.append("A contact with this ContactID already exists: use POST to update it.")
            return None
        if not create_only and found is None:
            errors.append(f"The contact with ContactID {wanted} could not be found.")
        return None if create_only else found
    if not create_only and body.get("ContactNumber"):
        return find_by_number(org, str(body["ContactNumber"]))
    return None


def merge(org: dict[str, Any], source_id: str, target_id: str, now: datetime) -> dict[str, Any]:
    """Xero's merge (a ledger user's action): the source is archived and points at the target;
    its invoices and payments move to the target."""
    source, target = org["contacts"].get(source_id), org["contacts"].get(target_id)
    if source is None or target is None:
        raise KeyError(f"no contact {source_id if source is None else target_id}")
    if source_id == target_id or target["ContactStatus"] != "ACTIVE":
        raise ValueError("merge into a different, active contact")
    source.update({"ContactStatus": "ARCHIVED", "MergedToContactID": target_id, "_updated": now})
    for invoice in org["invoices"].values():
        if invoice["Contact"]["ContactID"] == source_id:
            invoice["Contact"] = {"ContactID": target_id}
            invoice["_updated"] = now
            target["IsCustomer"] = target["IsCustomer"] or invoice["Type"] == "ACCREC"
    target["_updated"] = now
    return source
