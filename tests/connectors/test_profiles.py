"""Every ledger declares itself through one profile shape; the registry finds them from one list.

The profiles of the ledgers to come (no connector yet) hold what the reference sheets say, which
shows the shape covers an OAuth ledger with a grace period, one with 5-minute tokens and no
published limits, and a desktop ledger that exchanges files."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from fieldbook.connectors import registry
from fieldbook.connectors.base import TokenSet
from fieldbook.connectors.oauth import OAuthEndpoints, OAuthSession
from fieldbook.connectors.profile import LOCAL, OAuthDialect, RevokeBody
from fieldbook.connectors.quickbooks.connector import QuickBooksConnector
from fieldbook.core.clock import VirtualClock
from tests.connectors.conftest import MemoryTokenStore, qbo_settings


def test_the_registry_lists_each_ledger_once_and_offers_only_those_with_a_connector() -> None:
    keys = [p.key for p in registry.profiles()]
    assert len(keys) == len(set(keys)) == len(registry.LEDGER_PACKAGES)
    assert registry.available() == {"quickbooks"}
    assert registry.connector_class("quickbooks") is QuickBooksConnector
    assert QuickBooksConnector.profile is registry.profile("quickbooks")
    with pytest.raises(KeyError):
        registry.connector_class("xero")  # a profile, no connector yet


def test_the_shape_covers_what_the_reference_sheets_say() -> None:
    xero, sage, sage50 = registry.profile("xero"), registry.profile("sage"), registry.profile("sage50")
    assert xero.tokens is not None and xero.tokens.refresh == timedelta(days=60)
    assert xero.tokens.grace == timedelta(minutes=30) and xero.concurrency == 5 and xero.max_batch == 50
    assert xero.capabilities.webhooks and not xero.capabilities.file_exchange
    assert xero.oauth is not None and xero.oauth.company_param == ""  # the tenant comes from /connections
    assert sage.tokens is not None and sage.tokens.access == timedelta(minutes=5)
    assert sage.tokens.refresh == timedelta(days=31) and sage.tokens.grace == timedelta(0)
    assert sage50.capabilities.file_exchange and sage50.tokens is None and sage50.environments == ()
    for p in registry.profiles():
        assert set(p.sensitive_parameters) <= {param.name for param in p.parameters}
        assert LOCAL not in {env.key for env in p.environments}  # the local sandbox is every ledger's


def test_deep_links_come_from_the_profile() -> None:
    qbo = registry.profile("quickbooks")
    assert qbo.link("production", "invoice", "130") == "https://app.qbo.intuit.com/app/invoice?txnId=130"
    assert qbo.link("intuit_sandbox", "customer", "58") == (
        "https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=58")
    assert qbo.link("production", "payment", "1") == "" and qbo.link("production", "invoice", "") == ""
    assert registry.profile("sage").link("production", "invoice", "1") == ""  # no pattern on its sheet


def test_model_choices_come_from_the_profiles() -> None:
    assert dict(registry.ledger_choices())["sage50"] == "Sage 50"
    environments = [key for key, _label in registry.environment_choices()]
    assert environments[0] == "production" and environments[-1] == LOCAL and "intuit_sandbox" in environments


class RevokeEndpoint:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "a1", "refresh_token": "r1", "expires_in": 300,
                                             "refresh_token_expires_in": 2678400, "x_refresh_token_expires_in": 99})
        return httpx.Response(200)


def _session(dialect: OAuthDialect, idp: RevokeEndpoint, clock: VirtualClock) -> OAuthSession:
    store = MemoryTokenStore(TokenSet("a0", "r0", clock.now() + timedelta(hours=1)))
    endpoints = OAuthEndpoints("http://idp.test/auth", "http://idp.test/token", "http://idp.test/revoke")
    return OAuthSession(qbo_settings(), endpoints, store, httpx.Client(transport=httpx.MockTransport(idp)), clock,
                        dialect=dialect)


@pytest.mark.parametrize("body", list(RevokeBody))
def test_revoke_sends_the_body_the_ledger_declares(body: RevokeBody, clock: VirtualClock) -> None:
    idp = RevokeEndpoint()
    assert _session(OAuthDialect(revoke_body=body), idp, clock).revoke()
    sent = idp.seen[-1]
    if body == RevokeBody.JSON:
        assert json.loads(sent.content) == {"token": "r0"}
    else:
        assert parse_qs(sent.content.decode()) == {"token": ["r0"], "token_type_hint": ["refresh_token"]}


def test_the_refresh_tokens_lifetime_is_read_from_the_field_the_ledger_names(clock: VirtualClock) -> None:
    idp = RevokeEndpoint()
    plain = _session(OAuthDialect(), idp, clock).refresh()
    assert plain.refresh_expires_at == clock.now() + timedelta(seconds=2678400)
    named = _session(OAuthDialect(refresh_expiry_field="x_refresh_token_expires_in"), idp, clock).refresh()
    assert named.refresh_expires_at == clock.now() + timedelta(seconds=99)
    silent = _session(OAuthDialect(refresh_expiry_field=""), idp, clock).refresh()
    assert silent.refresh_expires_at is None


def test_the_callback_names_the_company_only_where_the_ledger_puts_it(clock: VirtualClock) -> None:
    idp = RevokeEndpoint()
    callback = "http://localhost/cb?code=abc&state=s&realmId=4620"
    assert _session(OAuthDialect(company_param="realmId"), idp, clock).exchange_code(callback, "s").company_id == "4620"
    assert _session(OAuthDialect(), idp, clock).exchange_code(callback, "s").company_id == "9130"  # the settings'
