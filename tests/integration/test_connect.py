from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.urls import reverse

from fieldbook.integration.ledgers import LOCAL_SANDBOX_APPS
from fieldbook.integration.models import Connection
from fieldbook.sandbox.server import start_in_thread
from tests.integration.conftest import SANDBOX_URL

pytestmark = pytest.mark.django_db
CLIENT_ID, CLIENT_SECRET = LOCAL_SANDBOX_APPS["quickbooks"]
SETTINGS = reverse("integration:settings", args=["quickbooks"])


def save_settings(client):  # type: ignore[no-untyped-def]
    response = client.post(SETTINGS, {"environment": "local", "local_url": SANDBOX_URL, "client_id": CLIENT_ID,
                                      "client_secret": CLIENT_SECRET})  # fmt: skip
    assert response.status_code == 302, response.content


def consent(client, sandbox):  # type: ignore[no-untyped-def]
    """Press Connect, approve on the sandbox's consent page, return the callback path."""
    response = client.post(reverse("integration:connect", args=["quickbooks"]))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/quickbooks/connect/oauth2"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["redirect_uri"] == "http://testserver/integration/quickbooks/callback/"
    url = sandbox.quickbooks.approve_consent(query["client_id"], query["redirect_uri"], query["state"])
    callback = urlsplit(url)
    return f"{callback.path}?{callback.query}"


def test_connect_through_the_consent_page_stores_the_company(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    save_settings(client_a)
    response = client_a.get(consent(client_a, sandbox), follow=True)
    connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
    assert connection.status == "connected", connection.status_reason
    assert connection.company_id == sandbox.quickbooks.default_realm
    assert connection.home_currency == "GBP" and connection.refresh_token
    assert f"Connected to {connection.company_name}" in response.content.decode()


def test_secrets_are_encrypted_at_rest_and_never_shown(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    save_settings(client_a)
    client_a.get(consent(client_a, sandbox))
    connection = Connection.objects.get(organisation=org_a)
    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret, refresh_token, access_token FROM integration_connection")
        stored = cursor.fetchone()
    assert CLIENT_SECRET not in stored[0] and connection.refresh_token not in stored[1]
    assert connection.access_token not in stored[2]
    page = client_a.get(SETTINGS).content.decode()
    assert CLIENT_SECRET not in page and connection.refresh_token not in page and connection.access_token not in page
    assert "A client secret is saved." in page


def test_a_blank_secret_keeps_the_saved_one(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    save_settings(client_a)
    client_a.post(SETTINGS, {"environment": "local", "local_url": SANDBOX_URL, "client_id": "other-id"})
    connection = Connection.objects.get(organisation=org_a)
    assert connection.client_id == "other-id" and connection.client_secret == CLIENT_SECRET


def test_staff_cannot_change_settings(client, bob, org_a, sandbox):  # type: ignore[no-untyped-def]
    client.force_login(bob)
    response = client.post(SETTINGS, {"environment": "production", "client_id": "x", "client_secret": "y"}, follow=True)
    assert "Only an administrator" in response.content.decode()
    assert Connection.objects.get(organisation=org_a).client_id == ""


def test_home_currency_mismatch_is_refused_with_the_reason(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    org_a.home_currency = "USD"
    org_a.save()
    save_settings(client_a)
    response = client_a.get(consent(client_a, sandbox), follow=True)
    connection = Connection.objects.get(organisation=org_a)
    assert connection.status == "not_connected" and not connection.refresh_token
    assert "keeps its books in GBP" in connection.status_reason
    assert "keeps its books in GBP" in response.content.decode()


def test_the_callback_works_once_and_checks_state(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    save_settings(client_a)
    callback = consent(client_a, sandbox)
    forged = callback.replace("state=", "state=forged")
    response = client_a.get(forged, follow=True)
    assert "did not match" in response.content.decode()
    assert Connection.objects.get(organisation=org_a).status == "not_connected"
    response = client_a.get(callback, follow=True)  # the state was used up by the forged attempt
    assert "was not expected" in response.content.decode()


def test_denied_consent_says_so(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    save_settings(client_a)
    client_a.post(reverse("integration:connect", args=["quickbooks"]))
    response = client_a.get(reverse("integration:callback", args=["quickbooks"]), {"error": "access_denied"},
                            follow=True)  # fmt: skip
    assert "did not grant access" in response.content.decode()


def test_cli_connects_to_a_served_sandbox_without_a_browser(org_a, tmp_path):  # type: ignore[no-untyped-def]
    url, sandbox, stop = start_in_thread(port=0, relaxed_limits=True)
    try:
        call_command("connect", "quickbooks", org=org_a.slug, local_sandbox=url)
        connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
        assert connection.status == "connected" and connection.company_id == sandbox.quickbooks.default_realm
        with pytest.raises(CommandError, match="No organisation"):
            call_command("connect", "quickbooks", org="nope", local_sandbox=url)
    finally:
        stop()


def test_connect_suggests_a_tax_mapping_and_settings_checks_it(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from fieldbook.catalogue.models import TaxCode

    for code, rate in (("S", "20"), ("R", "5"), ("Z", "0")):
        TaxCode.objects.create(organisation=org_a, code=code, name=f"VAT {rate}", rate=Decimal(rate))
    save_settings(client_a)
    client_a.get(consent(client_a, sandbox))
    connection = Connection.objects.get(organisation=org_a)
    mapped = connection.mapping["tax_codes"]
    assert set(mapped) == {"S", "R", "Z"} and len(set(mapped.values())) == 3
    TaxCode.objects.create(organisation=org_a, code="NEW", name="Something new", rate=Decimal("12.5"))
    page = client_a.get(SETTINGS)
    assert "Our tax code NEW is not mapped" in page.content.decode()
    form = page.context["mapping_form"]
    twelve_and_half = [v for v, label in form.fields["tax_NEW"].choices if v]
    response = client_a.post(SETTINGS, {"save_mapping": "1", **{f"tax_{k}": v for k, v in mapped.items()},
                                        "tax_NEW": twelve_and_half[0]}, follow=True)  # fmt: skip
    assert "Mapping saved." in response.content.decode()
    connection.refresh_from_db()
    assert connection.mapping["tax_codes"]["NEW"] == twelve_and_half[0]
    assert "is not mapped" not in response.content.decode()


def test_disconnect_revokes_fieldbooks_access_at_the_ledger(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    import httpx

    save_settings(client_a)
    client_a.get(consent(client_a, sandbox))
    connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
    refresh = connection.refresh_token
    response = client_a.post(reverse("integration:disconnect", args=["quickbooks"]))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "not_connected" and connection.refresh_token == ""
    with httpx.Client(transport=sandbox.transport(), base_url=SANDBOX_URL) as http:
        reply = http.post("/quickbooks/oauth2/v1/tokens/bearer", auth=(CLIENT_ID, CLIENT_SECRET),
                          data={"grant_type": "refresh_token", "refresh_token": refresh})  # fmt: skip
    assert reply.json()["error"] == "invalid_grant"  # revoked, not merely forgotten here
