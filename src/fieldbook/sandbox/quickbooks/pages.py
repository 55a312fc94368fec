"""HTML pages of a QBO sandbox company's books (DESIGN "Sandboxes"), with forms that change the
books as a ledger user would: add or change a customer, record a payment, void an invoice (the
POSTs are handled in books.py). Plain forms, no JavaScript.

Every record has an anchor (`#customer-<Id>`, `#invoice-<Id>`, `#payment-<Id>`): Fieldbook's
links to a record in the local ledger point there. Every value from the store is user data and
goes through html.escape.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fieldbook.sandbox.common import html
from fieldbook.sandbox.common.html import e as _e
from fieldbook.sandbox.common.html import money as _money
from fieldbook.sandbox.quickbooks import invoices as invoice_rules
from fieldbook.sandbox.quickbooks.model import Company

PREFIX = "/quickbooks"
# The books forms need more than the read-only pages' style.
STYLE = html.STYLE + ("form.inline{display:inline-block;margin:0 .75rem .5rem 0}"
                      "fieldset{margin:0 0 1rem;max-width:40rem}label{display:block;margin:.25rem 0}"
                      ".notice{background:#e7f6e7;padding:.5rem}.error{background:#fde8e8;padding:.5rem}")


def _doc(title: str, body: str) -> str:
    return html.doc(title, body, STYLE)


def books_url(realm_id: str) -> str:
    return f"{PREFIX}/books/{realm_id}"


def companies_page(companies: list[tuple[str, str]]) -> str:
    return html.index_page("QuickBooks sandbox companies", "QuickBooks Online sandbox", companies, books_url,
                           "realm", STYLE)


def _messages(notice: str = "", error: str = "") -> str:
    out = f'<p class="notice" role="status">{notice}</p>' if notice else ""
    return out + (f'<p class="error" role="alert">{_e(error)}</p>' if error else "")


def books_page(company: Company, notice: str = "", error: str = "") -> str:
    """`notice` is HTML made by books.py; `error` is plain text."""
    home = company.preferences["CurrencyPrefs"]["HomeCurrency"]["value"]
    name = company.tree.get("name", "")
    parts = [f"<h1>{_e(name)}</h1>",
             f'<p class="muted">QuickBooks Online sandbox, realm {_e(company.realm_id)}, '
             f"{_e(company.country)}, {_e(home)}</p>",
             '<p><a href="/">All sandboxes</a> · <a href="#add-customer">Add a customer</a></p>',
             _messages(notice, error)]
    parts.append(_customers(company))
    parts.append(_add_customer_form(company))
    parts.append(_invoices(company))
    parts.append(_payments(company))
    return _doc(f"{name} — books", "".join(parts))


def _customers(company: Company) -> str:
    base = books_url(company.realm_id)
    rows = "".join(
        f'<tr id="customer-{_e(c["Id"])}"><td>{_e(c["Id"])}</td><td>{_e(c.get("DisplayName"))}</td>'
        f"<td>{_e((c.get('PrimaryEmailAddr') or {}).get('Address'))}</td>"
        f"<td>{'yes' if c.get('Active', True) else 'no'}</td><td class=n>{_money(c.get('Balance', 0))}</td>"
        f'<td><a href="{_e(base)}/customer/{_e(c["Id"])}">Change</a></td></tr>'
        for c in company.live("Customer"))
    return ("<h2>Customers</h2><table><tr><th>Id</th><th>Name</th><th>Email</th><th>Active</th>"
            f"<th>Balance</th><th></th></tr>{rows}</table>")


def _field(label: str, name: str, value: Any = "", kind: str = "text", required: bool = False) -> str:
    extra = " required" if required else ""
    return (f'<label>{_e(label)} <input type="{kind}" name="{name}" value="{_e(value)}"{extra}></label>')


def _add_customer_form(company: Company) -> str:
    return (f'<form id="add-customer" method="post" action="{_e(books_url(company.realm_id))}/customers">'
            "<fieldset><legend>Add a customer (as if made in QuickBooks)</legend>"
            + _field("Display name", "display_name", required=True) + _field("Email", "email", kind="email")
            + _field("Phone", "phone") + _field("Company name", "company_name")
            + '<button type="submit">Add customer</button></fieldset></form>')


def customer_page(company: Company, customer: dict[str, Any], error: str = "",
                  values: dict[str, str] | None = None) -> str:
    """The change form of one customer, filled in with its current values (or the refused ones)."""
    current = {"display_name": str(customer.get("DisplayName", "")),
               "email": str((customer.get("PrimaryEmailAddr") or {}).get("Address", "")),
               "phone": str((customer.get("PrimaryPhone") or {}).get("FreeFormNumber", "")),
               "company_name": str(customer.get("CompanyName", "")),
               "active": "on" if customer.get("Active", True) else ""}
    shown = {**current, **(values or {})}
    base = books_url(company.realm_id)
    checked = " checked" if shown.get("active") == "on" else ""
    body = (f'<h1>Change customer {_e(customer.get("DisplayName"))}</h1>'
            f'<p><a href="{_e(base)}#customer-{_e(customer["Id"])}">Back to the books</a></p>'
            + _messages(error=error)
            + f'<form method="post" action="{_e(base)}/customer/{_e(customer["Id"])}"><fieldset>'
            f"<legend>Customer {_e(customer['Id'])}, SyncToken {_e(customer.get('SyncToken'))}</legend>"
            + _field("Display name", "display_name", shown["display_name"], required=True)
            + _field("Email", "email", shown["email"], kind="email") + _field("Phone", "phone", shown["phone"])
            + _field("Company name", "company_name", shown["company_name"])
            + f'<input type="hidden" name="active_shown" value="1"><label><input type="checkbox" name="active"'
            f"{checked}> Active</label>"
            '<button type="submit">Save changes</button></fieldset></form>')
    return _doc(f"Change customer {customer.get('DisplayName', '')}", body)


def _invoice_forms(company: Company, inv: dict[str, Any]) -> str:
    if inv.get("_status") in ("Voided", "Deleted"):
        return ""
    action = f"{books_url(company.realm_id)}/invoice/{inv['Id']}"
    out = []
    balance = Decimal(str(inv.get("Balance", 0)))
    if balance > 0:
        out.append(f'<form class="inline" method="post" action="{_e(action)}/payment">'
                   f'<label>Payment <input name="amount" inputmode="decimal" value="{_e(balance)}" size="10" '
                   'required></label> <button type="submit">Record payment</button></form>')
    if invoice_rules.paid_amount(inv) == 0:
        out.append(f'<form class="inline" method="post" action="{_e(action)}/void">'
                   '<button type="submit">Void invoice</button></form>')
    return "".join(out)


def _invoices(company: Company) -> str:
    out = ["<h2>Invoices</h2>"]
    for inv in company.table("Invoice").values():  # deleted ones too, marked so: links may point there
        status = inv.get("_status") or ("Paid" if Decimal(str(inv.get("Balance", 0))) == 0
                                        and Decimal(str(inv.get("TotalAmt", 0))) > 0 else "Open")
        lines = "".join(
            f"<tr><td>{_e(line.get('LineNum'))}</td><td>{_e(line.get('Description'))}</td>"
            f"<td>{_e((line.get('SalesItemLineDetail') or {}).get('Qty'))}</td>"
            f"<td class=n>{_money((line.get('SalesItemLineDetail') or {}).get('UnitPrice', ''))}</td>"
            f"<td>{_e(((line.get('SalesItemLineDetail') or {}).get('TaxCodeRef') or {}).get('value'))}</td>"
            f"<td class=n>{_money(line.get('Amount', 0))}</td></tr>"
            for line in inv.get("Line", []) if line.get("DetailType") != "SubTotalLineDetail")
        tax = (inv.get("TxnTaxDetail") or {}).get("TotalTax", 0)
        customer = inv.get("CustomerRef", {})
        out.append(
            f'<section id="invoice-{_e(inv["Id"])}">'
            f"<h3>Invoice {_e(inv.get('DocNumber'))} <small class=muted>Id {_e(inv['Id'])}, "
            f"{_e(status)}</small></h3>"
            f'<p><a href="#customer-{_e(customer.get("value"))}">{_e(customer.get("name"))}</a> — date '
            f"{_e(inv.get('TxnDate'))}, due {_e(inv.get('DueDate'))}. {_e(inv.get('PrivateNote'))}</p>"
            "<table><tr><th>#</th><th>Description</th><th>Qty</th><th>Unit price</th><th>Tax code</th>"
            f"<th>Amount</th></tr>{lines}"
            f"<tr><th colspan=5>Tax</th><td class=n>{_money(tax)}</td></tr>"
            f"<tr><th colspan=5>Total</th><td class=n>{_money(inv.get('TotalAmt', 0))}</td></tr>"
            f"<tr><th colspan=5>Balance</th><td class=n>{_money(inv.get('Balance', 0))}</td></tr></table>"
            f"{_invoice_forms(company, inv)}</section>")
    return "".join(out)


def _payments(company: Company) -> str:
    rows = "".join(
        f'<tr id="payment-{_e(p["Id"])}"><td>{_e(p["Id"])}</td><td>{_e(p.get("TxnDate"))}</td>'
        f"<td>{_e(p.get('CustomerRef', {}).get('name'))}</td>"
        f"<td>{_e(', '.join(link['TxnId'] for line in p.get('Line', []) for link in line.get('LinkedTxn', [])))}"
        f"</td><td class=n>{_money(p.get('TotalAmt', 0))}</td></tr>"
        for p in company.live("Payment"))
    return ("<h2>Payments</h2><table><tr><th>Id</th><th>Date</th><th>Customer</th><th>Invoices</th>"
            f"<th>Amount</th></tr>{rows}</table>")
