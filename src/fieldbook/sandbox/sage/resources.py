"""The `/v3.1/` resources: one function per path and method, each returning (status, body).

Called by api.py with the business already chosen (X-Business) and the call already metered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common import jsonutil
from fieldbook.sandbox.common.http import Request
from fieldbook.sandbox.sage import contacts, errors, invoices, listing, payments
from fieldbook.sandbox.sage.contacts import CONTACT_TYPES
from fieldbook.sandbox.sage.model import Business, iso, ref

Result = tuple[int, Any]
STATIC = {"contact_types": CONTACT_TYPES, "artefact_statuses": invoices.STATUSES}
WRAPPERS = {"contacts": "contact", "sales_invoices": "sales_invoice", "contact_payments": "contact_payment"}
VISIBLE_IN = ("banking", "sales", "expenses", "other_payments", "other_receipts", "journals", "reporting")


def plain(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """A seeded lookup record as shown: private keys dropped, times ISO, its $path."""
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    out["$path"] = f"/{kind}/{record['id']}"
    for key in ("created_at", "updated_at", "deleted_at"):
        if key in out:
            out[key] = iso(out[key])
    if kind == "currencies":  # spec: /currencies returns Base only
        return {k: out[k] for k in listing.STUB_KEYS}
    order = ["id", "displayed_as", "$path"]
    return {**{k: out[k] for k in order}, **{k: v for k, v in out.items() if k not in order}}


def renderer(business: Business, kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if kind == "contacts":
        return lambda r: contacts.render(business, r)
    if kind == "sales_invoices":
        return lambda r: invoices.render(business, r)
    if kind == "contact_payments":
        return lambda r: payments.render(business, r)
    return lambda r: plain(kind, r)


def resource_body(req: Request, kind: str) -> dict[str, Any]:
    wrapper = WRAPPERS[kind]
    try:
        payload = req.json()
    except ValueError:
        raise errors.invalid("", "The request body is not valid JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get(wrapper), dict):
        raise errors.invalid(wrapper, f"The body must be an object {{\"{wrapper}\": {{...}}}}")
    extra = sorted(set(payload) - {wrapper})
    if extra:
        raise errors.SageError([errors.Problem("UnexpectedAttribute", f"{k} is not a known attribute", k)
                                for k in extra])
    body: dict[str, Any] = payload[wrapper]
    return body


def _filters(req: Request, kind: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = records
    search = (req.arg("search") or "").casefold()
    if kind == "contacts":
        if req.arg("contact_type_id"):
            out = [r for r in out if req.arg("contact_type_id") in r["_types"]]
        if search:
            out = [r for r in out if search in str(r["name"]).casefold()
                   or search in str(r.get("reference") or "").casefold()]
        if req.arg("email"):
            email = str(req.arg("email")).casefold()
            out = [r for r in out if str((r.get("main_contact_person") or {}).get("email") or "").casefold() == email]
    if kind in ("sales_invoices", "contact_payments"):
        if req.arg("contact_id"):
            out = [r for r in out if r["contact_id"] == req.arg("contact_id")]
        if req.arg("from_date"):
            out = [r for r in out if r["date"] >= str(req.arg("from_date"))]
        if req.arg("to_date"):
            out = [r for r in out if r["date"] <= str(req.arg("to_date"))]
    if kind == "sales_invoices":
        if req.arg("status_id"):
            out = [r for r in out if r["status_id"] == req.arg("status_id")]
        if search:
            out = [r for r in out if search in str(r.get("reference") or "").casefold()
                   or search in str(r["contact_name"]).casefold()]
    if kind == "ledger_accounts":
        where = req.arg("visible_in")
        if where:
            if where not in VISIBLE_IN:
                raise errors.invalid("visible_in", f"visible_in must be one of {', '.join(VISIBLE_IN)}")
            out = [r for r in out if r.get(f"visible_in_{where}")]
        if search:
            out = [r for r in out if search in str(r["name"]).casefold() or search in str(r["nominal_code"])]
    return _sorted(req, kind, out)


def _sorted(req: Request, kind: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sort = req.arg("sort")
    if not sort or kind not in ("sales_invoices", "contact_payments"):
        return records
    field, _, direction = sort.partition(":")
    allowed = ("created_at", "updated_at", "date", "due_date") if kind == "sales_invoices" else \
        ("created_at", "updated_at", "date")
    if field not in allowed or direction not in ("", "asc", "desc"):
        raise errors.invalid("sort", f"sort must be one of {', '.join(allowed)}, optionally with :desc")
    return sorted(records, key=lambda r: r[field], reverse=direction == "desc")


def _listed(kind: str) -> Callable[[dict[str, Any]], bool]:
    if kind == "sales_invoices":
        return lambda r: True  # void invoices stay in the list, status VOID
    return lambda r: r.get("deleted_at") is None


def list_of(req: Request, business: Business, kind: str) -> Result:
    if kind in STATIC:
        records = [{"id": key, "displayed_as": name, "updated_at": business.tree["created_at"], "_seq": n}
                   for n, (key, name) in enumerate(STATIC[kind].items())]
        chosen = listing.select(req, records, lambda r: True)
        return 200, listing.envelope(req, f"/{kind}", chosen,
                                     lambda r: ref(kind, r["id"], r["displayed_as"]))
    chosen = listing.select(req, business.table(kind).values(), _listed(kind))
    return 200, listing.envelope(req, f"/{kind}", _filters(req, kind, chosen), renderer(business, kind))


def _find(business: Business, kind: str, key: str) -> dict[str, Any]:
    record = business.get(kind, key)
    if record is None or (kind != "sales_invoices" and record.get("deleted_at") is not None):
        raise errors.not_found(WRAPPERS.get(kind, kind.rstrip("s")), key)
    return record


def one(req: Request, business: Business, kind: str, key: str) -> Result:
    if kind in STATIC:
        if key not in STATIC[kind]:
            raise errors.not_found(kind, key)
        return 200, ref(kind, key, STATIC[kind][key])
    return 200, renderer(business, kind)(_find(business, kind, key))


def create(req: Request, business: Business, kind: str, body: dict[str, Any], now: datetime) -> Result:
    body = {k: v for k, v in body.items() if k != "idempotency_id"}
    maker = {"contacts": contacts.create, "sales_invoices": invoices.create, "contact_payments": payments.create}
    record = maker[kind](business, body, now)
    return 201, renderer(business, kind)(record)


def update(req: Request, business: Business, kind: str, key: str, now: datetime) -> Result:
    record = _find(business, kind, key)
    body = resource_body(req, kind)
    if kind == "contacts":
        contacts.update(business, record, body, now)
    elif kind == "sales_invoices":
        invoices.update(business, record, body, now)
    else:
        raise errors.error("MethodNotAllowed", "PUT is not supported here", "", status=405)
    return 200, renderer(business, kind)(record)


def delete(req: Request, business: Business, kind: str, key: str, now: datetime) -> Result:
    record = _find(business, kind, key)
    if kind == "contacts":
        contacts.delete(business, record, now)
        return 204, None
    if kind == "sales_invoices":
        # ref §5: DELETE voids the invoice and answers 200 with it.
        invoices.void(business, record, req.arg("void_reason"), now)
        return 200, invoices.render(business, record)
    raise errors.error("MethodNotAllowed", "DELETE is not supported here", "", status=405)


def fingerprint_body(req: Request) -> str:
    """What an idempotent replay must match: the path and the JSON body, key order ignored."""
    try:
        payload = req.json()
    except ValueError:
        payload = req.body.decode("utf-8", "replace")
    return f"{req.path}\n{jsonutil.state_dumps(payload)}"
