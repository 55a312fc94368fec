"""Issue 11 "Pages" and "Flags": what Closed Jobs, Service Invoices, the customer form and the
home page show (the browser side is tests/browser/test_pages.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from fieldbook.contracts.billing import generate_invoices
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.customers.models import Customer
from fieldbook.customers.views import next_account_ref
from fieldbook.integration.models import Connection, ExternalLink
from tests.web.isolation.catalogue import make_contract, make_customer, make_job

pytestmark = pytest.mark.django_db


def linked(org, number: str, ledger_id: str, ledger_number: str = "") -> Connection:  # type: ignore[no-untyped-def]
    connection, _ = Connection.objects.get_or_create(
        organisation=org, ledger="quickbooks",
        defaults={"environment": "local", "local_url": "http://sandbox.test", "company_id": "9130"},
    )  # fmt: skip
    ExternalLink.objects.create(connection=connection, kind="invoice", local_number=number, ledger_id=ledger_id,
                                ledger_number=ledger_number)  # fmt: skip
    return connection


def row_of(html: str, number: str) -> str:
    return html.split(f'data-number="{number}"', 1)[1].split("</tr>", 1)[0]


def test_closed_jobs_show_where_each_job_is_in_the_ledger(client_a, org_a, org_b):  # type: ignore[no-untyped-def]
    sent = make_job(org_a, closed=True, flagged=False)
    waiting = make_job(org_a, closed=True, flagged=True)
    linked(org_a, sent.number, "146", sent.number)
    # Another organisation's link for the same number never shows here.
    linked(org_b, waiting.number, "999", "999")
    html = client_a.get(reverse("jobs:closed")).content.decode()
    assert "<th>In the ledger</th>" in html and 'data-select-all="selected"' in html
    row = row_of(html, sent.number)
    assert 'href="http://sandbox.test/quickbooks/books/9130#invoice-146"' in row
    assert f"QuickBooks Online · {sent.number}</a>" in row
    assert "Not in a ledger" in row_of(html, waiting.number) and "999" not in html


def test_service_invoices_show_where_each_invoice_is_in_the_ledger(client_a, org_a):  # type: ignore[no-untyped-def]
    make_contract(org_a, make_customer(org_a, "CARE", "Heulwen Care Home"), start=date(2026, 1, 31))
    generate_invoices(org_a, date(2026, 2, 1), date(2026, 3, 31))
    first, second = ServiceInvoice.objects.filter(organisation=org_a).order_by("number")
    linked(org_a, first.number, "212", "S-212")
    html = client_a.get(reverse("contracts:invoices"), {"period_from": "2026-02-01", "period_to": "2026-03-31"}
                        ).content.decode()  # fmt: skip
    assert "<th>In the ledger</th>" in html and 'data-select-all="selected"' in html
    assert 'books/9130#invoice-212"' in row_of(html, first.number) and "· S-212</a>" in row_of(html, first.number)
    assert "Not in a ledger" in row_of(html, second.number)


@pytest.mark.parametrize(("refs", "expected"), [
    ([], "C00001"),
    (["C00001", "C00040", "C00007"], "C00041"),
    (["C00001", "C00002", "L00009", "ACME"], "C00003"),  # most references' prefix, not the latest
    (["JOB-9", "JOB-10", "job-11"], "JOB-12"),  # taken ignoring case, as the form checks
    (["7", "08"], "09"),
])  # fmt: skip
def test_next_account_ref(refs: list[str], expected: str) -> None:
    assert next_account_ref(refs) == expected


def test_new_customer_form_suggests_the_next_reference_and_it_can_be_changed(client_a, org_a, org_b):  # type: ignore[no-untyped-def]
    for n in (1, 2, 40):
        Customer.objects.create(organisation=org_a, account_ref=f"C{n:05d}", name=f"Customer {n}")
    Customer.objects.create(organisation=org_b, account_ref="C00099", name="Not ours")
    form = client_a.get(reverse("customers:create")).content.decode()
    assert 'name="account_ref" value="C00041"' in form
    assert "Suggested: the next in your numbering. Change it if you like." in form
    response = client_a.post(reverse("customers:create"), {"account_ref": "EVANS-DENT", "name": "Evans Dental",
                                                           "country": "GB", "integrate": "on", "active": "on"})
    assert response.status_code == 302
    assert Customer.objects.filter(organisation=org_a, account_ref="EVANS-DENT").exists()


def test_over_long_input_is_refused_with_the_limit_named_never_cut(client_a, org_a):  # type: ignore[no-untyped-def]
    form = client_a.get(reverse("customers:create")).content.decode()
    # No maxlength: a browser would silently cut a longer paste to it.
    assert "maxlength" not in form
    response = client_a.post(reverse("customers:create"), {"account_ref": "LONG-1", "name": "N" * 250})
    assert response.status_code == 200
    assert "at most 200 characters (it has 250)" in response.content.decode()
    assert not Customer.objects.filter(account_ref="LONG-1").exists()


def test_home_page_links_the_integration_menu(client_a):  # type: ignore[no-untyped-def]
    html = client_a.get("/").content.decode()
    main = html.split("<main>", 1)[1]
    assert f'href="{reverse("integration:index")}"' in main
