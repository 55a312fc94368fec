"""The Content-Security-Policy is on and no page breaks it: every page of the app, in Chromium,
reports no policy violation (no inline script, handler or style attribute is left), and the
behaviour moved to static/fieldbook/site.js still works (issue 18, Deployment)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fieldbook.integration.models import Connection, SyncRun
from tests.browser.test_foundation2 import sign_in
from tests.web.isolation.catalogue import make_contract, make_customer, make_job, tax_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__csp || []"))


def test_no_page_violates_the_policy(live_server, new_page, org_a, alice, admin_user):  # type: ignore[no-untyped-def]
    tax_codes(org_a)
    customer = make_customer(org_a, "CSP-01", "Policy Plumbing Ltd")
    job = make_job(org_a, customer, closed=True, flagged=True)
    contract = make_contract(org_a, customer)
    connection = Connection.objects.create(organisation=org_a, ledger="quickbooks", client_id="id", client_secret="s")
    run = SyncRun.objects.create(organisation=org_a, connection=connection, transfer="customers", state="running")
    base = live_server.url
    page = new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{base}/login/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    sign_in(page, base, "alice")
    paths = [
        "/", "/customers/", "/customers/new/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/",
        "/customers/merge/", "/jobs/", "/jobs/new/", f"/jobs/{job.pk}/", "/jobs/closed/", "/contracts/",
        "/contracts/new/", f"/contracts/{contract.pk}/", f"/contracts/{contract.pk}/edit/", "/contracts/invoices/",
        "/catalogue/tax-codes/", "/catalogue/items/", "/catalogue/items/new/", "/integration/",
        "/integration/history/", "/integration/quickbooks/settings/", "/integration/quickbooks/customers/",
        f"/integration/runs/{run.id}/",
    ]  # fmt: skip
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        assert violations(page) == [], path
    blocked = [m for m in console if "Content Security Policy" in m]
    assert blocked == [], blocked


def test_the_behaviour_moved_out_of_the_pages_still_works(live_server, new_page, org_a, alice):  # type: ignore[no-untyped-def]
    Connection.objects.create(organisation=org_a, ledger="quickbooks", client_id="id", client_secret="s")
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/integration/quickbooks/settings/")
    uri = page.get_by_label("Redirect URI")
    uri.click()
    selected = page.evaluate("() => { const i = document.querySelector('[aria-label=\"Redirect URI\"]');"
                             " return i.value.substring(i.selectionStart, i.selectionEnd); }")  # fmt: skip
    assert selected.endswith("/integration/quickbooks/callback/")
    expect(page.locator("select.select-wide")).to_have_count(0)  # no line forms on this page
    page.goto(f"{live_server.url}/jobs/new/")
    width = page.evaluate("getComputedStyle(document.querySelector('select.select-wide')).minWidth")
    assert width == "128px"  # 8rem from site.css, not from a blocked style attribute
    assert violations(page) == []


def test_the_admin_pages_pass_the_policy(live_server, new_page, admin_user):  # type: ignore[no-untyped-def]
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    for path in ("/admin/", "/admin/customers/customer/add/", "/admin/core/organisation/add/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert violations(page) == [], path
