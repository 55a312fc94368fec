"""The user's guide, done by a person in a real browser against the QuickBooks Online sandbox:
log in, Settings, Connect through the sandbox's consent page, Compare Customer, Start Sync,
Compare Invoice, Start Sync, watch the live progress and the results, then see the records on
the sandbox's own books page."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from fieldbook.integration.ledgers import LOCAL_SANDBOX_APPS
from fieldbook.sandbox.server import start_in_thread
from tests.browser.test_foundation2 import sign_in
from tests.web.isolation.catalogue import make_customer, make_job, tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served_sandbox() -> Iterator[tuple[str, object]]:
    url, sandbox, stop = start_in_thread(port=0, relaxed_limits=True)
    yield url, sandbox
    stop()


@pytest.fixture
def worker(live_server) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """django-tasks-db's own worker, in a thread, on the test database."""
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    w = Worker(queue_names=["default"], interval=0.1, batch=False, backend_name="default", startup_delay=False,
               max_tasks=None, worker_id="browser-test", excluded_queue_names=[])  # fmt: skip

    def run() -> None:
        try:
            w.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    w.running = False
    thread.join(timeout=10)


def start_sync_and_watch(page: Page) -> None:
    page.click("text=Select all")
    page.click("#start-sync")
    expect(page.locator("h1")).to_contain_text("Sync run")
    expect(page.locator("#run-progress")).to_be_visible()  # the live progress bar
    expect(page.locator("#run-state")).to_have_text("Done", timeout=30_000)


def test_seed_workflow_on_quickbooks(live_server, new_page, served_sandbox, worker, org_a, alice):  # type: ignore[no-untyped-def]
    sandbox_url, sandbox = served_sandbox
    tax_codes(org_a)
    customer = make_customer(org_a, "GWEN-01", "Gwenllian's Garden Centre")
    make_customer(org_a, "HUW-02", "Huw Evans & Sons")
    job = make_job(org_a, customer, lines=(("2", "45.00", "VAT20"), ("1", "12.50", "VAT5")), closed=True, flagged=True)
    # Slow the ledger a little so the progress is there to be seen.
    sandbox.faults.add(ledger="quickbooks", kind="latency", seconds=0.4, count=4, match="/batch")
    base = live_server.url
    page = new_page()
    sign_in(page, base, "alice")

    # Integration menu -> QuickBooks Online -> Settings.
    page.click("nav >> text=Integration")
    page.click("text=Settings")
    page.select_option("#id_environment", "local")
    page.fill("#id_local_url", sandbox_url)
    client_id, secret = LOCAL_SANDBOX_APPS["quickbooks"]
    page.fill("#id_client_id", client_id)
    page.fill("#id_client_secret", secret)
    page.click("text=Save settings")
    expect(page.locator(".messages")).to_contain_text("Settings saved.")

    # Connect: the sandbox's consent page, then back.
    page.click("button:has-text('Connect')")
    expect(page).to_have_url(re.compile("^" + re.escape(sandbox_url) + "/quickbooks/connect/oauth2"))
    page.click("#approve")
    expect(page.locator(".messages")).to_contain_text("Connected to")
    expect(page.locator("#mapping")).to_be_visible()

    # Customers: Compare Customer, select, Start Sync.
    page.locator("section.card a.button", has_text="Customers").click()
    page.click("#compare")
    expect(page.locator("table.compare")).to_contain_text("GWEN-01")
    expect(page.locator("table.compare .badge.add")).to_have_count(2)
    start_sync_and_watch(page)
    expect(page.locator("#results")).to_contain_text("created")
    expect(page.locator("#results tr[data-number='HUW-02']")).to_contain_text("created")

    # Invoice Jobs: Compare Invoice, Start Sync.
    page.goto(f"{base}/integration/quickbooks/jobs/")
    page.click("#compare")
    row = page.locator(f"table.compare tr[data-key='{job.number}']")
    expect(row).to_contain_text("Add")
    start_sync_and_watch(page)
    expect(page.locator(f"#results tr[data-number='{job.number}']")).to_contain_text("created")

    # The records on the sandbox's own books page.
    href = page.locator(f"#results tr[data-number='{job.number}'] a").get_attribute("href")
    assert href and href.startswith(f"{sandbox_url}/quickbooks/books/")
    page.goto(href)
    expect(page.locator("body")).to_contain_text(job.number)
    expect(page.locator("body")).to_contain_text("Gwenllian's Garden Centre")
    expect(page.locator("body")).to_contain_text("Huw Evans & Sons")
