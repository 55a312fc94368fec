"""The Sage sandbox's records: one tree per business, Base references, times, money.

A business tree holds a table per resource (`contacts`, `sales_invoices`, `contact_payments`,
`ledger_accounts`, `tax_rates`, `currencies`), each {id: record} in creation order. Records
are kept as the API shows them (attribute names of the spec), plus private keys starting with
"_" (e.g. `_seq`) that rendering drops.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fieldbook.sandbox.sage import errors

CENT = Decimal("0.01")
TABLES = ("contacts", "sales_invoices", "contact_payments", "ledger_accounts", "tax_rates", "currencies",
          "bank_accounts")


def new_id() -> str:
    return uuid.uuid4().hex  # Sage ids are 32 hex digits


def ref(kind: str, key: str, displayed_as: str) -> dict[str, Any]:
    """A spec `Base` reference: {id, displayed_as, $path}."""
    return {"id": key, "displayed_as": displayed_as, "$path": f"/{kind}/{key}"}


def stamp(now: datetime) -> datetime:
    """Whole seconds in UTC: the API shows seconds, and a filter must compare what a client saw."""
    return now.astimezone(UTC).replace(microsecond=0)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: Any, source: str) -> Decimal:
    """A JSON number (Decimal from the parser) or numeric string, rounded to the penny."""
    return number(value, source).quantize(CENT, ROUND_HALF_UP)


def number(value: Any, source: str) -> Decimal:
    """A JSON number (Decimal from the parser) or numeric string, as given."""
    if isinstance(value, bool) or value is None:
        raise errors.invalid(source, f"{source} must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise errors.invalid(source, f"{source} must be a number") from None
    if not amount.is_finite():
        raise errors.invalid(source, f"{source} must be a number")
    return amount


def iso_date(value: Any, source: str) -> str:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise errors.invalid(source, f"{source} must be a date YYYY-MM-DD")


def text(body: dict[str, Any], key: str, source: str, max_length: int | None = None) -> str | None:
    """An optional string attribute, checked against the spec's maxLength (ref §4, §5)."""
    if key not in body or body[key] is None:
        return None
    value = body[key]
    if not isinstance(value, str):
        raise errors.invalid(source, f"{source} must be a string")
    if max_length is not None and len(value) > max_length:
        raise errors.invalid(source, f"{source} is too long (maximum is {max_length} characters)")
    return value


def check_keys(body: dict[str, Any], allowed: frozenset[str], source: str) -> None:
    """Unknown attributes are refused rather than ignored, so a misspelt key (`tax_ammount`)
    cannot pass unnoticed: our choice, Sage's own handling is UNCONFIRMED."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        where = f"{source}." if source else ""
        raise errors.SageError([errors.Problem("UnexpectedAttribute", f"{key} is not a known attribute",
                                               f"{where}{key}") for key in unknown])


class Business:
    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree = tree

    @property
    def id(self) -> str:
        return str(self.tree["id"])

    @property
    def name(self) -> str:
        return str(self.tree["name"])

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        tables: dict[str, dict[str, dict[str, Any]]] = self.tree.setdefault("tables", {})
        return tables.setdefault(name, {})

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        return self.table(table).get(key)

    def insert(self, table: str, record: dict[str, Any], now: datetime) -> dict[str, Any]:
        seq = int(self.tree.get("seq", 0)) + 1
        self.tree["seq"] = seq
        at = stamp(now)
        record.setdefault("id", new_id())
        record.setdefault("created_at", at)
        record["updated_at"] = at
        record["_seq"] = seq
        self.table(table)[record["id"]] = record
        return record

    def touch(self, record: dict[str, Any], now: datetime) -> None:
        record["updated_at"] = stamp(now)

    def settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.tree.setdefault("settings", {})
        return settings
