"""Read-only books pages, the HTTP control endpoint, and the `fieldbook sandbox` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.cli import main
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, sales_line


@pytest.fixture
def http(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test")


def test_books_page_shows_customers_invoices_payments_and_escapes(qbo: Qbo, http: httpx.Client) -> None:
    cid = qbo.create_customer("<script>alert(1)</script> & Sons")["Id"]
    invoice = qbo.create_invoice(cid, [sales_line(47.5, qty=5, price=9.5, description="<b>Boiler</b>")],
                                 DocNumber="J1042")
    qbo.sandbox.quickbooks.record_payment(qbo.realm, invoice["Id"], "7.00")
    page = http.get(f"/quickbooks/books/{qbo.realm}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in page.text
    assert "&lt;b&gt;Boiler&lt;/b&gt;" in page.text
    assert "J1042" in page.text and "57.00" in page.text and "50.00" in page.text and "7.00" in page.text
    assert http.get("/quickbooks/books/nope").status_code == 404


def test_index_links_each_company_books(sandbox: Sandbox, http: httpx.Client) -> None:
    us = sandbox.quickbooks.seed_company(country="US")
    index = http.get("/")
    assert f'href="/quickbooks/books/{sandbox.quickbooks.default_realm}"' in index.text
    assert f'href="/quickbooks/books/{us}"' in index.text


def test_control_endpoint_drives_the_sandbox(sandbox: Sandbox, http: httpx.Client, clock: VirtualClock) -> None:
    realm = http.post("/control/quickbooks/seed_company", json={"country": "US"}).json()["result"]
    assert realm in [c["realm_id"] for c in http.get("/control/quickbooks/companies").json()["result"]]
    issued = http.post("/control/quickbooks/issue_tokens", json={"realm_id": realm}).json()["result"]
    qbo = Qbo(sandbox, realm)
    qbo.tokens = issued
    cid = qbo.create_customer("Diner")["Id"]
    invoice = qbo.ok(qbo.post("invoice", {"CustomerRef": {"value": cid}, "Line": [sales_line(100, "TAX")]}))
    invoice_id = invoice["Invoice"]["Id"]
    paid = http.post("/control/quickbooks/record_payment",
                     json={"realm_id": realm, "invoice_id": invoice_id, "amount": "8.25"})
    assert paid.status_code == 200 and paid.json()["result"]["TotalAmt"] == "8.25"
    too_much = http.post("/control/quickbooks/record_payment",
                         json={"realm_id": realm, "invoice_id": invoice_id, "amount": 1000})
    assert too_much.status_code == 409
    stored = http.get("/control/quickbooks/invoices", params={"realm_id": realm}).json()["result"]
    assert stored[0]["Balance"] == "100.00"
    before = clock.now()
    http.post("/control/advance", json={"seconds": 90})
    assert (clock.now() - before).total_seconds() == 90
    fault = http.post("/control/faults", json={"kind": "http_503", "match": "/invoice"}).json()["result"]
    assert fault["kind"] == "http_503" and len(http.get("/control/faults").json()["result"]) == 1
    assert qbo.get(f"invoice/{invoice_id}").status_code == 503
    http.post("/control/faults/random", json={"seed": 1, "rate": 1.0, "kinds": ["http_500"]})
    assert qbo.get(f"invoice/{invoice_id}").status_code == 500
    http.delete("/control/faults")
    assert qbo.get(f"invoice/{invoice_id}").status_code == 200
    url = http.post("/control/quickbooks/approve_consent",
                    json={"client_id": "fieldbook-sandbox-qbo", "redirect_uri": "http://x/cb", "state": "s"})
    assert url.json()["result"].startswith("http://x/cb?code=")
    assert http.post("/control/quickbooks/drop_everything", json={}).status_code == 404


def test_control_void_and_delete(sandbox: Sandbox, qbo: Qbo) -> None:
    cid = qbo.create_customer("Acme")["Id"]
    first = qbo.create_invoice(cid)
    second = qbo.create_invoice(cid)
    sandbox.quickbooks.void_invoice(qbo.realm, first["Id"])
    sandbox.quickbooks.delete_invoice(qbo.realm, second["Id"])
    statuses = {inv["Id"]: inv.get("_status") for inv in sandbox.quickbooks.invoices(qbo.realm)}
    assert statuses == {first["Id"]: "Voided", second["Id"]: "Deleted"}
    assert qbo.ok(qbo.get(f"invoice/{first['Id']}"))["Invoice"]["PrivateNote"] == "Voided"


def test_cli_token_issues_into_the_state_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "sandbox.json"
    assert main(["token", "quickbooks", "--state", str(state)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["client_id"] == "fieldbook-sandbox-qbo" and printed["client_secret"]
    served = Sandbox(clock=VirtualClock(), state_file=state)
    assert printed["realm_id"] == served.quickbooks.default_realm
    qbo = Qbo(served)
    assert qbo.get("companyinfo/1", token=printed["access_token"]).status_code == 200
