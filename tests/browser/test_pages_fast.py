"""Issue 10 Done-when: Settings and every Compare page, each loaded ten times in a row in a real
browser against the served sandbox with its real limits (10 requests a second, 500 a minute),
answer in under a second every time: the ledger's throttle never reaches the user as a wait. When
the ledger asks us to slow down, the page says so and shows what Fieldbook holds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from fieldbook.contracts.billing import generate_invoices
from fieldbook.sandbox.server import start_in_thread
from tests.browser.steps import connect
from tests.browser.test_foundation2 import sign_in
from tests.web.isolation.catalogue import make_contract, make_customer, make_job, tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOADS = 10
WITHIN = 1.0  # seconds per page load, as the browser measures it


@pytest.fixture
def real_limits_sandbox() -> Iterator[tuple[str, object]]:
    url, sandbox, stop = start_in_thread(port=0, relaxed_limits=False)
    yield url, sandbox
    stop()


def timed(page: Page, url: str) -> float:
    started = time.monotonic()
    page.goto(url, wait_until="load")
    return time.monotonic() - started




def test_settings_and_every_compare_page_ten_times_in_a_row(live_server, new_page, real_limits_sandbox, org_a,
                                                            alice):  # type: ignore[no-untyped-def]
    sandbox_url, _sandbox = real_limits_sandbox
    tax_codes(org_a)
    customers = [make_customer(org_a, f"CUST-{n:02d}", f"Customer {n:02d} Ltd") for n in range(1, 6)]
    jobs = [make_job(org_a, customers[n % 5], closed=True, flagged=True) for n in range(8)]
    make_contract(org_a, customers[0], start=date(2026, 1, 31))
    generate_invoices(org_a, date(2026, 2, 1), date(2026, 3, 31))
    base = live_server.url
    page = new_page()
    sign_in(page, base, "alice")
    assert connect(page, base, sandbox_url) < 2 * WITHIN  # Connect -> Approve no longer hangs
    expect(page.locator("#mapping")).to_be_visible()  # the lists read at Connect

    pages = [f"{base}/integration/quickbooks/settings/"] + [
        f"{base}/integration/quickbooks/{option}/?compare=1{extra}"
        for option, extra in (("customers", ""), ("customers", "&direction=down"), ("jobs", ""), ("contracts", ""))
    ]
    slowest: dict[str, float] = {}
    told = 0
    for url in pages:
        for _ in range(LOADS):
            seconds = timed(page, url)
            slowest[url] = max(slowest.get(url, 0.0), seconds)
            body = page.locator("main").inner_text()
            assert "Could not read" not in body
            told += "asked us to slow down" in body
            if "compare=1" in url and "slow down" not in body:
                expect(page.locator("table.compare, .empty, p.muted").first).to_be_visible()
    assert all(s < WITHIN for s in slowest.values()), slowest
    # The Compare pages list what is to be sent (from the ledger, or from our copy of it).
    page.goto(f"{base}/integration/quickbooks/jobs/?compare=1")
    for job in jobs:
        expect(page.locator(f"table.compare tr[data-key='{job.number}']")).to_contain_text("Add")
    print(f"slowest loads: { {u.rsplit('/quickbooks/', 1)[1]: round(s, 3) for u, s in slowest.items()} }; "
          f"'slow down' notices: {told}")
