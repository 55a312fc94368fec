"""Connect and its callback: admin-only, and a failed one never touches a working connection
(issue 18, Access control); settings that cannot be saved wrong (issue 11)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from fieldbook.integration import service
from fieldbook.integration.models import Connection
from tests.integration.conftest import SANDBOX_URL
from tests.integration.test_connect import CLIENT_ID, CLIENT_SECRET, SETTINGS, consent

pytestmark = pytest.mark.django_db
CONNECT = reverse("integration:connect", args=["quickbooks"])
CALLBACK = reverse("integration:callback", args=["quickbooks"])


def _state(response) -> str:  # type: ignore[no-untyped-def]
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


def _working(connection: Connection) -> tuple[str, str, str, str]:
    connection.refresh_from_db()
    return connection.status, connection.access_token, connection.refresh_token, connection.company_id


def test_staff_can_neither_connect_nor_finish_a_connect(connected, bob):  # type: ignore[no-untyped-def]
    before = _working(connected)
    staff = Client()
    staff.force_login(bob)
    response = staff.post(CONNECT, follow=True)
    assert "Only an administrator" in response.content.decode()
    session = staff.session
    session["oauth_state:quickbooks"] = "known-state"
    session.save()
    response = staff.get(CALLBACK, {"code": "bogus", "state": "known-state", "realmId": "x"}, follow=True)
    assert "Only an administrator" in response.content.decode()
    assert _working(connected) == before


def test_a_failed_callback_keeps_the_working_connection(client_a, connected):  # type: ignore[no-untyped-def]
    before = _working(connected)
    state = _state(client_a.post(CONNECT))
    response = client_a.get(CALLBACK, {"code": "bogus", "state": state, "realmId": "x"}, follow=True)
    assert "did not accept this sign-in reply" in response.content.decode()
    assert _working(connected) == before


def test_a_failed_connect_to_another_company_keeps_the_company_and_the_next_connect_works(
    client_a, org_a, connected, sandbox
):  # type: ignore[no-untyped-def]
    usd = sandbox.quickbooks.seed_company(country="US")  # home currency USD: refused
    realm = usd if isinstance(usd, str) else usd["realm_id"]
    before = _working(connected)
    response = client_a.post(CONNECT)
    query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    url = sandbox.quickbooks.approve_consent(query["client_id"], query["redirect_uri"], query["state"], realm_id=realm)
    page = client_a.get(f"{urlsplit(url).path}?{urlsplit(url).query}", follow=True).content.decode()
    assert "keeps its books in USD" in page
    assert _working(connected) == before
    client_a.get(consent(client_a, sandbox))  # the next Connect, to the right company, succeeds
    connected.refresh_from_db()
    assert connected.status == "connected" and connected.company_id == before[3]


def test_new_credentials_wait_for_a_successful_connect(client_a, connected, sandbox):  # type: ignore[no-untyped-def]
    before = _working(connected)
    response = client_a.post(SETTINGS, {"environment": "local", "local_url": SANDBOX_URL, "client_id": CLIENT_ID,
                                        "client_secret": "a-wrong-secret"}, follow=True)  # fmt: skip
    assert "not yet in use" in response.content.decode()
    connected.refresh_from_db()
    assert connected.client_secret == CLIENT_SECRET and _working(connected) == before
    assert service.run_compare(connected, "customers") is not None  # the working connection still works
    # Connect with the wrong secret fails, says what to check, and the connection stays working.
    state = _state(client_a.post(CONNECT))
    query = {"client_id": CLIENT_ID, "redirect_uri": "http://testserver/integration/quickbooks/callback/"}
    url = sandbox.quickbooks.approve_consent(query["client_id"], query["redirect_uri"], state)
    page = client_a.get(f"{urlsplit(url).path}?{urlsplit(url).query}", follow=True).content.decode()
    assert "check the client id and secret" in page
    assert _working(connected) == before
    connected.refresh_from_db()
    assert connected.client_secret == CLIENT_SECRET and connected.pending
    # Correct credentials saved, then a Connect with them succeeds: they are the ones in use.
    client_a.post(SETTINGS, {"environment": "local", "local_url": SANDBOX_URL, "client_id": CLIENT_ID,
                             "client_secret": CLIENT_SECRET})  # fmt: skip
    client_a.get(consent(client_a, sandbox))
    connected.refresh_from_db()
    assert connected.status == "connected" and not connected.pending and connected.client_secret == CLIENT_SECRET


def test_invalid_client_says_check_the_client_id_and_secret(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    client_a.post(SETTINGS, {"environment": "local", "local_url": SANDBOX_URL, "client_id": CLIENT_ID,
                             "client_secret": "not-the-secret"})  # fmt: skip
    response = client_a.get(consent(client_a, sandbox), follow=True)
    assert "check the client id and secret" in response.content.decode()
    connection = Connection.objects.get(organisation=org_a)
    assert connection.status == "not_connected" and "check the client id and secret" in connection.status_reason


def test_a_blank_client_id_is_refused_on_the_form(client_a, connected):  # type: ignore[no-untyped-def]
    response = client_a.post(SETTINGS, {"environment": "local", "local_url": SANDBOX_URL, "client_id": ""})
    assert response.status_code == 200 and "client_id" in response.context["form"].errors
    connected.refresh_from_db()
    assert connected.client_id == CLIENT_ID and connected.is_connected


def test_an_unreachable_local_url_says_what_to_check_at_once(client_a, org_a):  # type: ignore[no-untyped-def]
    # No in-process sandbox here: the real network, where nothing listens on port 9.
    client_a.post(SETTINGS, {"environment": "local", "local_url": "http://127.0.0.1:9", "client_id": CLIENT_ID,
                             "client_secret": CLIENT_SECRET})  # fmt: skip
    began = time.monotonic()
    response = client_a.post(CONNECT, follow=True)
    took = time.monotonic() - began
    page = response.content.decode()
    assert "Nothing answers at http://127.0.0.1:9" in page and "check the local sandbox URL" in page
    assert took < 5, took  # the probe's own 3 s timeout bounds it (a refused port answers at once)


def test_the_status_says_reconnect_required_at_the_first_refusal(client_a, connected, sandbox):  # type: ignore[no-untyped-def]
    sandbox.quickbooks.revoke_tokens(connected.company_id)
    sandbox.quickbooks.expire_access_tokens(connected.company_id)
    client_a.get(reverse("integration:transfer", args=["quickbooks", "customers"]), {"compare": "1"})
    connected.refresh_from_db()
    assert connected.status == "reconnect_required"
