"""The books page's anchors and forms over the WSGI app: what they write, what they refuse."""

from __future__ import annotations

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from tests.sandbox.helpers import Qbo


@pytest.fixture
def http(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test")


def test_every_record_has_the_anchor_fieldbook_links_to(qbo: Qbo, http: httpx.Client) -> None:
    cid = qbo.create_customer("Jones Hotel Ltd")["Id"]
    invoice = qbo.create_invoice(cid)
    payment = qbo.sandbox.quickbooks.record_payment(qbo.realm, invoice["Id"], "10.00")
    page = http.get(f"/quickbooks/books/{qbo.realm}").text
    # integration.ledgers.ledger_url links to /quickbooks/books/<realm>#<kind>-<ledger id>.
    for kind, object_id in (("customer", cid), ("invoice", invoice["Id"]), ("payment", payment["Id"])):
        assert page.count(f'id="{kind}-{object_id}"') == 1


def test_forms_refuse_a_post_from_another_site(qbo: Qbo, http: httpx.Client) -> None:
    url = f"/quickbooks/books/{qbo.realm}/customers"
    refused = http.post(url, data={"display_name": "Planted"}, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert qbo.sandbox.quickbooks.customers(qbo.realm) == []
    same = http.post(url, data={"display_name": "Mine"}, headers={"Origin": "http://sandbox.test"})
    assert same.status_code == 303
    assert same.headers["location"] == f"/quickbooks/books/{qbo.realm}?saved=customer-1#customer-1"


def test_change_form_edits_deactivates_and_says_why_it_refuses(qbo: Qbo, http: httpx.Client) -> None:
    qbo.create_customer("Taken Ltd")
    cid = qbo.create_customer("Evans Dental", PrimaryEmailAddr={"Address": "old@evans.example"})["Id"]
    url = f"/quickbooks/books/{qbo.realm}/customer/{cid}"
    form = http.get(url).text
    assert 'value="Evans Dental"' in form and 'value="old@evans.example"' in form and "checked" in form
    unchanged = {"display_name": "Evans Dental", "email": "old@evans.example", "phone": "", "company_name": "",
                 "active_shown": "1", "active": "on"}
    assert http.post(url, data=unchanged).status_code == 303
    assert qbo.ok(qbo.get(f"customer/{cid}"))["Customer"]["SyncToken"] == "0"  # nothing changed, nothing written
    clash = http.post(url, data={**unchanged, "display_name": "taken ltd"})
    assert clash.status_code == 400 and "already exists" in clash.text and 'value="taken ltd"' in clash.text
    blank = http.post(url, data={**unchanged, "display_name": " "})
    assert blank.status_code == 400 and "display name is required" in blank.text
    cleared = http.post(url, data={**unchanged, "email": "", "phone": "01234 567890"})
    assert cleared.status_code == 303
    stored = qbo.ok(qbo.get(f"customer/{cid}"))["Customer"]
    assert "PrimaryEmailAddr" not in stored and stored["PrimaryPhone"]["FreeFormNumber"] == "01234 567890"
    off = {key: value for key, value in unchanged.items() if key != "active"}
    assert http.post(url, data={**off, "email": "", "phone": "01234 567890"}).status_code == 303
    assert qbo.ok(qbo.get(f"customer/{cid}"))["Customer"]["Active"] is False


def test_payment_and_void_forms_refuse_what_the_books_refuse(qbo: Qbo, http: httpx.Client) -> None:
    cid = qbo.create_customer("Acme")["Id"]
    invoice = qbo.create_invoice(cid)
    base = f"/quickbooks/books/{qbo.realm}/invoice/{invoice['Id']}"
    for amount in ("abc", "-5", "0.001", "NaN"):
        reply = http.post(f"{base}/payment", data={"amount": amount})
        assert reply.status_code == 400 and "payment amount" in reply.text, amount
    assert http.post(f"{base}/payment", data={"amount": "120.00"}).status_code == 303  # 100 + VAT 20 %
    assert http.post(f"{base}/void").status_code == 400  # a paid invoice cannot be voided
    assert http.post(f"/quickbooks/books/{qbo.realm}/invoice/999/void").status_code == 404
    page = http.get(f"/quickbooks/books/{qbo.realm}").text
    section = page.split(f'id="invoice-{invoice["Id"]}"', 1)[1].split("</section>", 1)[0]
    assert "Paid" in section and "Record payment" not in section and "Void invoice" not in section


def test_control_endpoint_adds_and_changes_customers(sandbox: Sandbox, http: httpx.Client) -> None:
    realm = sandbox.quickbooks.default_realm
    made = http.post("/control/quickbooks/add_customer", json={"realm_id": realm, "display_name": "Ledger Co",
                                                               "email": "a@ledger.example"}).json()["result"]
    changed = http.post("/control/quickbooks/change_customer",
                        json={"realm_id": realm, "customer_id": made["Id"], "email": "b@ledger.example"})
    assert changed.status_code == 200
    assert changed.json()["result"]["PrimaryEmailAddr"] == {"Address": "b@ledger.example"}
    assert changed.json()["result"]["SyncToken"] == "1"
    again = http.post("/control/quickbooks/add_customer", json={"realm_id": realm, "display_name": "LEDGER CO"})
    assert again.status_code == 409
