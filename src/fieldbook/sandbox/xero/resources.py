"""The accounting endpoints behind `/api.xro/2.0/`: reads with Xero's filters and paging, and
batch writes with `summarizeErrors` (ref §4, §5).

summarizeErrors=false: 200, every element in order with `StatusAttributeString` OK or ERROR.
Otherwise (the effective default, ref §4): one failed element makes the answer a 400
ValidationException listing the failures only, while the valid elements are stored all the same
and their ids are not returned.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common.http import Request, Response
from fieldbook.sandbox.xero import contacts, invoices, payments, query
from fieldbook.sandbox.xero.errors import ZERO_ID, Invalid, bad_request, no_data, not_found, validation_exception
from fieldbook.sandbox.xero.timefmt import envelope_time, ms_date, ms_datetime, parse_date, parse_since

PROVIDER = "Fieldbook sandbox app"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
ID_KEYS = {"Contacts": "ContactID", "Invoices": "InvoiceID", "Payments": "PaymentID"}
ERROR_FLAGS = {"Contacts": "HasValidationErrors", "Invoices": "HasErrors", "Payments": "HasValidationErrors"}


def envelope(plural: str, rows: list[dict[str, Any]], now: datetime,
             pagination: dict[str, int] | None = None) -> Response:
    body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": PROVIDER,
                            "DateTimeUTC": envelope_time(now)}
    if pagination is not None:
        body["pagination"] = pagination
    body[plural] = rows
    return Response.json(body)


def unitdp(req: Request) -> int:
    return 4 if req.arg("unitdp") == "4" else 2


def _flag(req: Request, name: str) -> bool:
    return (req.arg(name) or "").lower() == "true"


def _elements(req: Request, plural: str) -> list[Any]:
    try:
        body = req.json()
    except ValueError:
        raise bad_request("The request body is not valid JSON (the sandbox reads JSON bodies only)") from None
    if isinstance(body, dict) and plural in body:
        elements = body[plural]
    elif isinstance(body, dict) and body:
        elements = [body]  # a single element without its wrapper
    else:
        elements = None
    if not isinstance(elements, list) or not elements:
        raise no_data()
    return elements


def write_batch(req: Request, plural: str, now: datetime, write_one: Callable[[Any], dict[str, Any]],
                render_one: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
    elements = _elements(req, plural)
    summarize = (req.arg("summarizeErrors") or "true").lower() != "false"
    flag = ERROR_FLAGS[plural]
    results: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for element in elements:
        try:
            stored = write_one(element)
        except Invalid as exc:
            echo = _echo(element)
            echo.update({"StatusAttributeString": "ERROR", flag: True,
                         "ValidationErrors": [{"Message": m} for m in exc.messages]})
            results.append(echo)
            failures.append(echo)
            continue
        results.append({**render_one(stored), "StatusAttributeString": "OK", flag: False})
    if failures and summarize:
        return validation_exception([{ID_KEYS[plural]: ZERO_ID, **f} if ID_KEYS[plural] not in f else f
                                     for f in failures])
    return envelope(plural, results, now)


def _echo(element: Any) -> dict[str, Any]:
    """A failed element as Xero returns it: the input read back, its dates in Xero's format."""
    echo = dict(element) if isinstance(element, dict) else {}
    for key in ("Date", "DueDate"):
        with contextlib.suppress(KeyError, ValueError):
            echo[key] = ms_date(parse_date(echo[key]))
    return echo


def _page(req: Request, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    page_text = req.arg("page")
    if page_text is None:
        return rows, None
    try:
        page = int(page_text)
        size = min(int(req.arg("pageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    except ValueError:
        raise bad_request("page and pageSize must be whole numbers") from None
    if page < 1 or size < 1:
        raise bad_request("page and pageSize start at 1")
    count = len(rows)
    pages = (count + size - 1) // size
    return rows[(page - 1) * size: page * size], {"page": page, "pageSize": size, "pageCount": pages,
                                                  "itemCount": count}


def _since(req: Request) -> datetime | None:
    header = req.headers.get("if-modified-since")
    if not header:
        return None
    try:
        return parse_since(header)
    except ValueError:
        raise bad_request(f"If-Modified-Since is not a date-time: {header}") from None


def _common(req: Request, stored: list[dict[str, Any]], id_key: str, search: tuple[str, ...],
            render_one: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {i.strip().lower() for i in (req.arg("IDs") or req.arg("ids") or "").split(",") if i.strip()}
    since = _since(req)
    rows = [s for s in stored if (not ids or s[id_key].lower() in ids) and (since is None or s["_updated"] > since)]
    term = (req.arg("searchTerm") or "").casefold()
    if term:
        rows = [s for s in rows if any(term in str(s.get(k) or "").casefold() for k in search)]
    rendered = [render_one(s) for s in rows]
    predicate = query.where(req.arg("where"))
    if predicate is not None:
        rendered = [r for r in rendered if predicate(r)]
    return query.order(rendered, req.arg("order"))


def get_contacts(req: Request, org: dict[str, Any], key: str | None, now: datetime) -> Response:
    if key:
        found = org["contacts"].get(key) or contacts.find_by_number(org, key)
        if found is None:
            raise not_found()
        return envelope("Contacts", [contacts.render(found, full=True)], now)
    stored = list(org["contacts"].values())
    if not _flag(req, "includeArchived"):
        stored = [c for c in stored if c["ContactStatus"] == "ACTIVE"]
    paged = req.arg("page") is not None
    rows = _common(req, stored, "ContactID", ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
                   lambda c: contacts.render(c, full=paged))
    rows, pagination = _page(req, rows)
    return envelope("Contacts", rows, now, pagination)


def get_invoices(req: Request, org: dict[str, Any], key: str | None, now: datetime) -> Response:
    dp = unitdp(req)
    if key:
        found = org["invoices"].get(key) or next((i for i in org["invoices"].values()
                                                  if i["InvoiceNumber"] == key), None)
        if found is None:
            raise not_found()
        return envelope("Invoices", [invoices.render(org, found, dp, with_lines=True)], now)
    stored = list(org["invoices"].values())
    for param, field in (("InvoiceNumbers", "InvoiceNumber"), ("Statuses", "Status")):
        wanted = {v.strip() for v in (req.arg(param) or "").split(",") if v.strip()}
        if wanted:
            stored = [i for i in stored if i[field] in wanted]
    contact_ids = {v.strip().lower() for v in (req.arg("ContactIDs") or "").split(",") if v.strip()}
    if contact_ids:
        stored = [i for i in stored if i["Contact"]["ContactID"].lower() in contact_ids]
    paged = req.arg("page") is not None
    # ref §5: paged GETs carry the lines, unpaged multi-invoice GETs do not.
    rows = _common(req, stored, "InvoiceID", ("InvoiceNumber", "Reference"),
                   lambda i: invoices.render(org, i, dp, with_lines=paged))
    rows, pagination = _page(req, rows)
    return envelope("Invoices", rows, now, pagination)


def get_payments(req: Request, org: dict[str, Any], key: str | None, now: datetime) -> Response:
    stored = list(org["payments"].values())
    if key:
        stored = [p for p in stored if p["PaymentID"] == key]
        if not stored:
            raise not_found()
        return envelope("Payments", [payments.render(org, stored[0])], now)
    rows = _common(req, stored, "PaymentID", ("Reference",), lambda p: payments.render(org, p))
    rows, pagination = _page(req, rows)
    return envelope("Payments", rows, now, pagination)


def get_settings(req: Request, org: dict[str, Any], resource: str, now: datetime) -> Response:
    """Organisation, TaxRates, Accounts, Items: read-only here."""
    def plain(row: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if not k.startswith("_")}
        if "_updated" in row:
            out["UpdatedDateUTC"] = ms_datetime(row["_updated"])
        if "_created" in row:
            out["CreatedDateUTC"] = ms_datetime(row["_created"])
        return out

    table: dict[str, tuple[str, list[dict[str, Any]]]] = {
        "organisation": ("Organisations", [org["organisation"]]), "taxrates": ("TaxRates", org["tax_rates"]),
        "accounts": ("Accounts", org["accounts"]), "items": ("Items", list(org["items"].values()))}
    plural, stored = table[resource]
    rows = [plain(r) for r in stored]
    predicate = query.where(req.arg("where"))
    if predicate is not None:
        rows = [r for r in rows if predicate(r)]
    body = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": PROVIDER, "DateTimeUTC": envelope_time(now),
            plural: query.order(rows, req.arg("order"))}
    return Response.json(body)
