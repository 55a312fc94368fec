"""POST /batch (ref §6): independent items, per-item Fault, no item sees another's results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldbook.sandbox.quickbooks import cdc, errors, ops
from fieldbook.sandbox.quickbooks.model import ENTITIES, Company

DEFAULT_MAX_ITEMS = 30  # ref §6: sources say 10, 30 or 50; 30 is the limits page's number
MAX_BID_WITH_REQUEST_ID = 10


def items_of(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("BatchItemRequest"), list):
        raise errors.missing("BatchItemRequest")
    items: list[Any] = body["BatchItemRequest"]
    return items


def check(items: list[Any], max_items: int, request_id: str | None) -> None:
    if len(items) > max_items:
        raise errors.batch_too_large(max_items)
    if not items:
        raise errors.missing("BatchItemRequest")
    if request_id is not None:
        # ref §6: with a requestid each bId must be <= 10 characters (python-quickbooks sends
        # 36-character uuids without a requestid, which QBO accepts).
        for item in items:
            bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
            if len(bid) > MAX_BID_WITH_REQUEST_ID:
                raise errors.bad_length("bId", MAX_BID_WITH_REQUEST_ID, len(bid))


def run(company: Company, items: list[Any], now: datetime, allow_duplicate_doc: bool) -> dict[str, Any]:
    responses: list[dict[str, Any]] = []
    company.hidden.clear()
    try:
        for item in items:
            responses.append(_one(company, item, now, allow_duplicate_doc))
    finally:
        company.hidden.clear()
    return {"BatchItemResponse": responses}


def _one(company: Company, item: Any, now: datetime, allow_duplicate_doc: bool) -> dict[str, Any]:
    bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
    out: dict[str, Any] = {"bId": bid}
    try:
        if not isinstance(item, dict):
            raise errors.invalid_value("BatchItemRequest", item)
        if "Query" in item:
            out["QueryResponse"] = ops.run_query(company, str(item["Query"]))
            return out
        if "CDCQuery" in item:
            spec = item["CDCQuery"] or {}
            out["CDCResponse"] = [cdc.run(company, str(spec.get("Entities", "")),
                                          str(spec.get("ChangedSince", "")), now)]
            return out
        entity = next((key for key in item if key in ENTITIES), None)
        if entity is None:
            raise errors.missing("BatchItemRequest entity")
        operation = str(item.get("operation") or "create")
        if operation not in ("create", "update", "delete", "void"):
            raise errors.unsupported_operation(f"Operation {operation} is not supported by the sandbox")
        if operation == "update" and str(item.get("optionsData", "")).lower() == "void":
            operation = "void"  # ref §6: optionsData "void" + update voids
        body = item[entity]
        if operation == "create" and isinstance(body, dict) and body.get("Id"):
            raise errors.invalid_value("Id", body.get("Id"))
        if operation == "update" and isinstance(body, dict) and not body.get("Id"):
            raise errors.missing("Id")
        result = ops.write(company, entity, body, None if operation in ("create", "update") else operation,
                           now, allow_duplicate_doc)
        if operation == "create":
            company.hidden.add((entity, str(result["Id"])))
        out[entity] = result
    except errors.QboError as exc:
        out = {"bId": bid, "Fault": exc.fault()}
    return out
