"""Customer, Vendor and Employee: create, full update and sparse update (ref §3)."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.quickbooks import errors, validate
from fieldbook.sandbox.quickbooks.model import NAME_ENTITIES, Company

NAME_PARTS = (("Title", 16), ("GivenName", 100), ("MiddleName", 100), ("FamilyName", 100), ("Suffix", 16))
# Fields a client may write; everything else in the XSD is read-only or server-computed and is
# ignored on the way in. A full update nulls every writable field it omits (ref §3).
WRITABLE = frozenset({
    "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "DisplayName", "CompanyName",
    "PrintOnCheckName", "Notes", "PrimaryEmailAddr", "PrimaryPhone", "Mobile", "AlternatePhone", "Fax",
    "WebAddr", "BillAddr", "ShipAddr", "OtherAddr", "PrimaryAddr", "Active", "Taxable", "DefaultTaxCodeRef",
    "SalesTermRef", "TermRef", "PaymentMethodRef", "ParentRef", "Job", "BillWithParent",
    "PreferredDeliveryMethod", "ResaleNum", "PrimaryTaxIdentifier", "AcctNum", "ContactName",
    "AltContactName", "TaxExemptionReasonId", "EmployeeNumber", "SSN", "BillRate", "Vendor1099",
})
SET_ONCE = frozenset({"CurrencyRef"})
# ref §3: DisplayName and PrintOnCheckName cannot be removed by a sparse update.
NOT_REMOVABLE = frozenset({"DisplayName", "PrintOnCheckName"})
PHONES = ("PrimaryPhone", "Mobile", "AlternatePhone", "Fax")


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in body.items()
            if key in WRITABLE and not validate.blank(value)}


def _validate_fields(entity: str, fields: dict[str, Any]) -> None:
    collector = errors.Collector()
    for key, maximum in NAME_PARTS:
        validate.text(fields, key, maximum, collector, no_separators=True)
    validate.text(fields, "DisplayName", 500, collector, no_separators=True)
    validate.text(fields, "PrintOnCheckName", 110, collector, no_separators=True)
    validate.text(fields, "CompanyName", 100, collector)
    validate.text(fields, "Notes", 2000, collector)
    validate.email(fields, "PrimaryEmailAddr", collector)
    for phone in PHONES:
        value = fields.get(phone)
        if isinstance(value, dict):
            validate.text(value, "FreeFormNumber", 30, collector)
    collector.raise_if_any()


def _display_name(fields: dict[str, Any]) -> str | None:
    if not validate.blank(fields.get("DisplayName")):
        return str(fields["DisplayName"]).strip()
    parts = [str(fields[key]).strip() for key, _ in NAME_PARTS if not validate.blank(fields.get(key))]
    return " ".join(parts) if parts else None


def _check_unique(company: Company, display_name: str, self_entity: str, self_id: str | None) -> None:
    # ref §3: unique across Customer, Vendor AND Employee. Inactive names count too and the
    # comparison ignores case: both UNCONFIRMED, chosen as the stricter reading.
    wanted = display_name.casefold()
    for entity in NAME_ENTITIES:
        for obj in company.live(entity):
            if entity == self_entity and obj["Id"] == self_id:
                continue
            if str(obj.get("DisplayName", "")).casefold() == wanted:
                raise errors.duplicate_name()


def _finish(company: Company, entity: str, obj: dict[str, Any]) -> None:
    display = _display_name(obj)
    if display is None:
        raise errors.no_name()
    obj["DisplayName"] = display
    if validate.blank(obj.get("PrintOnCheckName")):
        obj["PrintOnCheckName"] = display[:110]
    obj.setdefault("Active", True)
    if entity == "Customer":
        parent_id = validate.ref_id(obj.get("ParentRef"))
        if parent_id is not None:
            parent = validate.resolve_ref(company, "Customer", obj["ParentRef"], "ParentRef")
            obj["FullyQualifiedName"] = f"{parent.get('FullyQualifiedName', parent['DisplayName'])}:{display}"
            obj["Job"] = True
            obj["Level"] = int(parent.get("Level", 0)) + 1
        else:
            obj["FullyQualifiedName"] = display
            obj["Job"] = False
            obj.pop("Level", None)
        obj.setdefault("Taxable", not company.is_us)
    else:
        obj["FullyQualifiedName"] = display
    _check_unique(company, display, entity, obj.get("Id"))


def create(company: Company, entity: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    validate.check_known(entity, body)
    fields = _clean(body)
    if not validate.blank(body.get("CurrencyRef")):
        fields["CurrencyRef"] = copy.deepcopy(body["CurrencyRef"])
    _validate_fields(entity, fields)
    _finish(company, entity, fields)
    if entity in ("Customer", "Vendor"):
        # ref §3: Balance on create is the opening balance; read-only afterwards.
        opening = body.get("Balance")
        fields["_opening_balance"] = (validate.money(opening, "Balance")
                                      if not validate.blank(opening) else Decimal("0"))
        fields["Balance"] = fields["_opening_balance"]
        if entity == "Customer":
            fields["BalanceWithJobs"] = fields["Balance"]
    return company.insert(entity, fields, now)


def update(company: Company, entity: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    validate.check_known(entity, body)
    current = validate.existing(company, entity, body)
    validate.check_sync_token(current, body)
    sparse = validate.is_sparse(body)
    fields = _clean(body)
    reactivating = fields.get("Active") is True
    if current.get("Active") is False and not reactivating:
        # ref §3: inactive names cannot be edited until reactivated.
        raise errors.business("You cannot modify a list element that has been deleted.")
    if sparse:
        merged = copy.deepcopy(current)
        for key, value in body.items():
            if key not in WRITABLE:
                continue
            if validate.blank(value):
                if key not in NOT_REMOVABLE:
                    merged.pop(key, None)
            else:
                merged[key] = copy.deepcopy(value)
    else:
        # ref §3: a full update replaces the object; omitted writable fields become NULL.
        merged = {key: copy.deepcopy(value) for key, value in current.items() if key not in WRITABLE}
        merged.update(fields)
        merged.setdefault("Active", True)
    _validate_fields(entity, {k: v for k, v in merged.items() if k in WRITABLE})
    _finish(company, entity, merged)
    current.clear()
    current.update(merged)
    company.touch(current, now)
    return current
