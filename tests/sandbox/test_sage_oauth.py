"""Sage OAuth (ref §2): consent, code exchange, 5-minute access tokens, 31-day refresh tokens
rotated on every use with no grace, revoke; at the exact boundaries on the virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from fieldbook.sandbox.sage.control import CLIENT_ID, CLIENT_SECRET
from tests.sandbox.sage_helpers import REDIRECT, Sage

AUTHORIZE = "/sage/oauth2/auth/central"
PARAMS = {"filter": "apiv3.1", "client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT,
          "scope": "full_access", "state": "st-1", "country": "gb"}


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test") as client:
        yield client


def token(http: httpx.Client, **form: str) -> httpx.Response:
    return http.post("/sage/token", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form},
                     headers={"Accept": "application/json"})


def code_from(location: str) -> str:
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def consent_code(http: httpx.Client) -> str:
    reply = http.get(AUTHORIZE, params={**PARAMS, "fieldbook_approve": "1"})
    assert reply.status_code == 302, reply.text
    return code_from(reply.headers["location"])


def api(http: httpx.Client, access: str, business: str) -> httpx.Response:
    return http.get("/sage/v3.1/businesses", headers={"Authorization": f"Bearer {access}", "X-Business": business})


def test_consent_page_lists_businesses_escaped_and_allow_redirects_with_code_and_state(
        sandbox: Sandbox, http: httpx.Client) -> None:
    second = sandbox.sage.seed_business(name="<b>Bayside</b> & Co")
    page = http.get(AUTHORIZE, params=PARAMS)
    assert page.status_code == 200 and 'method="post"' in page.text and "Allow" in page.text
    assert "&lt;b&gt;Bayside&lt;/b&gt; &amp; Co" in page.text and "<b>Bayside" not in page.text
    allowed = http.post(AUTHORIZE, data={**PARAMS, "business_id": second, "decision": "allow"})
    assert allowed.status_code == 302
    location = urlsplit(allowed.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    issued = token(http, grant_type="authorization_code", code=code_from(allowed.headers["location"]),
                   redirect_uri=REDIRECT).json()
    # The chosen business is the grant's lead business: used when X-Business is absent.
    lead = http.get("/sage/v3.1/financial_settings", headers={"Authorization": f"Bearer {issued['access_token']}"})
    assert lead.status_code == 200
    assert sandbox.sage.calls_without_business() == 1


def test_consent_cancel_and_unknown_client(http: httpx.Client) -> None:
    denied = http.post(AUTHORIZE, data={**PARAMS, "decision": "deny"})
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {"error": ["access_denied"], "state": ["st-1"]}
    assert http.get(AUTHORIZE, params={**PARAMS, "client_id": "nobody"}).status_code == 400
    assert http.get(AUTHORIZE, params={**PARAMS, "scope": "everything"}).status_code == 400


def test_approval_control_returns_the_callback_url(sandbox: Sandbox, http: httpx.Client) -> None:
    url = sandbox.sage.approve_consent(CLIENT_ID, REDIRECT, "st-1")
    reply = token(http, grant_type="authorization_code", code=code_from(url), redirect_uri=REDIRECT)
    assert reply.status_code == 200


def test_approval_over_the_control_endpoint_as_fieldbook_connect_calls_it(sandbox: Sandbox,
                                                                           http: httpx.Client) -> None:
    other = sandbox.sage.seed_business(name="Bayside")
    reply = http.post("/control/sage/approve_consent", json={"client_id": CLIENT_ID, "redirect_uri": REDIRECT,
                                                            "state": "st-1", "realm_id": other})
    assert reply.status_code == 200, reply.text
    issued = token(http, grant_type="authorization_code", code=code_from(reply.json()["result"]),
                   redirect_uri=REDIRECT).json()
    assert api(http, issued["access_token"], other).status_code == 200
    lead = http.get("/sage/v3.1/financial_settings", headers={"Authorization": f"Bearer {issued['access_token']}"})
    assert lead.status_code == 200
    refused = http.post("/control/sage/approve_consent", json={"client_id": "nobody", "redirect_uri": REDIRECT,
                                                              "state": "s"})
    assert (refused.status_code, refused.json()) == (409, {"error": "unknown client_id 'nobody'"})


def test_code_exchange_gives_the_documented_token_response(sandbox: Sandbox, http: httpx.Client) -> None:
    reply = token(http, grant_type="authorization_code", code=consent_code(http), redirect_uri=REDIRECT)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"access_token", "scope", "token_type", "expires_in", "refresh_token",
                         "refresh_token_expires_in", "requested_by_id"}
    assert (body["expires_in"], body["refresh_token_expires_in"], body["token_type"], body["scope"]) == (
        300, 2678400, "bearer", "full_access")
    assert api(http, body["access_token"], sandbox.sage.default_business).status_code == 200


def test_code_is_single_use(http: httpx.Client) -> None:
    code = consent_code(http)
    assert token(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).status_code == 200
    again = token(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(("age", "status"), [(59.999, 200), (60, 400)])
def test_code_lives_60_seconds(http: httpx.Client, clock: VirtualClock, age: float, status: int) -> None:
    code = consent_code(http)
    clock.advance(age)
    assert token(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).status_code == status


def test_redirect_uri_must_be_identical_and_grant_type_known(http: httpx.Client) -> None:
    other = token(http, grant_type="authorization_code", code=consent_code(http), redirect_uri=REDIRECT + "/")
    assert (other.status_code, other.json()["error"]) == (400, "invalid_grant")
    bad = token(http, grant_type="password", code=consent_code(http), redirect_uri=REDIRECT)
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_grant")
    wrong = http.post("/sage/token", data={"client_id": CLIENT_ID, "client_secret": "nope",
                                           "grant_type": "refresh_token", "refresh_token": "x"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(("age", "status"), [(299.999, 200), (300, 401)])
def test_access_token_lives_300_seconds(sandbox: Sandbox, clock: VirtualClock, age: float, status: int) -> None:
    sage = Sage(sandbox)
    clock.advance(age)
    reply = sage.get("businesses")
    assert reply.status_code == status
    if status == 401:
        assert reply.json() == [{"$severity": "error", "$dataCode": "AuthorizationFailure",
                                 "$message": "Invalid or expired access token", "$source": ""}]


def test_refresh_rotates_and_the_old_token_is_rejected_at_once(sandbox: Sandbox, http: httpx.Client) -> None:
    first = sandbox.sage.issue_tokens()
    second = token(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    # No grace: the same instant, the spent refresh token is refused.
    stale = token(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (stale.status_code, stale.json()) == (400, {"error": "invalid_grant"})
    third = token(http, grant_type="refresh_token", refresh_token=rotated["refresh_token"])
    assert third.status_code == 200
    assert api(http, third.json()["access_token"], first["business_id"]).status_code == 200


def test_a_lost_refresh_answer_loses_the_grant(sandbox: Sandbox, http: httpx.Client) -> None:
    """The pitfall of ref §18: the new pair never reached the client, the old one is spent."""
    first = sandbox.sage.issue_tokens()
    sandbox.faults.add(ledger="sage", kind="reset_after", match="/token")
    with pytest.raises(httpx.RemoteProtocolError):
        token(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    retry = token(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (retry.status_code, retry.json()) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(("age", "status"), [(2_678_399, 200), (2_678_400, 400)])
def test_refresh_token_lives_31_days(sandbox: Sandbox, http: httpx.Client, clock: VirtualClock,
                                     age: float, status: int) -> None:
    first = sandbox.sage.issue_tokens()
    clock.advance(age)
    assert token(http, grant_type="refresh_token", refresh_token=first["refresh_token"]).status_code == status


def test_revoke_ends_the_grant(sandbox: Sandbox, http: httpx.Client) -> None:
    issued = sandbox.sage.issue_tokens()
    other = sandbox.sage.issue_tokens()
    reply = http.post("/sage/revoke", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                            "token": issued["refresh_token"]})
    assert reply.status_code == 200
    assert api(http, issued["access_token"], issued["business_id"]).status_code == 401
    assert token(http, grant_type="refresh_token", refresh_token=issued["refresh_token"]).status_code == 400
    assert api(http, other["access_token"], other["business_id"]).status_code == 200  # another grant lives
    unauthenticated = http.post("/sage/revoke", data={"token": other["refresh_token"]})
    assert unauthenticated.status_code == 401


def test_readonly_scope_reads_but_cannot_write(sandbox: Sandbox) -> None:
    sage = Sage(sandbox)
    readonly = sandbox.sage.issue_tokens(scope="readonly")["access_token"]
    assert sage.get("contacts", token=readonly).status_code == 200
    refused = sage.post("contacts", {"contact": {"name": "A", "contact_type_ids": ["CUSTOMER"]}}, token=readonly)
    assert refused.status_code == 403 and refused.json()[0]["$dataCode"] == "AccessDenied"


def test_token_faults_expire_and_revoke(sandbox: Sandbox) -> None:
    sage = Sage(sandbox)
    sandbox.faults.add(ledger="sage", kind="expired_token")
    assert sage.get("businesses").status_code == 401
    fresh = sandbox.sage.issue_tokens()
    sandbox.faults.add(ledger="sage", kind="revoked")
    assert sage.get("businesses", token=fresh["access_token"]).status_code == 401
    assert sandbox.sage.issue_tokens()["access_token"]  # the app may connect again


def test_ended_subscription_is_refused_with_the_documented_body(sandbox: Sandbox) -> None:
    sage = Sage(sandbox)
    sandbox.sage.set_subscription(active=False)
    reply = sage.get("contacts")
    assert (reply.status_code, reply.json()) == (401, [{"$severity": "error", "$dataCode": "AuthorizationFailure",
                                                        "$message": "No active subscription. (MSE)", "$source": ""}])
    sandbox.sage.set_subscription(active=True)
    assert sage.get("contacts").status_code == 200
