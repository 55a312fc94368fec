"""A person does Foundation 2 in a real browser: customer, job, close, Set Flags, service invoices;
and a user of another organisation cannot open any of it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fieldbook.contracts.models import ServiceInvoice
from fieldbook.jobs.models import Job
from tests.web.isolation.catalogue import tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"  # the personas' password (tests/conftest.py)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("main h1")).not_to_have_text("Sign in")


def test_job_to_service_invoice_and_isolation(live_server, new_page, org_a, alice, carol):  # type: ignore[no-untyped-def]
    tax_codes(org_a)  # reference data: UK VAT with 20 % as the default
    base = live_server.url
    page = new_page()
    sign_in(page, base, "alice")

    # A customer with a non-ASCII name.
    page.goto(f"{base}/customers/new/")
    page.fill("#id_account_ref", "ZOE-01")
    page.fill("#id_name", "Zoë Ó Súilleabháin")
    page.click("button.primary")
    expect(page.locator("h1")).to_contain_text("Zoë Ó Súilleabháin")

    # A job for it, from the customer's page, with one line priced at the default 20 %.
    page.click("text=New job")
    page.fill("#id_description", "Annual boiler service")
    page.fill("#id_lines-0-description", "Engineer labour")
    page.fill("#id_lines-0-quantity", "2")
    page.fill("#id_lines-0-unit_price", "65")
    page.click("button.primary")
    expect(page.locator("h1")).to_contain_text("Job J1001")
    expect(page.locator("[data-total=total]")).to_have_text("156.00")

    # Close it: both flags are set by the organisation's preference.
    page.click("text=Close job")
    expect(page.locator(".messages")).to_contain_text("Job J1001 closed.")
    job = Job.objects.get(organisation=org_a, number="J1001")
    assert job.status == "closed" and job.ready_for_invoice and job.transfer_to_accounts

    # Closed Jobs: untick both with Set Flags, then tick them again.
    page.click("nav >> text=Closed Jobs")
    page.check("input[aria-label='Select J1001']")
    page.click("button[name=set_flags]")
    expect(page.locator(".messages")).to_contain_text("Set Flags on 1 job(s): Ready for Invoice off")
    page.check("input[aria-label='Select J1001']")
    page.check("#id_ready_for_invoice")
    page.check("#id_transfer_to_accounts")
    page.click("button[name=set_flags]")
    expect(page.locator(".messages")).to_contain_text("Ready for Invoice on, Transfer to Accounts on")
    job.refresh_from_db()
    assert job.ready_for_invoice and job.transfer_to_accounts and job.version == 4

    # A monthly service contract anchored on 31 January, then its invoice for February.
    customer_url = f"{base}/customers/{job.customer_id}/"
    page.goto(customer_url)
    page.click("text=New service contract")
    page.fill("#id_description", "Boiler cover — gold")
    page.fill("#id_start_date", "2026-01-31")
    page.fill("#id_lines-0-description", "Monthly boiler cover")
    page.fill("#id_lines-0-unit_price", "24.99")
    page.click("button.primary")
    expect(page.locator(".messages")).to_contain_text("Service contract Boiler cover — gold created.")
    page.click("nav >> text=Service Invoices")
    page.fill("#id_period_from", "2026-02-01")
    page.fill("#id_period_to", "2026-02-28")
    page.click("text=Show")
    page.click("text=Generate invoices for this period")
    expect(page.locator(".messages")).to_contain_text("Generated 1 service invoice(s) (S0001 to S0001)")
    expect(page.locator("table")).to_contain_text("28 Feb 2026")
    invoice = ServiceInvoice.objects.get(organisation=org_a)
    assert invoice.number == "S0001" and invoice.ready_for_invoice and invoice.transfer_to_accounts

    # On a phone the Closed Jobs page does not scroll sideways (its table scrolls inside its card).
    phone = new_page(width=390, height=844)
    sign_in(phone, base, "alice")
    phone.goto(f"{base}/jobs/closed/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Carol (organisation B) cannot open any of it, nor see it listed.
    other = new_page()
    sign_in(other, base, "carol")
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/edit/", f"/contracts/invoices/{invoice.pk}/",
                f"/contracts/{invoice.contract_id}/", f"/customers/{job.customer_id}/"):  # fmt: skip
        response = other.goto(base + url)
        assert response is not None and response.status == 404, url
    other.goto(f"{base}/jobs/closed/")
    expect(other.locator("table")).not_to_contain_text("J1001")
    other.goto(f"{base}/contracts/invoices/?period_from=2026-02-01&period_to=2026-02-28")
    expect(other.locator("table")).not_to_contain_text(re.compile("S0001|Zoë"))
