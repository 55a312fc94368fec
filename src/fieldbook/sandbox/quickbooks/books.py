"""The books pages' routes: GET shows them, the forms' POSTs change the books as a QuickBooks user
would (through the control API, hence the same rules as the API: SyncToken, CDC, balances).

    GET  /quickbooks/books/<realm>                          the books
    GET  /quickbooks/books/<realm>/customer/<id>            a customer's change form
    POST /quickbooks/books/<realm>/customers                add a customer
    POST /quickbooks/books/<realm>/customer/<id>            change it (name, email, phone, company, active)
    POST /quickbooks/books/<realm>/invoice/<id>/payment     record a payment (amount)
    POST /quickbooks/books/<realm>/invoice/<id>/void        void the invoice

A POST answers 303 to the books page at the changed record's anchor, or the page again with the
reason (400). A POST whose Origin is another site is refused: a web page elsewhere must not
change the local books behind the user's back.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode, urlsplit

from fieldbook.sandbox.common.http import Request, Response
from fieldbook.sandbox.quickbooks import pages
from fieldbook.sandbox.quickbooks.model import ControlError

if TYPE_CHECKING:
    from fieldbook.sandbox.quickbooks.api import QuickBooksApp
    from fieldbook.sandbox.quickbooks.model import Company

SAVED = {"customer": "Customer {id} saved.", "payment": "Payment {id} recorded.",
         "invoice": "Invoice {id} voided."}


def _not_found(what: str) -> Response:
    return Response.html(f"<!doctype html><title>Not found</title><p>{escape(what)}</p>", 404)


class Control(Protocol):
    """The control calls these pages make (control.QuickBooksControl, which serves them)."""

    app: QuickBooksApp

    def add_customer(self, realm_id: str, display_name: str, email: str | None = None,
                     phone: str | None = None, company_name: str | None = None) -> dict[str, Any]: ...  # fmt: skip

    def change_customer(self, realm_id: str, customer_id: str, display_name: str | None = None,
                        email: str | None = None, phone: str | None = None, company_name: str | None = None,
                        active: bool | None = None) -> dict[str, Any]: ...  # fmt: skip

    def record_payment(self, realm_id: str, invoice_id: str, amount: Decimal | str) -> dict[str, Any]: ...

    def void_invoice(self, realm_id: str, invoice_id: str) -> dict[str, Any]: ...


def handle(control: Control, req: Request, sub: str) -> Response:
    """`sub` is the path after /quickbooks, starting with /books/."""
    parts = [p for p in sub.split("/") if p][1:]
    company = control.app.company(parts[0]) if parts else None
    if company is None:
        return _not_found("No such company.")
    rest = parts[1:]
    if req.method == "GET":
        return _get(company, rest, req)
    if req.method != "POST":
        return Response.html("<!doctype html><title>Method not allowed</title>", 405)
    if not _same_origin(req):
        return Response.html("<!doctype html><title>Forbidden</title><p>Cross-site form refused.</p>", 403)
    return _post(control, company, rest, req.form())


def _get(company: Company, rest: list[str], req: Request) -> Response:
    if not rest:
        return Response.html(pages.books_page(company, notice=_notice(company, req.arg("saved") or "")))
    if len(rest) == 2 and rest[0] == "customer":
        customer = company.get("Customer", rest[1])
        if customer is None:
            return _not_found(f"No customer {rest[1]}.")
        return Response.html(pages.customer_page(company, customer))
    return _not_found("No such page.")


def _notice(company: Company, saved: str) -> str:
    kind, _, object_id = saved.partition("-")
    if kind not in SAVED or not object_id.isdigit():
        return ""
    text = escape(SAVED[kind].format(id=object_id))
    return f'{text} <a href="#{kind}-{escape(object_id)}">Show it</a>'


def _same_origin(req: Request) -> bool:
    origin = req.headers.get("origin")
    if not origin or origin == "null":
        # No Origin: not a browser's cross-site form (curl, tests). "null": a sandboxed or
        # privacy-stripped origin, refused as a browser would be cross-site.
        return origin is None
    return urlsplit(origin).netloc.lower() == req.host.lower()


def _redirect(company: Company, kind: str, object_id: str, anchor: str) -> Response:
    target = f"{pages.books_url(company.realm_id)}?{urlencode({'saved': f'{kind}-{object_id}'})}#{anchor}"
    return Response(303, b"", [("Location", target)])


def _post(control: Control, company: Company, rest: list[str], form: dict[str, str]) -> Response:
    realm = company.realm_id
    try:
        if rest == ["customers"]:
            made = control.add_customer(realm, form.get("display_name", ""), email=form.get("email"),
                                        phone=form.get("phone"), company_name=form.get("company_name"))
            return _redirect(company, "customer", made["Id"], f"customer-{made['Id']}")
        if len(rest) == 2 and rest[0] == "customer":
            return _change_customer(control, company, rest[1], form)
        if len(rest) == 3 and rest[0] == "invoice" and rest[2] == "payment":
            payment = control.record_payment(realm, rest[1], _amount(form.get("amount", "")))
            return _redirect(company, "payment", payment["Id"], f"invoice-{rest[1]}")
        if len(rest) == 3 and rest[0] == "invoice" and rest[2] == "void":
            control.void_invoice(realm, rest[1])
            return _redirect(company, "invoice", rest[1], f"invoice-{rest[1]}")
    except KeyError as exc:
        return _not_found(str(exc.args[0]) if exc.args else "Not found.")
    except ControlError as exc:
        return Response.html(pages.books_page(company, error=str(exc)), 400)
    return _not_found("No such form.")


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ControlError(f"The payment amount {text!r} is not a number.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ControlError(f"The payment amount {text!r} must be positive, in pounds and pence.")
    return amount


def _change_customer(control: Control, company: Company, customer_id: str,
                     form: dict[str, str]) -> Response:
    customer = company.get("Customer", customer_id)
    if customer is None:
        return _not_found(f"No customer {customer_id}.")
    wanted = _changes(customer, form)
    if wanted.get("display_name") == "":
        return Response.html(pages.customer_page(company, customer, error="The display name is required.",
                                                 values=form), 400)
    if not wanted:
        return _redirect(company, "customer", customer_id, f"customer-{customer_id}")
    try:
        control.change_customer(company.realm_id, customer_id, **wanted)
    except ControlError as exc:
        return Response.html(pages.customer_page(company, customer, error=str(exc), values=form), 400)
    return _redirect(company, "customer", customer_id, f"customer-{customer_id}")


def _changes(customer: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """Only what the form changed, so an unchanged save writes nothing."""
    current = {"display_name": str(customer.get("DisplayName", "")),
               "email": str((customer.get("PrimaryEmailAddr") or {}).get("Address", "")),
               "phone": str((customer.get("PrimaryPhone") or {}).get("FreeFormNumber", "")),
               "company_name": str(customer.get("CompanyName", ""))}
    out: dict[str, Any] = {key: form[key].strip() for key in current
                           if key in form and form[key].strip() != current[key]}
    if form.get("active_shown") == "1":
        active = form.get("active") == "on"
        if active != bool(customer.get("Active", True)):
            out["active"] = active
    return out
