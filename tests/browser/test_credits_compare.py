"""Credits and a 0.00 invoice on Compare, in a real browser against the served QuickBooks sandbox,
at desktop width and at 390 px: Compare says how the credit will look in the ledger, a 0.00
invoice is flagged and goes only with "Send anyway", and the job page shows the ledger's total."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_seed_workflow as seed
from tests.browser.steps import connect
from tests.browser.test_foundation2 import sign_in
from tests.web.isolation.catalogue import make_customer, make_job, tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The seed workflow's fixtures: a served sandbox and a worker thread.
served_sandbox, worker, start_sync_and_watch = seed.served_sandbox, seed.worker, seed.start_sync_and_watch




def press_compare(page: Page) -> None:
    """Compare, as a person does it: right after Connect the company's per-second budget may be
    spent, and the page then says so at once ("try again in a few seconds"); the person does."""
    for _ in range(4):
        page.click("#compare")
        if "asked us to slow down" not in page.locator("main").inner_text():
            return
        page.wait_for_timeout(1500)
    raise AssertionError("Compare was still throttled after four tries a few seconds apart")


@pytest.mark.parametrize("width", [1280, 390])
def test_credit_shown_before_sending_and_a_zero_invoice_sent_knowingly(
        live_server, new_page, served_sandbox, worker, org_a, alice, width, settings):  # type: ignore[no-untyped-def]
    # Connect spends 8 of the company's 10 requests a second; a Compare pressed within that second
    # would (rightly) be refused at the web's usual patience. The page may wait out the second here:
    # this test is about credits, not about the throttle (tests/integration/test_no_waits.py).
    settings.FIELDBOOK_WEB_LIMITER_PATIENCE = 1.5
    sandbox_url, sandbox = served_sandbox
    tax_codes(org_a)
    customer = make_customer(org_a, "GWEN-01", "Gwenllian's Garden Centre")
    credited = make_job(org_a, customer, lines=(("2", "65.00", "VAT20"), ("-1", "25.00", "VAT20")), closed=True,
                        flagged=True)  # fmt: skip
    zero = make_job(org_a, customer, lines=(("0", "65.00", "VAT20"),), closed=True, flagged=True)
    base = live_server.url
    page = new_page(width=width)
    sign_in(page, base, "alice")
    connect(page, base, sandbox_url)

    page.goto(f"{base}/integration/quickbooks/jobs/")
    press_compare(page)
    row = page.locator(f"table.compare tr[data-key='{credited.number}']")
    expect(row.locator(".ledger-form")).to_contain_text("appears in QuickBooks as a discount line of 25.00")
    expect(row.locator(".ledger-form")).to_be_visible()
    flagged = page.locator(f"table.compare tr[data-key='{zero.number}']")
    expect(flagged.locator(".warning")).to_contain_text("This invoice totals 0.00")
    expect(flagged.locator(f"input[name='accept:{zero.number}']")).to_be_visible()

    start_sync_and_watch(page)  # Select all, Start Sync: the 0.00 one is left out, with why
    expect(page.locator(f"#results tr[data-number='{credited.number}']")).to_contain_text("created")
    expect(page.locator("body")).to_contain_text(f"{zero.number}: This invoice totals 0.00")
    [invoice] = [i for i in sandbox.quickbooks.invoices() if i["DocNumber"] == credited.number]
    assert str(invoice["TotalAmt"]) == "126.00"  # (130.00 - 25.00) + 21.00 VAT, as ours

    page.goto(f"{base}/integration/quickbooks/jobs/")
    press_compare(page)
    page.check(f"input[name='selected'][value='{zero.number}']")
    page.check(f"input[name='accept:{zero.number}']")
    page.click("#start-sync")
    expect(page.locator("#run-state")).to_have_text("Done", timeout=30_000)
    expect(page.locator(f"#results tr[data-number='{zero.number}']")).to_contain_text("created")

    page.goto(f"{base}/jobs/{credited.pk}/")
    expect(page.locator(".ledger-total")).to_have_text("Total in QuickBooks Online: 126.00 · ours: 126.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
