"""Entity operations shared by the single-object endpoints and batch items (ref §1, §5, §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldbook.sandbox.quickbooks import errors, names, query, transactions, validate
from fieldbook.sandbox.quickbooks.model import NAME_ENTITIES, Company, render

WRITABLE_ENTITIES = frozenset({*NAME_ENTITIES, "Invoice", "Payment", "Preferences"})


def read(company: Company, entity: str, object_id: str) -> dict[str, Any]:
    obj = company.get(entity, object_id)
    if obj is None:
        raise errors.not_found(f"{entity} Id {object_id}")
    return render(obj)


def write(company: Company, entity: str, body: Any, operation: str | None, now: datetime,
          allow_duplicate_doc: bool = False) -> dict[str, Any]:
    """One create/update/delete/void; returns the API form of the result."""
    if not isinstance(body, dict):
        raise errors.error("2010", "Request has invalid or unsupported property",
                           "The request body must be a JSON object")
    if entity not in WRITABLE_ENTITIES:
        raise errors.unsupported_operation(f"Operation {operation or 'create'} is not supported for {entity} "
                                           f"in the sandbox")
    has_id = not validate.blank(body.get("Id"))
    if operation == "delete":
        if entity != "Invoice":
            # ref §3: no delete for names; deactivate with Active=false.
            raise errors.unsupported_operation(f"Operation Delete is not supported for {entity}")
        return transactions.delete_invoice(company, body, now)
    if operation == "void":
        if entity != "Invoice":
            raise errors.unsupported_operation(f"Operation Void is not supported for {entity}")
        return render(transactions.void_invoice(company, body, now))
    if entity == "Preferences":
        return render(_update_preferences(company, body, now))
    if entity in NAME_ENTITIES:
        obj = (names.update(company, entity, body, now) if has_id
               else names.create(company, entity, body, now))
        return render(obj)
    if entity == "Invoice":
        obj = (transactions.update_invoice(company, body, now, allow_duplicate_doc) if has_id
               else transactions.create_invoice(company, body, now, allow_duplicate_doc))
        return render(obj)
    if has_id:
        raise errors.unsupported_operation("Updating a Payment is not supported by the sandbox")
    return render(transactions.create_payment(company, body, now))


def _update_preferences(company: Company, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    prefs = company.preferences
    validate.check_sync_token(prefs, body)
    sales = body.get("SalesFormsPrefs")
    if isinstance(sales, dict) and "CustomTxnNumbers" in sales:
        prefs["SalesFormsPrefs"]["CustomTxnNumbers"] = bool(sales["CustomTxnNumbers"])
    company.touch(prefs, now)
    return prefs


def run_query(company: Company, text: str) -> dict[str, Any]:
    """The QueryResponse object (without the envelope's `time`)."""
    parsed = query.parse(text)
    rows = [obj for obj in company.live(parsed.entity)
            if all(query.matches(obj, condition) for condition in parsed.conditions)]
    if parsed.count:
        return {"totalCount": len(rows)}
    order = parsed.order_by or "Id"
    rows.sort(key=lambda obj: query.sort_key(obj, order), reverse=parsed.descending)
    page = rows[parsed.start - 1: parsed.start - 1 + parsed.max_results]
    if not page:
        return {}  # ref §2: an empty result has no entity key
    rendered = [render(obj) for obj in page]
    if parsed.entity == "Item" and "Sku" not in parsed.extra_columns:
        for item in rendered:
            item.pop("Sku", None)  # ref §4: Sku only with `SELECT *, Sku FROM Item`
    for item in rendered:
        for key in [k for k, v in item.items() if v == "" and k != "Sku"]:
            del item[key]  # ref §5: all non-empty fields are returned
    return {parsed.entity: rendered, "startPosition": parsed.start, "maxResults": len(rendered)}
