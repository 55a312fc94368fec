"""GET /cdc (ref §7): changes since a time at most 30 days back, capped at 1,000 objects."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fieldbook.sandbox.quickbooks import errors
from fieldbook.sandbox.quickbooks.model import Company, render
from fieldbook.sandbox.quickbooks.timefmt import meta_time, parse_instant

CDC_ENTITIES = frozenset({"Customer", "Vendor", "Employee", "Invoice", "Item", "Account", "Term", "Payment"})
WINDOW = timedelta(days=30)
CAP = 1000


def run(company: Company, entities_csv: str, changed_since: str, now: datetime, cap: int = CAP) -> dict[str, Any]:
    """One CDCResponse element: {"QueryResponse": [{<Entity>: [...], ...}, ...]}."""
    names = [name.strip() for name in entities_csv.split(",") if name.strip()]
    if not names:
        raise errors.missing("entities")
    for name in names:
        if name not in CDC_ENTITIES:
            # ref §7: not available for TaxCode, TaxRate (and JournalCode, TaxAgency, TimeActivity).
            raise errors.error("4000", "Error parsing query", f"CDC is not supported for entity {name}",
                               "entities")
    if not changed_since.strip():
        raise errors.missing("changedSince")
    try:
        since = parse_instant(changed_since)
    except ValueError:
        raise errors.invalid_value("changedSince", changed_since) from None
    if since < now - WINDOW:
        # ref §7: changedSince must be within the last 30 days (the exact fault is UNCONFIRMED).
        raise errors.business("changedSince must be within the last 30 days.", "changedSince")
    changed: list[tuple[datetime, str, dict[str, Any]]] = []
    for name in names:
        for obj in company.table(name).values():
            updated = obj.get("MetaData", {}).get("LastUpdatedTime")
            if isinstance(updated, datetime) and updated > since:
                changed.append((updated, name, obj))
    # ref §7: silently truncated at 1,000 objects across entities; oldest first.
    changed.sort(key=lambda row: (row[0], row[1], _id_key(row[2])))
    kept = changed[:cap]
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for updated, name, obj in kept:
        if obj.get("_status") == "Deleted":
            groups[name].append({"Id": obj["Id"], "status": "Deleted", "domain": "QBO",
                                 "MetaData": {"LastUpdatedTime": meta_time(updated)}})
        else:
            groups[name].append(render(obj))
    responses = [({name: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {})
                 for name, rows in groups.items()]
    return {"QueryResponse": responses}


def _id_key(obj: dict[str, Any]) -> tuple[int, str]:
    text = str(obj.get("Id", ""))
    return (int(text), "") if text.isdigit() else (0, text)
