"""Contacts (ref §4): create, update, delete, and the `Contact` the API shows.

Required on create: `name` and `contact_type_ids`; lengths are the spec response models'
maxLength (name 100, reference 10, postal_code 10, address lines 50, ...). `reference` is unique
among the business's live contacts (spec: "Unique reference for the contact").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.sage import errors
from fieldbook.sandbox.sage.model import Business, check_keys, iso, money, ref, text

CONTACT_TYPES = {"CUSTOMER": "Customer", "VENDOR": "Supplier"}
CONTACT_KEYS = frozenset({
    "name", "contact_type_ids", "reference", "tax_number", "notes", "locale", "credit_limit", "credit_days",
    "credit_terms_and_conditions", "currency_id", "default_sales_ledger_account_id",
    "default_sales_tax_rate_id", "source_guid", "main_address", "delivery_address", "main_contact_person",
    "idempotency_id"})
TEXT_LIMITS = {"name": 100, "reference": 10, "tax_number": 255, "notes": 4000, "locale": 10,
               "credit_terms_and_conditions": 2000, "source_guid": 255}
ADDRESS_LIMITS = {"address_line_1": 50, "address_line_2": 50, "city": 50, "region": 50, "postal_code": 10,
                  "name": 50}
ADDRESS_KEYS = frozenset({*ADDRESS_LIMITS, "country_id", "country_group_id", "address_type_id",
                          "is_main_address"})
PERSON_LIMITS = {"name": 50, "job_title": 50, "telephone": 50, "mobile": 50, "fax": 50, "email": 100}
PERSON_KEYS = frozenset({*PERSON_LIMITS, "is_main_contact", "contact_person_type_ids"})


def _object(value: Any, source: str, current: dict[str, Any] | None, keys: frozenset[str],
            limits: dict[str, int]) -> dict[str, Any]:
    """`current` changed by the object `value`: only `keys` allowed, texts within `limits`."""
    if not isinstance(value, dict):
        raise errors.invalid(source, f"{source} must be an object")
    check_keys(value, keys, source)
    out = dict(current or {})
    for key, limit in limits.items():
        if key in value:
            out[key] = text(value, key, f"{source}.{key}", limit)
    return out


def _address(value: Any, source: str, current: dict[str, Any] | None) -> dict[str, Any]:
    out = _object(value, source, current, ADDRESS_KEYS, ADDRESS_LIMITS)
    if "country_id" in value:
        out["country_id"] = text(value, "country_id", f"{source}.country_id", 2)
    return out


def _person(value: Any, source: str, current: dict[str, Any] | None) -> dict[str, Any]:
    out = _object(value, source, current, PERSON_KEYS, PERSON_LIMITS)
    email = out.get("email")
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise errors.invalid(f"{source}.email", "email is not a valid email address")
    return out


def _apply(business: Business, record: dict[str, Any], body: dict[str, Any], creating: bool) -> None:
    check_keys(body, CONTACT_KEYS, "contact")
    problems = errors.Collector()
    if creating and not str(body.get("name") or "").strip():
        problems.add(errors.required("contact.name"))
    if creating and not body.get("contact_type_ids"):
        problems.add(errors.required("contact.contact_type_ids"))
    problems.raise_if_any()
    if "contact_type_ids" in body:
        types = body["contact_type_ids"]
        if not isinstance(types, list) or not types or any(t not in CONTACT_TYPES for t in types):
            raise errors.invalid("contact.contact_type_ids", "contact_type_ids must be a list of CUSTOMER or VENDOR")
        record["_types"] = list(dict.fromkeys(types))
    for key, limit in TEXT_LIMITS.items():
        if key in body:
            try:
                record[key] = text(body, key, f"contact.{key}", limit)
            except errors.SageError as exc:
                problems.add(exc)
    problems.raise_if_any()
    if "name" in body and not str(record.get("name") or "").strip():
        raise errors.required("contact.name")
    reference = record.get("reference")
    if reference and any(c.get("reference") == reference and c["id"] != record.get("id")
                         and not c.get("deleted_at") for c in business.table("contacts").values()):
        raise errors.invalid("contact.reference", f"reference {reference} is already used by another contact")
    if "credit_limit" in body:
        record["credit_limit"] = money(body["credit_limit"], "contact.credit_limit")
    if "credit_days" in body:
        days = body["credit_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
            raise errors.invalid("contact.credit_days", "credit_days must be a whole number of days 0-365")
        record["credit_days"] = days
    _apply_links(business, record, body)
    for key in ("main_address", "delivery_address"):
        if key in body:
            record[key] = _address(body[key], f"contact.{key}", record.get(key))
    if "main_contact_person" in body:
        record["main_contact_person"] = _person(body["main_contact_person"], "contact.main_contact_person",
                                                record.get("main_contact_person"))


def _apply_links(business: Business, record: dict[str, Any], body: dict[str, Any]) -> None:
    for key, table in (("currency_id", "currencies"), ("default_sales_ledger_account_id", "ledger_accounts"),
                       ("default_sales_tax_rate_id", "tax_rates")):
        if key in body:
            value = body[key]
            if value is not None and (not isinstance(value, str) or business.get(table, value) is None):
                raise errors.invalid(f"contact.{key}", f"{key} {value!r} does not exist")
            record[key] = value


def create(business: Business, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    record: dict[str, Any] = {}
    _apply(business, record, body, creating=True)
    record.setdefault("currency_id", business.tree["currency"])
    return business.insert("contacts", record, now)


def update(business: Business, record: dict[str, Any], body: dict[str, Any], now: datetime) -> dict[str, Any]:
    if "idempotency_id" in body:
        raise errors.invalid("contact.idempotency_id", "idempotency_id is for creating only")
    draft = {**record}
    _apply(business, draft, body, creating=False)
    record.update(draft)
    business.touch(record, now)
    return record


def has_documents(business: Business, contact_id: str) -> bool:
    return any(doc["contact_id"] == contact_id for table in ("sales_invoices", "contact_payments")
               for doc in business.table(table).values())


def delete(business: Business, record: dict[str, Any], now: datetime) -> None:
    if has_documents(business, record["id"]):
        raise errors.error("RecordInvalid", "The contact has transactions and cannot be deleted", "contact")
    business.touch(record, now)
    record["deleted_at"] = record["updated_at"]


def displayed_as(record: dict[str, Any]) -> str:
    reference = record.get("reference")
    return f"{record['name']} ({reference})" if reference else str(record["name"])


def balance(business: Business, contact_id: str) -> Decimal:
    return sum((Decimal(str(inv["outstanding_amount"])) for inv in business.table("sales_invoices").values()
                if inv["contact_id"] == contact_id and inv["status_id"] != "VOID"), Decimal("0.00"))


def _render_address(contact: dict[str, Any], key: str, address: dict[str, Any] | None) -> dict[str, Any] | None:
    if address is None:
        return None
    out: dict[str, Any] = {"id": f"{contact['id'][:24]}{'0001' if key == 'main_address' else '0002'}"
                           f"{'0' * 4}",
                           "displayed_as": ", ".join(str(address[k]) for k in ("address_line_1", "city", "postal_code")
                                                     if address.get(k)),
                           "created_at": iso(contact["created_at"]), "updated_at": iso(contact["updated_at"])}
    out["$path"] = f"/addresses/{out['id']}"
    out.update({k: address.get(k) for k in ADDRESS_LIMITS})
    country = address.get("country_id") or "GB"
    out["country"] = ref("countries", country, country)
    type_id = "DELIVERY" if key == "delivery_address" else "ACCOUNTS"
    out["address_type"] = ref("address_types", type_id, type_id.title())
    out["is_main_address"] = key == "main_address"
    out["contact"] = ref("contacts", contact["id"], displayed_as(contact))
    return out


def _render_person(contact: dict[str, Any], person: dict[str, Any] | None) -> dict[str, Any] | None:
    if person is None:
        return None
    out: dict[str, Any] = {"id": f"{contact['id'][:28]}0003", "displayed_as": person.get("name") or "",
                           "created_at": iso(contact["created_at"]), "updated_at": iso(contact["updated_at"])}
    out["$path"] = f"/contact_persons/{out['id']}"
    out.update({k: person.get(k) for k in PERSON_LIMITS})
    out["is_main_contact"] = True
    out["contact_person_types"] = [{"id": "ACCOUNTS", "displayed_as": "Accounts",
                                    "$path": "/contact_person_types/ACCOUNTS"}]
    return out


def render(business: Business, record: dict[str, Any]) -> dict[str, Any]:
    person = record.get("main_contact_person")
    account = business.get("ledger_accounts", record.get("default_sales_ledger_account_id") or "")
    rate = business.get("tax_rates", record.get("default_sales_tax_rate_id") or "")
    currency = business.get("currencies", record.get("currency_id") or business.tree["currency"])
    return {
        "id": record["id"], "displayed_as": displayed_as(record), "$path": f"/contacts/{record['id']}",
        "created_at": iso(record["created_at"]), "updated_at": iso(record["updated_at"]),
        "deleted_at": iso(record.get("deleted_at")),
        "contact_types": [ref("contact_types", t, CONTACT_TYPES[t]) for t in record["_types"]],
        "name": record["name"], "reference": record.get("reference"),
        "balance": balance(business, record["id"]),
        "default_sales_ledger_account": ref("ledger_accounts", account["id"], account["displayed_as"])
        if account else None,
        "default_sales_tax_rate": ref("tax_rates", rate["id"], rate["displayed_as"]) if rate else None,
        "tax_number": record.get("tax_number"), "notes": record.get("notes"), "locale": record.get("locale"),
        "main_address": _render_address(record, "main_address", record.get("main_address")),
        "delivery_address": _render_address(record, "delivery_address", record.get("delivery_address")),
        "main_contact_person": _render_person(record, person),
        "credit_limit": record.get("credit_limit"), "credit_days": record.get("credit_days"),
        "credit_terms_and_conditions": record.get("credit_terms_and_conditions"),
        "source_guid": record.get("source_guid"),
        "currency": ref("currencies", currency["id"], currency["displayed_as"]) if currency else None,
        "deletable": not has_documents(business, record["id"]),
        "email": (person or {}).get("email"), "system": False,
    }
