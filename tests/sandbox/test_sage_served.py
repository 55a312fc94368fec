"""The Sage sandbox over real HTTP, as a client and a user meet it: `fieldbook sandbox token sage`
against a running `fieldbook sandbox`, and the whole OAuth-to-void round trip with plain httpx."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fieldbook.sandbox.sage.control import CLIENT_ID, CLIENT_SECRET
from fieldbook.sandbox.server import start_in_thread
from tests.sandbox.sage_helpers import REDIRECT
from tests.sandbox.served import fieldbook, served_sandbox


def _token(cwd: Path, *args: str) -> dict[str, Any]:
    done = fieldbook("sandbox", "token", "sage", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    printed: dict[str, Any] = json.loads(done.stdout)
    return printed


def _api(url: str, issued: dict[str, Any]) -> httpx.Client:
    return httpx.Client(base_url=f"{url}/sage/v3.1", timeout=10,
                        headers={"Authorization": f"Bearer {issued['access_token']}",
                                 "X-Business": issued["business_id"], "Accept": "application/json"})


def test_printed_tokens_work_against_the_running_sandbox(tmp_path: Path) -> None:
    with served_sandbox(tmp_path) as url:
        issued = _token(tmp_path)
        assert {"access_token", "refresh_token", "business_id", "client_id", "client_secret"} <= set(issued)
        assert (issued["client_id"], issued["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
        with _api(url, issued) as api:
            assert api.get("/financial_settings").json()["base_currency"]["id"] == "GBP"
            made = api.post("/contacts", json={"contact": {"name": "Made by the API",
                                                           "contact_type_ids": ["CUSTOMER"]}})
            assert made.status_code == 201, made.text
        second = _token(tmp_path)  # another process writing the state file keeps the served sandbox's writes
        with _api(url, second) as api:
            names = [c["displayed_as"] for c in api.get("/contacts").json()["$items"]]
        assert names == ["Made by the API"]
        refreshed = httpx.post(f"{url}/sage/token", timeout=10, data={
            "client_id": second["client_id"], "client_secret": second["client_secret"],
            "grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text


def test_token_with_url_asks_a_memory_only_sandbox(tmp_path: Path) -> None:
    with served_sandbox(tmp_path, "--state", "") as url:
        issued = _token(tmp_path, "--url", url)
        with _api(url, issued) as api:
            assert api.get("/contacts").json()["$total"] == 0
        again = _token(tmp_path, "--url", url, "--business", issued["business_id"])
        assert again["business_id"] == issued["business_id"]
    assert not (tmp_path / "var").exists()


@pytest.fixture
def served() -> Iterator[str]:
    url, _sandbox, stop = start_in_thread(port=0, relaxed_limits=False)
    try:
        yield url
    finally:
        stop()


def test_consent_token_contact_invoice_incremental_list_void_deleted_since(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as http:
        params = {"filter": "apiv3.1", "client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT,
                  "scope": "full_access", "state": "s-42", "country": "gb"}
        page = http.get("/sage/oauth2/auth/central", params=params)
        assert page.status_code == 200
        # The form as a browser submits it: its hidden fields and the first business, then Allow.
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        business = re.search(r'name="business_id" value="([0-9a-f]{32})" checked', page.text)
        assert business is not None
        allowed = http.post("/sage/oauth2/auth/central",
                            data={**form, "business_id": business.group(1), "decision": "allow"})
        assert allowed.status_code == 302
        callback = parse_qs(urlsplit(allowed.headers["location"]).query)
        assert callback["state"] == ["s-42"]
        tokens = http.post("/sage/token", headers={"Accept": "application/json"}, data={
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": callback["code"][0],
            "grant_type": "authorization_code", "redirect_uri": REDIRECT}).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}", "X-Business": business.group(1)}
        ledger = http.get("/sage/v3.1/ledger_accounts", headers=auth,
                          params={"visible_in": "sales", "attributes": "nominal_code"}).json()["$items"]
        sales = next(a["id"] for a in ledger if a["nominal_code"] == 4000)
        contact = http.post("/sage/v3.1/contacts", headers=auth, json={"contact": {
            "name": "Acme Ltd", "contact_type_ids": ["CUSTOMER"], "reference": "ACME01",
            "main_contact_person": {"name": "Jo Bloggs", "email": "jo@acme.example", "is_main_contact": True},
            "idempotency_id": "3f2504e04f8941d39a0c0305e82c3301"}})
        assert contact.status_code == 201, contact.text
        invoice = http.post("/sage/v3.1/sales_invoices", headers=auth, json={"sales_invoice": {
            "contact_id": contact.json()["id"], "date": "2026-05-01", "reference": "JOB-1042",
            "idempotency_id": "9b2f6d1c0a8e4f3b8c7d6e5f4a3b2c1d",
            "invoice_lines": [{"description": "Boiler service", "quantity": 1, "unit_price": 80.00,
                               "ledger_account_id": sales, "tax_rate_id": "GB_STANDARD", "tax_amount": 16.00}]}})
        assert invoice.status_code == 201, invoice.text
        made = invoice.json()
        assert (made["invoice_number"], made["total_amount"]) == ("SI-1", 96.0)
        since = made["updated_at"]
        listed = http.get("/sage/v3.1/sales_invoices", headers=auth,
                          params={"updated_or_created_since": since, "attributes": "all"}).json()
        assert [i["id"] for i in listed["$items"]] == [made["id"]]  # inclusive: updated_at == since
        voided = http.delete(f"/sage/v3.1/sales_invoices/{made['id']}", headers=auth,
                             params={"void_reason": "Raised in error"})
        assert (voided.status_code, voided.json()["status"]["id"]) == (200, "VOID")
        deleted_at = voided.json()["deleted_at"]
        before = (datetime.fromisoformat(deleted_at.replace("Z", "+00:00")) - timedelta(seconds=1)).isoformat()
        gone = http.get("/sage/v3.1/sales_invoices", headers=auth,
                        params={"deleted_since": before, "attributes": "deleted_at,void_reason"}).json()
        assert gone["$items"] == [{"id": made["id"], "displayed_as": "SI-1", "$path": f"/sales_invoices/{made['id']}",
                                   "deleted_at": deleted_at, "void_reason": "Raised in error"}]
        exclusive = http.get("/sage/v3.1/sales_invoices", headers=auth, params={"deleted_since": deleted_at}).json()
        assert exclusive["$total"] == 0


def test_the_state_file_keeps_the_books_and_tokens_exactly(tmp_path: Path) -> None:
    """A restart (another Sandbox on the same file) sees the same records, amounts and times."""
    from fieldbook.sandbox import Sandbox
    from fieldbook.sandbox.common.clock import VirtualClock
    from tests.sandbox.sage_helpers import Sage

    state = tmp_path / "sandbox.json"
    first = Sage(Sandbox(clock=VirtualClock(), state_file=state))
    contact = first.create_contact("Acme Ltd", reference="ACME01")
    invoice = first.create_invoice(contact["id"], [first.line(9.99, quantity=3, tax=5.99)])
    since = invoice["updated_at"]
    again = Sandbox(clock=VirtualClock(), state_file=state)
    assert again.sage.default_business == first.business
    second = Sage(again)
    assert second.get(f"sales_invoices/{invoice['id']}", token=first.tokens["access_token"]).json() == invoice
    listed = second.get("sales_invoices", params={"updated_or_created_since": since}).json()
    assert [i["id"] for i in listed["$items"]] == [invoice["id"]]
    assert second.create_invoice(contact["id"])["invoice_number"] == "SI-2"
