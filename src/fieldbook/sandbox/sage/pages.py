"""Read-only HTML pages of a Sage sandbox business's books (DESIGN "Sandboxes").

Every record has an anchor (`#contact-<id>`, `#invoice-<id>`, `#payment-<id>`): Fieldbook's
links to a record in the local ledger point there. Changing the books is done through the
control calls (void_invoice, record_payment), not here. Every value from the store is user data
and goes through html.escape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldbook.sandbox.common.html import doc as _doc
from fieldbook.sandbox.common.html import e as _e
from fieldbook.sandbox.common.html import index_page
from fieldbook.sandbox.common.html import money as _money
from fieldbook.sandbox.common.http import Response
from fieldbook.sandbox.sage import contacts, invoices
from fieldbook.sandbox.sage.model import Business

if TYPE_CHECKING:
    from fieldbook.sandbox.sage.api import SageApp

PREFIX = "/sage"
def books_url(business_id: str) -> str:
    return f"{PREFIX}/books/{business_id}"


def handle(app: SageApp, sub: str) -> Response:
    if sub in ("/", ""):
        return Response.html(index_page("Sage sandbox businesses", "Sage Accounting sandbox", app.companies(),
                                        books_url, "business"))
    parts = [p for p in sub.split("/") if p]
    business = app.business(parts[1]) if len(parts) == 2 else None
    if business is None:
        return Response.html(_doc("Not found", "<h1>Not found</h1><p>No such business.</p>"), 404)
    return Response.html(books_page(business))


def books_page(business: Business) -> str:
    currency = business.tree["currency"]
    parts = [f"<h1>{_e(business.name)}</h1>",
             f'<p class="muted">Sage Accounting sandbox, business {_e(business.id)}, '
             f"{_e(business.tree['country'])}, {_e(currency)}. Read-only: change the books through "
             '<a href="/control">the control endpoint</a>.</p><p><a href="/">All sandboxes</a></p>',
             _contacts(business), _invoices(business), _payments(business)]
    return _doc(f"{business.name} — books", "".join(parts))


def _contacts(business: Business) -> str:
    rows = []
    for c in business.table("contacts").values():
        state = "deleted" if c.get("deleted_at") else ""
        person = c.get("main_contact_person") or {}
        address = c.get("main_address") or {}
        rows.append(
            f'<tr id="contact-{_e(c["id"])}"><td>{_e(c.get("reference"))}</td><td>{_e(c["name"])}</td>'
            f"<td>{_e(', '.join(c['_types']))}</td><td>{_e(person.get('name'))} {_e(person.get('email'))}</td>"
            f"<td>{_e(', '.join(str(address[k]) for k in ('address_line_1', 'city', 'postal_code') if address.get(k)))}"
            f"</td><td class=n>{_money(contacts.balance(business, c['id']))}</td><td>{state}</td></tr>")
    return ("<h2>Contacts</h2><table><tr><th>Reference</th><th>Name</th><th>Type</th><th>Main contact</th>"
            f"<th>Address</th><th>Balance</th><th></th></tr>{''.join(rows)}</table>")


def _invoices(business: Business) -> str:
    out = ["<h2>Sales invoices</h2>"]
    accounts = business.table("ledger_accounts")
    for inv in business.table("sales_invoices").values():
        lines = "".join(
            f"<tr><td>{_e(line['description'])}</td><td>{_e(accounts[line['ledger_account_id']]['nominal_code'])}</td>"
            f"<td class=n>{_e(line['quantity'])}</td><td class=n>{_money(line['unit_price'])}</td>"
            f"<td class=n>{_money(line['net_amount'])}</td><td>{_e(line['tax_rate_id'])}</td>"
            f"<td class=n>{_money(line['tax_amount'])}</td><td class=n>{_money(line['total_amount'])}</td></tr>"
            for line in inv["invoice_lines"])
        void = f" — void: {_e(inv.get('void_reason'))}" if inv["status_id"] == "VOID" else ""
        out.append(
            f'<section id="invoice-{_e(inv["id"])}"><h3>{_e(inv["invoice_number"])} '
            f"<small class=muted>{_e(invoices.STATUSES[inv['status_id']])}{void}</small></h3>"
            f'<p><a href="#contact-{_e(inv["contact_id"])}">{_e(inv["contact_name"])}</a> — reference '
            f"{_e(inv.get('reference'))}, date {_e(inv['date'])}, due {_e(inv['due_date'])}</p>"
            "<table><tr><th>Description</th><th>Ledger</th><th>Qty</th><th>Unit price</th><th>Net</th>"
            f"<th>Tax rate</th><th>Tax</th><th>Total</th></tr>{lines}"
            f"<tr><th colspan=4>Totals</th><td class=n>{_money(inv['net_amount'])}</td><td></td>"
            f"<td class=n>{_money(inv['tax_amount'])}</td><td class=n>{_money(inv['total_amount'])}</td></tr>"
            f"<tr><th colspan=7>Outstanding</th><td class=n>{_money(inv['outstanding_amount'])}</td></tr>"
            "</table></section>")
    return "".join(out)


def _payments(business: Business) -> str:
    invoices_ = business.table("sales_invoices")
    names = business.table("contacts")
    rows = []
    for p in business.table("contact_payments").values():
        links = ", ".join(f'<a href="#invoice-{_e(a["artefact_id"])}">'
                          f'{_e(invoices_[a["artefact_id"]]["invoice_number"])}</a>' for a in p["allocated"])
        rows.append(f'<tr id="payment-{_e(p["id"])}"><td>{_e(p["date"])}</td>'
                    f'<td><a href="#contact-{_e(p["contact_id"])}">{_e(names[p["contact_id"]]["name"])}</a></td>'
                    f"<td>{links}</td><td>{_e(p.get('reference'))}</td>"
                    f"<td class=n>{_money(p['total_amount'])}</td></tr>")
    return ("<h2>Customer receipts</h2><table><tr><th>Date</th><th>Contact</th><th>Invoices</th><th>Reference</th>"
            f"<th>Amount</th></tr>{''.join(rows)}</table>")
