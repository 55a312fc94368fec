"""Keep-alive: the sweeper refreshes idle connections before their refresh tokens lapse, on the
in-process QuickBooks sandbox and one virtual clock (the sandbox really expires the tokens)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from fieldbook.integration import connect as connecting
from fieldbook.integration.ledgers import LOCAL_SANDBOX_APPS, connector_for
from fieldbook.integration.models import Connection, Environment
from fieldbook.integration.sweeper import keep_alive, sweep_once
from tests.integration.conftest import SANDBOX_URL

pytestmark = pytest.mark.django_db
DAY = 24 * 3600
HOST = "http://testserver"
CLIENT_ID, CLIENT_SECRET = LOCAL_SANDBOX_APPS["quickbooks"]


def connect(org, sandbox) -> Connection:  # type: ignore[no-untyped-def]
    """Connect the organisation to the sandbox's default company (consent approved by control call)."""
    connection = Connection.objects.create(
        organisation=org, ledger="quickbooks", environment=Environment.LOCAL, local_url=SANDBOX_URL,
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
    )  # fmt: skip
    _url, state = connecting.start(connection, HOST)
    redirect_uri = connector_for(connection, HOST).settings.redirect_uri
    callback = sandbox.quickbooks.approve_consent(CLIENT_ID, redirect_uri, state)
    connecting.finish(connection, callback, state, HOST)
    connection.refresh_from_db()
    assert connection.status == "connected", connection.status_reason
    return connection


def token_call(sandbox, refresh_token: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    with httpx.Client(transport=sandbox.transport(), base_url=SANDBOX_URL) as http:
        return http.post("/quickbooks/oauth2/v1/tokens/bearer", auth=(CLIENT_ID, CLIENT_SECRET),
                         data={"grant_type": "refresh_token", "refresh_token": refresh_token})  # fmt: skip


def test_a_token_about_to_lapse_is_refreshed_and_a_young_one_is_left_alone(org_a, org_b, sandbox, clock):  # type: ignore[no-untyped-def]
    a = connect(org_a, sandbox)  # day 0: A's refresh token lapses on day 100 if unused
    clock.advance(57 * DAY)
    b = connect(org_b, sandbox)  # day 57: B's lapses on day 157
    clock.advance(40 * DAY)  # day 97
    assert a.refresh_expires_at is not None and b.refresh_expires_at is not None
    assert a.refresh_expires_at - clock.now() == timedelta(days=3)
    assert b.refresh_expires_at - clock.now() == timedelta(days=60)

    report = sweep_once()
    assert report.refreshed == [a.pk] and report.reconnect == [] and report.errors == {}
    old_a, old_b = a, b
    a, b = Connection.objects.get(pk=a.pk), Connection.objects.get(pk=b.pk)
    assert a.refresh_token != old_a.refresh_token
    assert a.refresh_expires_at == clock.now() + timedelta(days=100)  # as the sandbox said
    assert (b.refresh_token, b.refresh_expires_at, b.access_token) == (
        old_b.refresh_token, old_b.refresh_expires_at, old_b.access_token)  # fmt: skip
    assert sweep_once().refreshed == []  # A is young again

    # Day 130: the token A was connected with has lapsed, yet A still works with the saved one.
    clock.advance(33 * DAY)
    assert token_call(sandbox, old_a.refresh_token).json()["error"] == "invalid_grant"
    read = connector_for(a).customers()  # access token long expired: refreshed with the saved token
    assert read.watermark is not None
    assert Connection.objects.get(pk=a.pk).refresh_token not in (a.refresh_token, old_a.refresh_token)


def test_an_unknown_expiry_is_estimated_from_the_last_refresh(org_a, sandbox, clock):  # type: ignore[no-untyped-def]
    a = connect(org_a, sandbox)
    Connection.objects.filter(pk=a.pk).update(refresh_expires_at=None)  # a ledger that does not say
    clock.advance(60 * DAY)
    assert keep_alive(clock.now()).refreshed == []  # QuickBooks tokens live 100 days
    clock.advance(34 * DAY)  # day 94: within a week of day 100
    old = Connection.objects.get(pk=a.pk)
    assert keep_alive(clock.now()).refreshed == [a.pk]
    a.refresh_from_db()
    assert a.refresh_token != old.refresh_token and a.refresh_expires_at == clock.now() + timedelta(days=100)
    assert token_call(sandbox, a.refresh_token).status_code == 200  # the sandbox knows the saved token


def test_revoked_tokens_mark_the_connection_reconnect_required(org_a, sandbox, clock):  # type: ignore[no-untyped-def]
    a = connect(org_a, sandbox)
    sandbox.quickbooks.revoke_tokens(a.company_id)  # the user disconnected the app in QuickBooks
    clock.advance(95 * DAY)
    report = keep_alive(clock.now())
    assert report.reconnect == [a.pk] and report.refreshed == []
    a.refresh_from_db()
    assert a.status == "reconnect_required"
    assert "no longer accepts Fieldbook's sign-in" in a.status_reason and "Reconnect in Settings" in a.status_reason
    assert keep_alive(clock.now()).reconnect == []  # not tried again until the user reconnects


def test_a_busy_sign_in_service_is_tried_again_at_the_next_sweep(org_a, sandbox, clock):  # type: ignore[no-untyped-def]
    a = connect(org_a, sandbox)
    clock.advance(95 * DAY)
    sandbox.faults.add(ledger="quickbooks", kind="http_503", match="/oauth2/v1/tokens/bearer")
    report = keep_alive(clock.now())
    assert report.refreshed == [] and a.pk in report.errors and "busy" in report.errors[a.pk]
    unchanged = Connection.objects.get(pk=a.pk)
    assert unchanged.status == "connected" and unchanged.refresh_token == a.refresh_token
    assert keep_alive(clock.now()).refreshed == [a.pk]
    assert Connection.objects.get(pk=a.pk).refresh_token != a.refresh_token


def test_disconnect_revokes_at_the_ledger(org_a, sandbox, clock):  # type: ignore[no-untyped-def]
    a = connect(org_a, sandbox)
    assert token_call(sandbox, a.refresh_token).status_code == 200  # works before: rotated
    a = Connection.objects.get(pk=a.pk)
    assert connector_for(a).disconnect() is True
    assert token_call(sandbox, a.refresh_token).json()["error"] == "invalid_grant"


def test_the_sweeper_asks_the_connector_to_keep_alive_and_nothing_else(org_a, sandbox, clock, monkeypatch):  # type: ignore[no-untyped-def]
    a = connect(org_a, sandbox)
    clock.advance(97 * DAY)
    asked: list[int] = []

    class NoSession:  # a connector with tokens of its own kind: no `session` attribute to reach into
        def keep_alive(self) -> bool:
            asked.append(a.pk)
            return True

    monkeypatch.setattr("fieldbook.integration.ledgers.connector_for", lambda connection, **kw: NoSession())
    assert keep_alive(clock.now()).refreshed == [a.pk] and asked == [a.pk]
