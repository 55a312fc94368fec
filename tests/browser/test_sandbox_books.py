"""The served sandbox's books page in a browser with JavaScript off: put test records into the
ledger through its forms (add a customer, change its email, record a payment, void an invoice),
then read them back through the QBO API as Fieldbook would. At desktop width and at 390 px."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.served import fieldbook, served_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.pure]  # no test database: runs once in CI


def _api(url: str, tokens: dict[str, Any], path: str) -> dict[str, Any]:
    reply = httpx.get(f"{url}/quickbooks/v3/company/{tokens['realm_id']}/{path}", timeout=10,
                      params={"minorversion": "75"}, headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                               "Accept": "application/json"})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _invoice(url: str, tokens: dict[str, Any], customer_id: str, amount: str, doc: str) -> str:
    body = {"CustomerRef": {"value": customer_id}, "GlobalTaxCalculation": "TaxExcluded", "DocNumber": doc,
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": amount,
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": "3"}}}]}
    reply = httpx.post(f"{url}/quickbooks/v3/company/{tokens['realm_id']}/invoice", json=body, timeout=10,
                       params={"minorversion": "75"}, headers={"Authorization": f"Bearer {tokens['access_token']}",
                                                                "Accept": "application/json"})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["Invoice"]["Id"])


@pytest.mark.parametrize("width", [1280, 390])
def test_put_test_records_into_the_books_without_javascript(browser: Any, tmp_path: Path, width: int) -> None:
    with served_sandbox(tmp_path) as url:
        done = fieldbook("sandbox", "token", "quickbooks", cwd=tmp_path)
        tokens = json.loads(done.stdout)
        context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{url}/quickbooks/books/{tokens['realm_id']}")
            # Add a customer.
            form = page.locator("#add-customer")
            form.get_by_label("Display name").fill("Evans Dental Ltd")
            form.get_by_label("Email").fill("office@evans.example")
            form.get_by_role("button", name="Add customer").click()
            assert "Customer 1 saved." in page.locator("[role=status]").inner_text()
            row = page.locator("#customer-1")
            assert "Evans Dental Ltd" in row.inner_text() and "office@evans.example" in row.inner_text()
            # Change its email.
            row.get_by_role("link", name="Change").click()
            page.get_by_label("Email").fill("accounts@evans.example")
            page.get_by_role("button", name="Save changes").click()
            assert page.url.endswith("#customer-1")
            assert "accounts@evans.example" in page.locator("#customer-1").inner_text()
            customer = _api(url, tokens, "customer/1")["Customer"]
            assert customer["PrimaryEmailAddr"]["Address"] == "accounts@evans.example"
            assert customer["SyncToken"] == "1"
            # Two invoices arrive (as from Fieldbook); pay part of one, void the other.
            paid = _invoice(url, tokens, "1", "120.00", "J1042")
            voided = _invoice(url, tokens, "1", "80.00", "J1043")
            page.reload()
            section = page.locator(f"#invoice-{paid}")
            section.get_by_label("Payment").fill("20.00")
            section.get_by_role("button", name="Record payment").click()
            assert page.url.endswith(f"#invoice-{paid}")
            assert "Payment" in page.locator("[role=status]").inner_text()
            page.locator(f"#invoice-{voided}").get_by_role("button", name="Void invoice").click()
            assert "Voided" in page.locator(f"#invoice-{voided}").inner_text()
            assert "100.00" in page.locator("#customer-1").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            # A refused form says why, and writes nothing.
            section = page.locator(f"#invoice-{paid}")
            section.get_by_label("Payment").fill("500.00")
            section.get_by_role("button", name="Record payment").click()
            assert "exceeds the invoice balance" in page.locator("[role=alert]").inner_text()
        finally:
            context.close()
        assert Decimal(str(_api(url, tokens, f"invoice/{paid}")["Invoice"]["Balance"])) == Decimal("100.00")
        assert _api(url, tokens, f"invoice/{voided}")["Invoice"]["PrivateNote"].startswith("Voided")
        assert Decimal(str(_api(url, tokens, "customer/1")["Customer"]["Balance"])) == Decimal("100.00")
