"""Issue 11 "Pages" and the Closed Jobs / Service Invoices part of "Flags", in a real browser at a
desktop width and at a 390 px phone: Compare, the run page, the history, long names, over-long
input, the account reference suggestion, the home page, select all and the ledger column.

The ledger is the QuickBooks Online sandbox in-process behind the integration's httpx seam (the
live server runs in this process, so it uses the same seam); runs are carried out at once."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fieldbook.contracts.billing import generate_invoices
from fieldbook.customers.models import Customer
from fieldbook.integration.models import ExternalLink, SyncRun
from fieldbook.jobs.models import Job
from tests.browser.test_foundation2 import sign_in
from tests.integration.conftest import clock, connected, immediate_tasks, sandbox  # noqa: F401 (fixtures)
from tests.integration.test_customers_sync import ledger_customer
from tests.web.isolation.catalogue import make_contract, make_customer, make_job, tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


@pytest.fixture
def books(org_a, request):  # type: ignore[no-untyped-def]
    """UK VAT codes in Fieldbook, then connected (the tax mapping is suggested at Connect)."""
    tax_codes(org_a)
    return request.getfixturevalue("connected")


def fits(page: Page, width: int) -> None:
    """The page never scrolls sideways: what the user needs is within the screen."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at a {width} px screen"


def within(locator, width: int) -> None:  # type: ignore[no-untyped-def]
    """The element is across the screen's width, not beyond its right edge."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def open_as_alice(new_page, base: str, width: int) -> Page:  # type: ignore[no-untyped-def]
    page = new_page(width=width, height=900 if width > 700 else 844)
    sign_in(page, base, "alice")
    return page


def start(client, option: str, keys: list[str], direction: str = "up") -> SyncRun:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    response = client.post(reverse("integration:start", args=["quickbooks", option]),
                           {"selected": keys, "direction": direction})  # fmt: skip
    assert response.status_code == 302, response.content
    return SyncRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_shows_money_and_the_ledgers_current_total(live_server, new_page, width, org_a, client_a,  # type: ignore[no-untyped-def]
                                                           books, immediate_tasks):  # noqa: F811
    job = make_job(org_a, make_customer(org_a, "CAFE-1", "Smith Café & Bistro Ltd"),
                   lines=(("1", "1200.00", "VAT20"),), closed=True, flagged=True)  # fmt: skip
    assert start(client_a, "jobs", [job.number]).counts == {"created": 2}
    job.refresh_from_db()
    line = job.lines.get()
    line.unit_price = Decimal("1500.00")
    line.save()
    job.reflag_if_transferred()
    job.save()
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/integration/quickbooks/jobs/?compare=1")
    row = page.locator(f"table.compare tr[data-key='{job.number}']")
    expect(row.locator(".badge")).to_have_text("Update")
    expect(row.locator("table.changes")).to_contain_text("1,800.00")
    expect(row.locator("table.changes")).to_contain_text("1,440.00")
    expect(row.locator("table.changes")).to_contain_text("1 × 1,500.00")  # noqa: RUF001
    expect(row.locator("td.totals .ours")).to_have_text("ours 1,800.00")
    expect(row.locator("td.totals .ledger")).to_have_text("in the ledger 1,440.00")
    within(row.locator("td.totals .ledger"), width)
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_names_a_merges_old_customer_and_no_total_for_a_deleted_invoice(  # type: ignore[no-untyped-def]
        live_server, new_page, width, org_a, client_a, books, sandbox, immediate_tasks):  # noqa: F811
    from fieldbook.customers.merge import merge_customers

    duplicate = make_customer(org_a, "DUP-9", "Pen-y-Bont Plumbing")
    target = make_customer(org_a, "TGT-9", "Pen y Bont Plumbing Ltd")
    moved = make_job(org_a, duplicate, closed=True, flagged=True)
    gone = make_job(org_a, target, lines=(("1", "300.00", "VAT20"),), closed=True, flagged=True)
    assert start(client_a, "jobs", [moved.number, gone.number]).counts == {"created": 4}
    link = ExternalLink.objects.get(kind="invoice", local_number=gone.number)
    sandbox.quickbooks.delete_invoice(sandbox.quickbooks.default_realm, link.ledger_id)
    merge_customers(target, [duplicate])
    Job.objects.filter(pk__in=[moved.pk, gone.pk]).set_flags(True, True)
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/integration/quickbooks/jobs/?compare=1")
    row = page.locator(f"table.compare tr[data-key='{moved.number}']")
    expect(row.locator(".badge")).to_have_text("Update")
    change = row.locator("table.changes tr", has_text="customer number")
    expect(change.locator("td").nth(0)).to_have_text("TGT-9 · Pen y Bont Plumbing Ltd")
    expect(change.locator("td").nth(1)).to_have_text("DUP-9 · Pen-y-Bont Plumbing")
    deleted = page.locator(f"table.compare tr[data-key='{gone.number}']")
    # Flagged again after its ledger copy was deleted: an Add that says so (issue: forcing a re-send).
    expect(deleted.locator(".badge")).to_have_text("Add")
    expect(deleted).to_contain_text("deleted in the ledger, and its flags were set again")
    expect(deleted.locator("td.totals .ours")).to_have_text("ours 360.00")
    expect(deleted.locator("td.totals .ledger")).to_have_count(0)
    within(deleted.locator("td.totals .ours"), width)
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_run_page_and_history_with_failures(live_server, new_page, width, org_a, client_a,  # type: ignore[no-untyped-def]
                                            connected, immediate_tasks):  # noqa: F811
    Customer.objects.create(organisation=org_a, account_ref="GOOD", name="Good Customer Ltd")
    for ref in ("BAD-1", "BAD-2"):  # addresses our form refuses; an import can still hold them
        Customer.objects.filter(pk=Customer.objects.create(organisation=org_a, account_ref=ref, name=ref).pk
                                ).update(email="accounts@nowhere")  # fmt: skip
    run = start(client_a, "customers", ["GOOD", "BAD-1", "BAD-2"])
    run.refresh_from_db()
    assert run.counts == {"created": 1, "failed": 2}, run.counts
    good_id = ExternalLink.objects.get(kind="customer", local_number="GOOD").ledger_id
    page = open_as_alice(new_page, live_server.url, width)

    page.goto(f"{live_server.url}/integration/history/")
    history = page.locator(f"tr[data-run='{run.pk}']")
    expect(history.locator("td.state")).to_have_text("done, 2 failed")
    expect(history.locator("a")).to_contain_text("Customers · ")
    fits(page, width)

    history.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Sync run: Customers · ")
    expect(page).to_have_title(re.compile(r"^Sync run: Customers · \d{1,2} \w{3} \d{4}, \d\d:\d\d · Fieldbook$"))
    expect(page.locator("#run-summary")).to_have_text(", 2 failed")
    href = page.locator("#results tr[data-number='GOOD'] a[target=_blank]").get_attribute("href")
    assert href and href.endswith(f"/quickbooks/books/{connected.company_id}#customer-{good_id}")
    # The failure's reason and fix are on the screen, in a column wide enough to read.
    message = page.locator("#results tr[data-number='BAD-1'] td.message")
    expect(message).to_contain_text("code 2210")
    expect(message.locator("em")).not_to_be_empty()
    within(message, width)
    box = message.bounding_box()
    assert box is not None and box["width"] >= min(300, width * 0.75), box
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_run_page_names_the_downloaded_customer(live_server, new_page, width, org_a, client_a, sandbox,  # type: ignore[no-untyped-def]  # noqa: F811
                                                connected, immediate_tasks):  # noqa: F811
    made = ledger_customer(sandbox, "Brynmawr Café Ltd")
    client_a.get("/integration/quickbooks/customers/?compare=1&direction=down")  # reads the ledger
    run = start(client_a, "customers", [f"ledger:{made['Id']}"], direction="down")
    customer = Customer.objects.get(organisation=org_a, name="Brynmawr Café Ltd")
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/integration/runs/{run.pk}/")
    expect(page.locator("h1")).to_contain_text("Customers (download) · ")
    row = page.locator(f"#results tr[data-number='{customer.account_ref}']")
    expect(row.locator("td").first).to_contain_text(customer.account_ref)
    expect(row.locator("td").first).to_contain_text("Brynmawr Café Ltd")
    href = row.locator("a[target=_blank]").get_attribute("href")
    assert href and href.endswith(f"#customer-{made['Id']}")
    row.locator("td").first.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Brynmawr Café Ltd")
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_unbroken_name_wraps_on_every_page(live_server, new_page, width, org_a, alice):  # type: ignore[no-untyped-def]
    name = "W" * 200
    customer = make_customer(org_a, "LONG-1", name)
    job = make_job(org_a, customer, closed=True, flagged=True, description="D" * 180)
    make_contract(org_a, customer, start=date(2026, 1, 31), description="C" * 180)
    generate_invoices(org_a, date(2026, 2, 1), date(2026, 2, 28))
    page = open_as_alice(new_page, live_server.url, width)
    for path in ("/customers/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/",
                 f"/jobs/{job.pk}/", "/jobs/", "/jobs/closed/", "/contracts/",
                 "/contracts/invoices/?period_from=2026-02-01&period_to=2026-02-28"):  # fmt: skip
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_contain_text("W" * 20)
        fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_over_long_input_is_refused_with_the_limit_named(live_server, new_page, width, org_a, alice):  # type: ignore[no-untyped-def]
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_account_ref", "LONG-2")
    page.fill("#id_name", "N" * 250)
    assert len(page.input_value("#id_name")) == 250  # the browser kept all of it
    page.click("button.primary")
    expect(page.locator("#name-error")).to_have_text("Ensure this value has at most 200 characters (it has 250).")
    within(page.locator("#name-error"), width)
    assert not Customer.objects.filter(account_ref="LONG-2").exists()
    fits(page, width)
    # A job line's description too (the lines table, not the common form layout).
    tax_codes(org_a)
    customer = make_customer(org_a, "LONG-3", "Short Name Ltd")
    page.goto(f"{live_server.url}/jobs/new/?customer={customer.pk}")
    page.fill("#id_description", "Annual service")
    page.fill("#id_lines-0-description", "L" * 600)
    page.fill("#id_lines-0-quantity", "1")
    page.fill("#id_lines-0-unit_price", "10")
    page.click("button.primary")
    expect(page.locator("[id='lines-0-description-error']")).to_have_text(
        "Ensure this value has at most 500 characters (it has 600).")
    assert not Job.objects.filter(organisation=org_a).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_new_customer_gets_the_next_reference_which_can_be_changed(live_server, new_page, width, org_a, alice):  # type: ignore[no-untyped-def]
    for n in (1, 2, 40):
        Customer.objects.create(organisation=org_a, account_ref=f"C{n:05d}", name=f"Customer {n}")
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/customers/new/")
    expect(page.locator("#id_account_ref")).to_have_value("C00041")
    page.fill("#id_name", "Suggested Ltd")
    page.click("button.primary")
    expect(page.locator("h1")).to_contain_text("C00041")
    page.goto(f"{live_server.url}/customers/new/")
    expect(page.locator("#id_account_ref")).to_have_value("C00042")
    page.fill("#id_account_ref", "EVANS-DENT")
    page.fill("#id_name", "Evans Dental")
    page.click("button.primary")
    expect(page.locator("h1")).to_contain_text("EVANS-DENT")
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_home_page_links_the_integration_menu(live_server, new_page, width, org_a, alice):  # type: ignore[no-untyped-def]
    page = open_as_alice(new_page, live_server.url, width)
    page.locator("main .tiles a", has_text="Integration").click()
    expect(page).to_have_url(f"{live_server.url}/integration/")
    expect(page.locator("main")).to_contain_text("QuickBooks Online")
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_closed_jobs_select_all_and_the_ledger_column(live_server, new_page, width, org_a, client_a,  # type: ignore[no-untyped-def]
                                                      books, immediate_tasks):  # noqa: F811
    customer = make_customer(org_a, "HUW-02", "Huw Evans & Sons")
    sent = make_job(org_a, customer, closed=True, flagged=True)
    assert start(client_a, "jobs", [sent.number]).counts == {"created": 2}
    others = [make_job(org_a, customer, closed=True, flagged=False) for _ in range(3)]
    ledger_id = ExternalLink.objects.get(kind="invoice", local_number=sent.number).ledger_id
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/jobs/closed/")
    cell = page.locator(f"tr[data-number='{sent.number}'] td.in-ledger")
    expect(cell).to_contain_text(f"QuickBooks Online · {sent.number}")
    assert (cell.locator("a").get_attribute("href") or "").endswith(f"#invoice-{ledger_id}")
    expect(page.locator(f"tr[data-number='{others[0].number}'] td.in-ledger")).to_have_text("Not in a ledger")
    page.check("input[data-select-all]")
    expect(page.locator("input[name=selected]:checked")).to_have_count(4)
    page.check("#id_ready_for_invoice")
    page.check("#id_transfer_to_accounts")
    page.click("button[name=set_flags]")
    expect(page.locator(".messages")).to_contain_text("Set Flags on 4 job(s)")
    assert Job.objects.filter(organisation=org_a, ready_for_invoice=True, transfer_to_accounts=True).count() == 4
    # Clearing one row un-ticks the header box; select all then clears them all.
    page.check("input[data-select-all]")
    page.uncheck(f"input[aria-label='Select {sent.number}']")
    expect(page.locator("input[data-select-all]")).not_to_be_checked()
    page.check("input[data-select-all]")
    page.uncheck("input[data-select-all]")
    expect(page.locator("input[name=selected]:checked")).to_have_count(0)
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_service_invoices_select_all_and_the_ledger_column(live_server, new_page, width, org_a, client_a,  # type: ignore[no-untyped-def]
                                                           books, immediate_tasks):  # noqa: F811
    make_contract(org_a, make_customer(org_a, "CARE", "Heulwen Care Home"), start=date(2026, 1, 31))
    made = generate_invoices(org_a, date(2026, 2, 1), date(2026, 3, 31)).created
    assert start(client_a, "contracts", [made[0].number]).counts == {"created": 2}
    ledger_id = ExternalLink.objects.get(kind="invoice", local_number=made[0].number).ledger_id
    page = open_as_alice(new_page, live_server.url, width)
    page.goto(f"{live_server.url}/contracts/invoices/?period_from=2026-02-01&period_to=2026-03-31")
    cell = page.locator(f"tr[data-number='{made[0].number}'] td.in-ledger")
    expect(cell).to_contain_text("QuickBooks Online · ")
    assert (cell.locator("a").get_attribute("href") or "").endswith(f"#invoice-{ledger_id}")
    expect(page.locator(f"tr[data-number='{made[1].number}'] td.in-ledger")).to_have_text("Not in a ledger")
    page.check("input[data-select-all]")
    expect(page.locator("input[name=selected]:checked")).to_have_count(2)
    page.click("button[name=set_flags]")  # both flags unticked: off
    expect(page.locator(".messages")).to_contain_text("Set Flags on 2 service invoice(s): Ready for Invoice off")
    fits(page, width)
