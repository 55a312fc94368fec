"""The seed workflow's corrections (issue 11), by a person in a real browser against the QuickBooks
Online sandbox, at desktop width and at 390 px: change a customer's account reference, merge two
customers and download, force a re-send with the two flags, then edit and void a service invoice.
Every step goes through Compare and Start Sync as the user's guide describes, and each ledger
outcome is checked in the sandbox's own books."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fieldbook.contracts import billing
from fieldbook.integration import service
from fieldbook.integration.models import Connection, ExternalLink
from fieldbook.sync.plan import Selection
from tests.browser.steps import connect
from tests.browser.test_foundation2 import sign_in
from tests.browser.test_seed_workflow import served_sandbox, worker  # noqa: F401 (fixtures)
from tests.web.isolation.catalogue import make_contract, make_customer, make_job, tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def compare(page: Page, base: str, option: str, direction: str = "up") -> None:
    page.goto(f"{base}/integration/quickbooks/{option}/?direction={direction}")
    page.click("#compare")
    expect(page.locator("h1")).to_be_visible()


def row(page: Page, key: str):  # type: ignore[no-untyped-def]
    return page.locator(f"table.compare tr[data-key='{key}']")


def start(page: Page, *keys: str) -> None:
    """Select the rows (or all of them) and Start Sync; wait for the run to finish."""
    if keys:
        for key in keys:
            row(page, key).locator("input[name=selected]").check()
    else:
        page.click("text=Select all")
    page.click("#start-sync")
    expect(page.locator("h1")).to_contain_text("Sync run")
    expect(page.locator("#run-state")).to_have_text("Done", timeout=30_000)


def result(page: Page, number: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#results tr[data-number='{number}']")


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"page is {width} px wide"  # type: ignore[index]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "390px"])
def test_change_merge_resend_edit_and_void(live_server, new_page, served_sandbox, worker, org_a, alice,  # noqa: F811
                                           width):  # type: ignore[no-untyped-def]
    sandbox_url, sandbox = served_sandbox
    qbo = sandbox.quickbooks
    tax_codes(org_a)
    evans = make_customer(org_a, "C00003", "Evans Dental Practice")
    target = make_customer(org_a, "C00011", "Jones Hotel Ltd")
    dupe = make_customer(org_a, "C00029", "Jones Hotel (old account)")
    job = make_job(org_a, evans, lines=(("2", "45.00", "VAT20"),), closed=True, flagged=True)
    first, last = billing.current_month(org_a)
    make_contract(org_a, customer=target, start=first, description="Boiler maintenance")
    [invoice] = billing.generate_invoices(org_a, first, last).created
    base = live_server.url
    page = new_page(width=width)
    sign_in(page, base, "alice")
    connect(page, base, sandbox_url)

    # Everything into the ledger first (the seed workflow's own test does this through the pages).
    connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
    for option, keys in (("customers", {"C00003", "C00011", "C00029"}), ("jobs", {job.number}),
                         ("contracts", {invoice.number})):  # fmt: skip
        run = service.start_sync(connection, option, Selection(keys=frozenset(keys)), enqueue=False)
        assert service.execute(run.pk).counts == {"created": len(keys)}
    evans_id = ExternalLink.objects.get(kind="customer", local_number="C00003").ledger_id
    dupe_id = ExternalLink.objects.get(kind="customer", local_number="C00029").ledger_id

    # 1. Change a reference: the link follows the customer; Compare shows an Update of it.
    page.goto(f"{base}/customers/{evans.pk}/edit/")
    page.fill("#id_account_ref", "EVANS-DENT")
    page.locator("form button[type=submit]").first.click()
    expect(page.locator("#ledger-links")).to_contain_text(f"id {evans_id}")
    expect(page.locator("#ledger-links")).not_to_contain_text("Not transferred")
    compare(page, base, "customers")
    expect(row(page, "EVANS-DENT")).to_contain_text("Update")
    expect(row(page, "EVANS-DENT")).to_contain_text("C00003")
    no_sideways_scroll(page)
    start(page, "EVANS-DENT")
    expect(result(page, "EVANS-DENT")).to_contain_text("updated")
    evans_ledger = next(c for c in qbo.customers() if c["Id"] == evans_id)
    assert "fieldbook:alpha:EVANS-DENT" in evans_ledger["Notes"]

    # 2. Merge and download: the duplicate's ledger record is shown merged, never Add, and made
    # inactive from Compare.
    page.goto(f"{base}/customers/merge/")
    page.select_option("#id_target", str(target.pk))
    page.select_option("#id_duplicates", [str(dupe.pk)])
    page.click("button:has-text('Merge')")
    expect(page.locator(".messages")).to_contain_text("Merged")
    compare(page, base, "customers", "down")
    expect(row(page, "C00029")).to_contain_text("Merged")
    expect(row(page, "C00029")).to_contain_text("merged into C00011")
    expect(page.locator("table.compare .badge.add")).to_have_count(0)
    start(page, "C00029")
    expect(result(page, "C00029")).to_contain_text("updated")
    assert next(c for c in qbo.customers() if c["Id"] == dupe_id)["Active"] is False
    compare(page, base, "customers", "down")
    expect(page.locator("body")).to_contain_text("Nothing to transfer")

    # 3. Force a re-send with the flags: Closed Jobs, select, Set Flags with both ticked.
    page.goto(f"{base}/jobs/closed/")
    page.locator(f"input[name=selected][aria-label='Select {job.number}']").check()
    page.check("#id_ready_for_invoice")
    page.check("#id_transfer_to_accounts")
    page.click("button[name=set_flags]")
    expect(page.locator(".messages")).to_contain_text("Set Flags on 1 job(s)")
    compare(page, base, "jobs")
    expect(row(page, job.number)).to_contain_text("Update")
    expect(row(page, job.number)).to_contain_text("flags were set again")
    start(page, job.number)
    expect(result(page, job.number)).to_contain_text("updated")
    assert len([i for i in qbo.invoices() if i.get("DocNumber") == job.number]) == 1

    # 4. Edit a transferred service invoice: flagged for an Update, sent as one.
    page.goto(f"{base}/contracts/invoices/{invoice.pk}/")
    page.click("#edit-invoice")
    expect(page.locator(".messages")).to_contain_text("already in your ledger")
    no_sideways_scroll(page)
    page.fill("#id_description", "Boiler maintenance (corrected)")
    page.fill("#id_lines-0-unit_price", "60.00")
    page.locator("#invoice-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("flagged to go to the ledger again as an Update")
    compare(page, base, "contracts")
    expect(row(page, invoice.number)).to_contain_text("Update")
    start(page, invoice.number)
    expect(result(page, invoice.number)).to_contain_text("updated")
    [sent] = [i for i in qbo.invoices() if i.get("DocNumber") == invoice.number]
    assert Decimal(str(sent["TotalAmt"])) == Decimal("72.00")
    assert sent["CustomerMemo"]["value"] == "Boiler maintenance (corrected)"

    # 5. Void it: confirmed on its page, then ticked on Compare, voided at the sync.
    page.goto(f"{base}/contracts/invoices/{invoice.pk}/")
    page.click("#void-invoice")
    expect(page.locator("body")).to_contain_text("only when you tick it there")
    no_sideways_scroll(page)
    page.click("#confirm-void")
    expect(page.locator("#invoice-status")).to_contain_text("to be voided in the ledger at the next sync")
    compare(page, base, "contracts")
    expect(row(page, invoice.number)).to_contain_text("Void")
    row(page, invoice.number).locator(f"input[name='confirm:{invoice.number}']").check()
    no_sideways_scroll(page)
    start(page, invoice.number)
    expect(result(page, invoice.number)).to_contain_text("voided")
    [voided] = [i for i in qbo.invoices() if i.get("DocNumber") == invoice.number]
    assert voided["Id"] == sent["Id"] and voided["PrivateNote"].startswith("Voided")
    page.goto(f"{base}/contracts/invoices/{invoice.pk}/")
    expect(page.locator("#invoice-status")).to_have_text(re.compile(r"^\s*Voided\s*$"))
