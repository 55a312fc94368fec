"""Xero identity (ref §9): consent, code exchange, refresh rotation with a 30-minute grace,
60-day idle expiry, revocation, connections, granular and classic scopes."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from fieldbook.sandbox.xero.control import CLIENT_ID, CLIENT_SECRET, ControlError
from fieldbook.sandbox.xero.tokens import CLASSIC_DEFAULT, GRANULAR_DEFAULT
from tests.sandbox.xero_helpers import Xero

REDIRECT = "http://localhost:8000/integration/xero/callback"
TOKEN_URL = "/xero/connect/token"


@pytest.fixture
def http(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test:8765")


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}", "Accept": "application/json"}


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post(TOKEN_URL, headers=basic(), data={"grant_type": "refresh_token", "refresh_token": token})


def api_status(http: httpx.Client, token: str, tenant: str) -> int:
    return http.get("/xero/api.xro/2.0/Organisation", headers={
        "Authorization": f"Bearer {token}", "xero-tenant-id": tenant, "Accept": "application/json"}).status_code


def consent(http: httpx.Client, scope: str = CLASSIC_DEFAULT, **extra: str) -> httpx.Response:
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": scope,
              "state": "st-1", **extra}
    return http.get("/xero/identity/connect/authorize", params=params)


def test_consent_page_allow_then_code_exchange_connects_the_chosen_organisation(
        sandbox: Sandbox, http: httpx.Client) -> None:
    second = sandbox.xero.seed_organisation("<b>Second</b> & Co")
    page = consent(http)
    assert page.status_code == 200 and "Allow access" in page.text and 'method="post"' in page.text
    assert "&lt;b&gt;Second&lt;/b&gt; &amp; Co" in page.text and "<b>Second" not in page.text
    form = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": CLASSIC_DEFAULT,
            "state": "st-1", "tenantId": second, "decision": "allow"}
    allowed = http.post("/xero/identity/connect/authorize", data=form)
    assert allowed.status_code == 302
    query = parse_qs(urlsplit(allowed.headers["location"]).query)
    assert query["state"] == ["st-1"] and query["scope"] == [CLASSIC_DEFAULT]
    done = http.post(TOKEN_URL, headers=basic(), data={"grant_type": "authorization_code", "code": query["code"][0],
                                                         "redirect_uri": REDIRECT})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer" and body["refresh_token"]
    assert {"id_token", "access_token", "scope"} <= set(body)
    listed = http.get("/xero/connections", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert [(c["tenantId"], c["tenantName"], c["tenantType"]) for c in listed] == \
        [(second, "<b>Second</b> & Co", "ORGANISATION")]
    assert api_status(http, body["access_token"], second) == 200
    assert api_status(http, body["access_token"], sandbox.xero.default_tenant()) == 403
    again = http.post(TOKEN_URL, headers=basic(), data={"grant_type": "authorization_code", "code": query["code"][0],
                                                          "redirect_uri": REDIRECT})
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


def test_deny_and_the_sandbox_approval_control(sandbox: Sandbox, http: httpx.Client) -> None:
    denied = http.post("/xero/identity/connect/authorize", data={
        "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": CLASSIC_DEFAULT, "state": "s", "decision": "deny"})
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    quick = consent(http, fieldbook_approve="1")
    assert quick.status_code == 302 and "code=" in quick.headers["location"]
    url = sandbox.xero.approve_consent(CLIENT_ID, REDIRECT, "st-2", realm_id=sandbox.xero.default_tenant())
    code = parse_qs(urlsplit(url).query)["code"][0]
    done = http.post(TOKEN_URL, headers=basic(), data={"grant_type": "authorization_code", "code": code,
                                                         "redirect_uri": REDIRECT})
    assert done.status_code == 200


def test_refresh_rotates_and_the_previous_token_has_a_30_minute_grace(
        sandbox: Sandbox, clock: VirtualClock, http: httpx.Client) -> None:
    first = sandbox.xero.issue_tokens()
    second = refresh(http, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"] and second["expires_in"] == 1800
    clock.advance(29 * 60 + 59)
    retried = refresh(http, first["refresh_token"])  # a crash lost `second`: the retry still works
    assert retried.status_code == 200
    clock.advance(1)
    late = refresh(http, first["refresh_token"])
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    assert refresh(http, retried.json()["refresh_token"]).status_code == 200


def test_access_tokens_last_30_minutes_and_unused_refresh_tokens_60_days(
        sandbox: Sandbox, clock: VirtualClock, http: httpx.Client) -> None:
    issued = sandbox.xero.issue_tokens()
    tenant = issued["tenant_id"]
    clock.advance(30 * 60 - 1)
    assert api_status(http, issued["access_token"], tenant) == 200
    clock.advance(1)
    expired = http.get("/xero/api.xro/2.0/Organisation", headers={
        "Authorization": f"Bearer {issued['access_token']}", "xero-tenant-id": tenant, "Accept": "application/json"})
    assert expired.status_code == 401 and expired.json()["Detail"].startswith("TokenExpired")
    clock.advance(60 * 86400 - 30 * 60 - 1)
    kept = sandbox.xero.issue_tokens()
    assert refresh(http, issued["refresh_token"]).status_code == 200  # 1 s before 60 days unused
    clock.advance(60 * 86400)
    assert refresh(http, kept["refresh_token"]).json() == {"error": "invalid_grant"}


def test_revocation_removes_the_tokens_and_the_connections(sandbox: Sandbox, http: httpx.Client) -> None:
    issued = sandbox.xero.issue_tokens()
    revoked = http.post("/xero/connect/revocation", headers=basic(), data={"token": issued["refresh_token"]})
    assert revoked.status_code == 200
    assert refresh(http, issued["refresh_token"]).json() == {"error": "invalid_grant"}
    assert http.get("/xero/connections",
                    headers={"Authorization": f"Bearer {issued['access_token']}"}).status_code == 401
    assert http.post("/xero/connect/revocation", headers=basic(secret="wrong"),
                     data={"token": "x"}).json() == {"error": "invalid_client"}


def test_connections_list_and_delete_one(sandbox: Sandbox, http: httpx.Client) -> None:
    issued = sandbox.xero.issue_tokens()
    auth = {"Authorization": f"Bearer {issued['access_token']}"}
    listed = http.get("/xero/connections", headers=auth).json()
    assert len(listed) == 1 and listed[0]["tenantId"] == issued["tenant_id"]
    assert set(listed[0]) == {"id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc",
                              "updatedDateUtc"}
    assert http.get("/xero/Connections", headers=auth).json() == listed
    assert http.delete("/xero/connections/no-such-id", headers=auth).status_code == 404
    assert http.delete(f"/xero/Connections/{listed[0]['id']}", headers=auth).status_code == 204
    assert http.get("/xero/connections", headers=auth).json() == []
    assert api_status(http, issued["access_token"], issued["tenant_id"]) == 403


def test_granular_only_apps_refuse_classic_scopes_and_scopes_gate_the_endpoints(
        sandbox: Sandbox, http: httpx.Client) -> None:
    sandbox.xero.register_app("NEWAPP", "new-secret")  # created after 2 March 2026
    with pytest.raises(ControlError, match="granular"):
        sandbox.xero.approve_consent("NEWAPP", REDIRECT, "s", scope=CLASSIC_DEFAULT)
    refused = http.get("/xero/identity/connect/authorize", params={
        "response_type": "code", "client_id": "NEWAPP", "redirect_uri": REDIRECT, "scope": CLASSIC_DEFAULT})
    assert parse_qs(urlsplit(refused.headers["location"]).query)["error"] == ["invalid_scope"]
    assert sandbox.xero.approve_consent("NEWAPP", REDIRECT, "s", scope=GRANULAR_DEFAULT).startswith(REDIRECT)
    granular = Xero(sandbox, scope=GRANULAR_DEFAULT)
    assert granular.get("Invoices").status_code == 200
    contacts_only = Xero(sandbox, scope="openid offline_access accounting.contacts.read")
    assert contacts_only.get("Contacts").status_code == 200
    assert contacts_only.put("Contacts", {"Contacts": [{"Name": "X"}]}).status_code == 401
    assert contacts_only.get("Invoices").json()["Detail"] == "AuthorizationUnsuccessful"


def test_api_calls_need_the_tenant_header_and_json(sandbox: Sandbox) -> None:
    xero = Xero(sandbox)
    assert xero.get("Contacts", tenant="").status_code == 403
    assert xero.get("Contacts", tenant="00000000-0000-0000-0000-000000000001").status_code == 403
    assert xero.get("Contacts", headers={"Accept": "application/xml"}).status_code == 406
    assert xero.get("Contacts").headers["content-type"].startswith("application/json")
