"""The read-only books page of a Xero sandbox organisation, and the list of organisations.

Every record has an anchor (`#contact-<ContactID>`, `#invoice-<InvoiceID>`, `#payment-<PaymentID>`):
Fieldbook's links to a record in the local ledger point there. A ledger user's changes (void,
payment, archive, merge) are control calls (`/control/xero/...`), not forms here. Every value
from the store is user data and goes through html.escape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldbook.sandbox.common.html import doc as _doc
from fieldbook.sandbox.common.html import e as _e
from fieldbook.sandbox.common.html import index_page
from fieldbook.sandbox.common.html import money as _money
from fieldbook.sandbox.common.http import Request, Response

if TYPE_CHECKING:
    from fieldbook.sandbox.xero.api import XeroApp

PREFIX = "/xero"
def books_url(tenant_id: str) -> str:
    return f"{PREFIX}/books/{tenant_id}"


def handle(app: XeroApp, req: Request, sub: str) -> Response:
    if req.method != "GET":
        return Response.html(_doc("Read-only", "<p>The Xero books page is read-only.</p>"), 405)
    if sub in ("/", ""):
        return Response.html(index_page("Xero sandbox organisations", "Xero sandbox", app.companies(), books_url,
                                        "tenant"))
    tenant = sub[len("/books/"):].strip("/")
    org = app.org(tenant)
    if org is None:
        return Response.html(_doc("Not found", f"<p>No organisation {_e(tenant)}.</p>"), 404)
    return Response.html(books_page(org))


def books_page(org: dict[str, Any]) -> str:
    info = org["organisation"]
    parts = [f"<h1>{_e(org['name'])}</h1>",
             f'<p class="muted">Xero sandbox, tenant {_e(org["tenant_id"])}, {_e(info["CountryCode"])}, '
             f"{_e(info['BaseCurrency'])}</p>", '<p><a href="/">All sandboxes</a></p>',
             _contacts(org), _invoices(org), _payments(org)]
    return _doc(f"{org['name']} — books", "".join(parts))


def _contacts(org: dict[str, Any]) -> str:
    names = {cid: c.get("Name") for cid, c in org["contacts"].items()}
    rows = "".join(
        f'<tr id="contact-{_e(c["ContactID"])}"><td>{_e(c.get("Name"))}</td><td>{_e(c.get("ContactNumber"))}</td>'
        f"<td>{_e(c.get('EmailAddress'))}</td><td>{_e(c['ContactStatus'])}</td><td>"
        + (f'merged into <a href="#contact-{_e(c["MergedToContactID"])}">{_e(names.get(c["MergedToContactID"]))}</a>'
           if c.get("MergedToContactID") else "") + "</td></tr>"
        for c in org["contacts"].values())
    return ("<h2>Contacts</h2><table><tr><th>Name</th><th>Contact number</th><th>Email</th><th>Status</th>"
            f"<th></th></tr>{rows}</table>")


def _invoices(org: dict[str, Any]) -> str:
    out = ["<h2>Invoices</h2>"]
    for inv in org["invoices"].values():
        contact = org["contacts"].get(inv["Contact"]["ContactID"], {})
        lines = "".join(
            f"<tr><td>{_e(line.get('Description'))}</td><td class=n>{_e(line.get('Quantity'))}</td>"
            f"<td class=n>{_e(line.get('UnitAmount'))}</td><td>{_e(line.get('TaxType'))}</td>"
            f"<td class=n>{_money(line.get('TaxAmount'))}</td><td class=n>{_money(line.get('LineAmount'))}</td></tr>"
            for line in inv["LineItems"])
        out.append(
            f'<section id="invoice-{_e(inv["InvoiceID"])}"><h3>Invoice {_e(inv["InvoiceNumber"])} '
            f"<small class=muted>{_e(inv['Status'])}, {_e(inv['LineAmountTypes'])}</small></h3>"
            f'<p><a href="#contact-{_e(contact.get("ContactID"))}">{_e(contact.get("Name"))}</a> — date '
            f"{_e(inv.get('Date'))}, due {_e(inv.get('DueDate'))}. Reference {_e(inv.get('Reference'))}</p>"
            "<table><tr><th>Description</th><th>Qty</th><th>Unit amount</th><th>Tax type</th><th>Tax</th>"
            f"<th>Amount</th></tr>{lines}"
            f"<tr><th colspan=5>Subtotal</th><td class=n>{_money(inv['SubTotal'])}</td></tr>"
            f"<tr><th colspan=5>Tax</th><td class=n>{_money(inv['TotalTax'])}</td></tr>"
            f"<tr><th colspan=5>Total</th><td class=n>{_money(inv['Total'])}</td></tr>"
            f"<tr><th colspan=5>Amount due</th><td class=n>{_money(inv['AmountDue'])}</td></tr></table></section>")
    return "".join(out)


def _payments(org: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr id="payment-{_e(p["PaymentID"])}"><td>{_e(p["Date"])}</td>'
        f'<td><a href="#invoice-{_e(p["_invoice"])}">'
        f"{_e(org['invoices'].get(p['_invoice'], {}).get('InvoiceNumber'))}</a></td>"
        f"<td class=n>{_money(p['Amount'])}</td></tr>" for p in org["payments"].values())
    return f"<h2>Payments</h2><table><tr><th>Date</th><th>Invoice</th><th>Amount</th></tr>{rows}</table>"
