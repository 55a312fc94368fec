"""OAuth 2.0 (ref §11) and the 401 / 403 envelopes (ref §2)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from fieldbook.sandbox.quickbooks.control import CLIENT_ID, CLIENT_SECRET
from tests.sandbox.helpers import Qbo

REDIRECT = "http://localhost:8000/integration/quickbooks/callback"
TOKEN_URL = "/quickbooks/oauth2/v1/tokens/bearer"


@pytest.fixture
def http(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test:8765")


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}", "Accept": "application/json"}


def exchange(http: httpx.Client, code: str, redirect: str = REDIRECT) -> httpx.Response:
    return http.post(TOKEN_URL, headers=basic(),
                     data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect})


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post(TOKEN_URL, headers=basic(), data={"grant_type": "refresh_token", "refresh_token": token})


def test_discovery_document_points_back_at_this_host(http: httpx.Client) -> None:
    doc = http.get("/quickbooks/.well-known/openid_configuration").json()
    assert doc["token_endpoint"] == "http://sandbox.test:8765/quickbooks/oauth2/v1/tokens/bearer"
    assert doc["authorization_endpoint"] == "http://sandbox.test:8765/quickbooks/connect/oauth2"
    assert doc["revocation_endpoint"] == "http://sandbox.test:8765/quickbooks/v2/oauth2/tokens/revoke"
    assert {"issuer", "jwks_uri", "userinfo_endpoint"} <= set(doc)
    assert http.get("/quickbooks/.well-known/openid_configuration/").status_code == 200


def test_consent_page_form_approve_redirects_with_code_state_realm(sandbox: Sandbox, http: httpx.Client) -> None:
    us = sandbox.quickbooks.seed_company(country="US", name="<b>Bayside</b> & Co")
    params = {"client_id": CLIENT_ID, "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
              "redirect_uri": REDIRECT, "state": "xyz"}
    page = http.get("/quickbooks/connect/oauth2", params=params)
    assert page.status_code == 200 and "Approve" in page.text and 'method="post"' in page.text
    assert "&lt;b&gt;Bayside&lt;/b&gt; &amp; Co" in page.text and "<b>Bayside" not in page.text
    approved = http.post("/quickbooks/connect/oauth2", data={**params, "realmId": us, "decision": "approve"})
    assert approved.status_code == 302
    location = urlsplit(approved.headers["location"])
    query = parse_qs(location.query)
    assert location.path == "/integration/quickbooks/callback"
    assert query["state"] == ["xyz"] and query["realmId"] == [us]
    tokens = exchange(http, query["code"][0])
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == 8640000
    assert exchange(http, query["code"][0]).json()["error"] == "invalid_grant"  # one use only


def test_auto_approve_and_control_approval(sandbox: Sandbox, http: httpx.Client) -> None:
    params = {"client_id": CLIENT_ID, "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
              "redirect_uri": REDIRECT, "state": "s1", "fieldbook_approve": "1"}
    auto = http.get("/quickbooks/connect/oauth2", params=params)
    assert auto.status_code == 302 and "code=" in auto.headers["location"]
    url = sandbox.quickbooks.approve_consent(CLIENT_ID, REDIRECT, "s2")
    query = parse_qs(urlsplit(url).query)
    assert query["realmId"] == [sandbox.quickbooks.default_realm] and query["state"] == ["s2"]
    assert exchange(http, query["code"][0], redirect="http://elsewhere/cb").json()["error"] == "invalid_grant"


def test_token_endpoint_needs_basic_auth(http: httpx.Client, sandbox: Sandbox) -> None:
    issued = sandbox.quickbooks.issue_tokens()
    bad = http.post(TOKEN_URL, headers=basic(secret="wrong"),
                    data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


def test_refresh_rotates_and_old_token_lasts_24_hours(sandbox: Sandbox, http: httpx.Client,
                                                      clock: VirtualClock) -> None:
    first = sandbox.quickbooks.issue_tokens()
    second = refresh(http, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    clock.advance(23 * 3600)
    assert refresh(http, first["refresh_token"]).status_code == 200  # stale but inside the grace
    clock.advance(3600)
    expired = refresh(http, first["refresh_token"])
    assert expired.status_code == 400
    assert expired.json() == {"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"}
    assert refresh(http, second["refresh_token"]).status_code == 200


def test_access_token_lasts_one_hour_with_lower_case_401(sandbox: Sandbox, clock: VirtualClock) -> None:
    qbo = Qbo(sandbox)
    assert qbo.get("companyinfo/1").status_code == 200
    clock.advance(3600)
    response = qbo.get("companyinfo/1")
    assert response.status_code == 401
    fault = response.json()["fault"]
    assert fault["type"] == "AUTHENTICATION" and fault["error"][0]["code"] == "3200"
    assert isinstance(response.json()["time"], int)


def test_token_for_another_company_is_403(sandbox: Sandbox) -> None:
    qbo = Qbo(sandbox)
    other = sandbox.quickbooks.seed_company(country="US")
    qbo.realm = other
    response = qbo.get("companyinfo/1")
    assert response.status_code == 403 and response.json()["fault"]["error"][0]["code"] == "3100"


def test_revoke_kills_access_and_refresh(sandbox: Sandbox, http: httpx.Client) -> None:
    qbo = Qbo(sandbox)
    revoked = http.post("/quickbooks/v2/oauth2/tokens/revoke", headers=basic(),
                        json={"token": qbo.tokens["refresh_token"]})
    assert revoked.status_code == 200
    assert qbo.get("companyinfo/1").status_code == 401
    assert refresh(http, qbo.tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_control_expire_and_revoke(sandbox: Sandbox, http: httpx.Client) -> None:
    qbo = Qbo(sandbox)
    sandbox.quickbooks.expire_access_tokens(qbo.realm)
    assert qbo.get("companyinfo/1").status_code == 401
    fresh = refresh(http, qbo.tokens["refresh_token"]).json()
    assert qbo.get("companyinfo/1", token=fresh["access_token"]).status_code == 200
    sandbox.quickbooks.revoke_tokens(qbo.realm)
    assert qbo.get("companyinfo/1", token=fresh["access_token"]).status_code == 401
    assert refresh(http, fresh["refresh_token"]).json()["error"] == "invalid_grant"


def test_company_info_and_preferences(sandbox: Sandbox) -> None:
    qbo = Qbo(sandbox)
    info = qbo.ok(qbo.get(f"companyinfo/{qbo.realm}"))["CompanyInfo"]  # read by realm id, as QBO does
    assert info["Country"] == "GB" and "CountrySubDivisionCode" not in info["CompanyAddr"]
    prefs = qbo.ok(qbo.get("preferences"))["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "GBP"
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert "PartnerTaxEnabled" not in prefs["TaxPrefs"]
    rates = qbo.ok(qbo.query("select * from TaxRate"))["QueryResponse"]["TaxRate"]
    assert [r["RateValue"] for r in rates] == [20, 5, 0, 0, 0]  # S, R, Z, Exempt, No VAT
