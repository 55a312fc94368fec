"""Read-only HTML pages of a QBO sandbox company's books (DESIGN "Sandboxes").

Every value from the store is user data and goes through html.escape.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from fieldbook.sandbox.quickbooks.model import Company

STYLE = ("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;"
         "margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
         "td.n{text-align:right}.muted{color:#888}")


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return _e(value)


def _doc(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def companies_page(companies: list[tuple[str, str]]) -> str:
    rows = "".join(f'<li><a href="/quickbooks/books/{_e(realm)}">{_e(name)}</a> '
                   f'<span class="muted">realm {_e(realm)}</span></li>' for realm, name in companies)
    return _doc("QuickBooks sandbox companies", f"<h1>QuickBooks Online sandbox</h1><ul>{rows}</ul>")


def books_page(company: Company) -> str:
    home = company.preferences["CurrencyPrefs"]["HomeCurrency"]["value"]
    name = company.tree.get("name", "")
    parts = [f"<h1>{_e(name)}</h1>",
             f'<p class="muted">QuickBooks Online sandbox, realm {_e(company.realm_id)}, '
             f"{_e(company.country)}, {_e(home)}</p>", '<p><a href="/">All sandboxes</a></p>']
    parts.append(_customers(company))
    parts.append(_invoices(company))
    parts.append(_payments(company))
    return _doc(f"{name} — books", "".join(parts))


def _customers(company: Company) -> str:
    rows = "".join(
        f"<tr><td>{_e(c['Id'])}</td><td>{_e(c.get('DisplayName'))}</td>"
        f"<td>{_e((c.get('PrimaryEmailAddr') or {}).get('Address'))}</td>"
        f"<td>{'yes' if c.get('Active', True) else 'no'}</td><td class=n>{_money(c.get('Balance', 0))}</td></tr>"
        for c in company.live("Customer"))
    return ("<h2>Customers</h2><table><tr><th>Id</th><th>Name</th><th>Email</th><th>Active</th>"
            f"<th>Balance</th></tr>{rows}</table>")


def _invoices(company: Company) -> str:
    out = ["<h2>Invoices</h2>"]
    for inv in company.table("Invoice").values():
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
        out.append(
            f"<h3>Invoice {_e(inv.get('DocNumber'))} <small class=muted>Id {_e(inv['Id'])}, "
            f"{_e(status)}</small></h3>"
            f"<p>{_e(inv.get('CustomerRef', {}).get('name'))} — date {_e(inv.get('TxnDate'))}, "
            f"due {_e(inv.get('DueDate'))}. {_e(inv.get('PrivateNote'))}</p>"
            "<table><tr><th>#</th><th>Description</th><th>Qty</th><th>Unit price</th><th>Tax code</th>"
            f"<th>Amount</th></tr>{lines}"
            f"<tr><th colspan=5>Tax</th><td class=n>{_money(tax)}</td></tr>"
            f"<tr><th colspan=5>Total</th><td class=n>{_money(inv.get('TotalAmt', 0))}</td></tr>"
            f"<tr><th colspan=5>Balance</th><td class=n>{_money(inv.get('Balance', 0))}</td></tr></table>")
    return "".join(out)


def _payments(company: Company) -> str:
    rows = "".join(
        f"<tr><td>{_e(p['Id'])}</td><td>{_e(p.get('TxnDate'))}</td>"
        f"<td>{_e(p.get('CustomerRef', {}).get('name'))}</td>"
        f"<td>{_e(', '.join(link['TxnId'] for line in p.get('Line', []) for link in line.get('LinkedTxn', [])))}"
        f"</td><td class=n>{_money(p.get('TotalAmt', 0))}</td></tr>"
        for p in company.live("Payment"))
    return ("<h2>Payments</h2><table><tr><th>Id</th><th>Date</th><th>Customer</th><th>Invoices</th>"
            f"<th>Amount</th></tr>{rows}</table>")
