"""OAuth over a mock token endpoint: consent URL, code exchange, refresh ahead of expiry under the
token lock with the rotated refresh token saved first, 401 -> refresh and retry once."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fieldbook.connectors.base import TokenSet
from fieldbook.connectors.errors import Permanent, ReconnectRequired
from fieldbook.connectors.oauth import OAuthSession
from fieldbook.connectors.quickbooks.api import endpoints_for
from fieldbook.connectors.quickbooks.profile import PROFILE
from fieldbook.core.clock import VirtualClock
from tests.connectors.conftest import MemoryTokenStore, qbo_settings


class FakeIdP:
    """Token endpoint rotating refresh tokens like QBO (§11); an API answering 401 to old tokens."""

    def __init__(self) -> None:
        self.n = 0
        self.valid_refresh = {"r0"}
        self.current_access = "a0"
        self.token_calls: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tokens/bearer"):
            assert request.headers["Authorization"] == "Basic " + base64.b64encode(
                b"fieldbook-sandbox-qbo:s3cret").decode()
            form = parse_qs(request.content.decode())
            self.token_calls.append(form)
            if form["grant_type"] == ["refresh_token"] and form["refresh_token"][0] not in self.valid_refresh:
                return httpx.Response(400, json={"error": "invalid_grant",
                                                 "error_description": "Incorrect or invalid refresh token"})
            self.n += 1
            self.valid_refresh.add(f"r{self.n}")
            self.current_access = f"a{self.n}"
            return httpx.Response(200, json={"access_token": self.current_access, "refresh_token": f"r{self.n}",
                                             "token_type": "bearer", "expires_in": 3600,
                                             "x_refresh_token_expires_in": 8640000})
        if request.headers.get("Authorization") != f"Bearer {self.current_access}":
            return httpx.Response(401, json={"fault": {"error": [{"code": "3200"}]}})
        return httpx.Response(200, json={"ok": True})


def session(clock: VirtualClock, store: MemoryTokenStore, idp: FakeIdP) -> OAuthSession:
    settings = qbo_settings()
    return OAuthSession(settings, endpoints_for(settings), store, httpx.Client(transport=httpx.MockTransport(idp)),
                        clock, dialect=PROFILE.oauth)


def tokens(clock: VirtualClock, minutes: int = 60) -> TokenSet:
    return TokenSet("a0", "r0", clock.now() + timedelta(minutes=minutes), company_id="9130")


def test_authorization_url_and_code_exchange(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(), FakeIdP()
    oauth = session(clock, store, idp)
    url, state = oauth.authorization_url()
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("http://sandbox.test/quickbooks/connect/oauth2?")
    assert query["state"] == [state] and query["response_type"] == ["code"]
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    saved = oauth.exchange_code(f"http://localhost/cb?code=abc&state={state}&realmId=4620", state)
    assert idp.token_calls[0]["grant_type"] == ["authorization_code"] and idp.token_calls[0]["code"] == ["abc"]
    assert store.tokens == saved and saved.company_id == "4620"
    assert saved.expires_at == clock.now() + timedelta(hours=1)
    with pytest.raises(Permanent):
        oauth.exchange_code("http://localhost/cb?code=abc&state=forged", state)


def test_refresh_ahead_of_expiry_saves_rotated_token_first(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(tokens(clock, minutes=3)), FakeIdP()
    oauth = session(clock, store, idp)
    response = oauth.request("GET", "http://sandbox.test/quickbooks/v3/company/9130/query")
    assert response.status_code == 200
    assert [c["grant_type"] for c in idp.token_calls] == [["refresh_token"]]
    assert store.tokens is not None and store.tokens.refresh_token == "r1" and store.locks == 1


def test_no_refresh_while_token_is_fresh(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(tokens(clock)), FakeIdP()
    session(clock, store, idp).request("GET", "http://sandbox.test/x")
    assert idp.token_calls == []


def test_401_refreshes_and_retries_once(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(tokens(clock)), FakeIdP()
    idp.current_access = "revoked-elsewhere"
    response = session(clock, store, idp).request("GET", "http://sandbox.test/x")
    assert response.status_code == 200 and len(idp.token_calls) == 1


def test_another_process_already_refreshed(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(tokens(clock, minutes=1)), FakeIdP()
    oauth = session(clock, store, idp)
    store.tokens = TokenSet("a9", "r9", clock.now() + timedelta(hours=1), company_id="9130")
    assert oauth.refresh(stale_access="a0").access_token == "a9"
    assert idp.token_calls == []


def test_invalid_grant_is_reconnect_required(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(tokens(clock, minutes=1)), FakeIdP()
    idp.valid_refresh.clear()
    with pytest.raises(ReconnectRequired) as caught:
        session(clock, store, idp).access_token()
    assert caught.value.code == "invalid_grant" and caught.value.fix


def test_crash_between_refresh_and_save_recovers_with_previous_refresh_token(clock: VirtualClock) -> None:
    store, idp = MemoryTokenStore(tokens(clock, minutes=1)), FakeIdP()
    store.crash_on_save = True
    with pytest.raises(SystemExit):
        session(clock, store, idp).access_token()
    assert store.tokens is not None and store.tokens.refresh_token == "r0"  # nothing saved
    # A new process refreshes with the previous refresh token, still valid within 24 h.
    assert session(clock, store, idp).access_token() == "a2"
    assert store.tokens.refresh_token == "r2"
