"""Field-level checks shared by the QBO entity handlers (ref §3, §4, §8)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fieldbook.sandbox.quickbooks import errors
from fieldbook.sandbox.quickbooks.model import Company
from fieldbook.sandbox.quickbooks.xsd_names import KNOWN

FORBIDDEN_NAME_CHARS = (":", "\t", "\n")


def blank(value: Any) -> bool:
    """python-quickbooks sends "" for every unset string (ref §16); QBO treats those as absent."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def check_known(entity: str, body: dict[str, Any]) -> None:
    known = KNOWN.get(entity)
    if known is None:
        return
    for key in body:
        if key not in known:
            raise errors.unsupported_property(key, f"com.intuit.schema.finance.v3.{entity}")


def text(body: dict[str, Any], key: str, maximum: int, collector: errors.Collector,
         no_separators: bool = False) -> None:
    value = body.get(key)
    if blank(value):
        return
    if not isinstance(value, str):
        collector.add(errors.invalid_value(key, value))
        return
    if len(value) > maximum:
        collector.add(errors.bad_length(key, maximum, len(value)))
    if no_separators and any(ch in value for ch in FORBIDDEN_NAME_CHARS):
        collector.add(errors.invalid_string(key))


def email(body: dict[str, Any], key: str, collector: errors.Collector) -> None:
    value = body.get(key)
    if value is None:
        return
    address = value.get("Address") if isinstance(value, dict) else None
    if blank(address):
        return
    # ref §3: must contain "@" and "." -> otherwise 2210.
    if not isinstance(address, str) or "@" not in address or "." not in address.split("@")[-1]:
        collector.add(errors.bad_email(f"{key}.Address"))


def money(value: Any, element: str) -> Decimal:
    if isinstance(value, bool):
        raise errors.invalid_value(element, value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise errors.invalid_value(element, value) from None


def ref_id(value: Any) -> str | None:
    if isinstance(value, dict) and not blank(value.get("value")):
        return str(value["value"])
    return None


def resolve_ref(company: Company, entity: str, value: Any, element: str) -> dict[str, Any]:
    """ref §8: an unknown id is 2500; a reference to an inactive name or item is 610."""
    object_id = ref_id(value)
    if object_id is None:
        raise errors.missing(element)
    obj = company.get(entity, object_id)
    if obj is None:
        raise errors.invalid_reference(element, object_id)
    if obj.get("Active") is False:
        raise errors.not_found(f"{entity} {object_id} is inactive")
    return obj


def check_sync_token(current: dict[str, Any], body: dict[str, Any]) -> None:
    token = body.get("SyncToken")
    if blank(token):
        raise errors.missing("SyncToken")
    if str(token) != str(current.get("SyncToken")):
        raise errors.stale_object()


def existing(company: Company, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    obj = company.get(entity, body.get("Id"))
    if obj is None:
        raise errors.not_found(f"{entity} Id {body.get('Id')}")
    return obj


def is_sparse(body: dict[str, Any]) -> bool:
    value = body.get("sparse")
    return value is True or (isinstance(value, str) and value.lower() == "true")
