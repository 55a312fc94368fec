"""Steps a person takes in the browser, shared by the browser tests."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from fieldbook.integration.ledgers import LOCAL_SANDBOX_APPS


def connect(page: Page, base: str, sandbox_url: str) -> float:
    """Settings -> Save -> Connect -> Approve on the sandbox's consent page; returns the seconds
    from Approve to Fieldbook's page saying it is connected."""
    page.goto(f"{base}/integration/quickbooks/settings/")
    page.select_option("#id_environment", "local")
    page.fill("#id_local_url", sandbox_url)
    client_id, secret = LOCAL_SANDBOX_APPS["quickbooks"]
    page.fill("#id_client_id", client_id)
    page.fill("#id_client_secret", secret)
    page.click("text=Save settings")
    expect(page.locator(".messages")).to_contain_text("Settings saved.")
    page.click("button:has-text('Connect')")
    expect(page).to_have_url(re.compile("^" + re.escape(sandbox_url) + "/quickbooks/connect/oauth2"))
    started = time.monotonic()
    page.click("#approve")
    expect(page.locator(".messages")).to_contain_text("Connected to")
    return time.monotonic() - started
