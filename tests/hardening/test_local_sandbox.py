"""The local-sandbox environment: only where a setting allows it, only loopback (issue 18)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fieldbook.connectors.errors import LedgerError
from fieldbook.integration import ledgers
from fieldbook.integration.models import Connection, Environment

pytestmark = pytest.mark.django_db
SETTINGS = reverse("integration:settings", args=["quickbooks"])


def post(client, url: str):  # type: ignore[no-untyped-def]
    return client.post(SETTINGS, {"environment": "local", "local_url": url, "client_id": "id", "client_secret": "s"})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8999/anything", "http://localhost:8765", "http://[::1]:8765"])
def test_loopback_addresses_are_accepted(client_a, org_a, url):  # type: ignore[no-untyped-def]
    assert post(client_a, url).status_code == 302
    assert Connection.objects.get(organisation=org_a).local_url == url


@pytest.mark.parametrize("url", ["http://203.0.113.5:8999/anything", "http://evil.example/", "http://10.0.0.1/",
                                 "http://127.0.0.1.nip.io/", "http://user:pw@127.0.0.1/"])  # fmt: skip
def test_other_addresses_are_refused(client_a, org_a, url):  # type: ignore[no-untyped-def]
    response = post(client_a, url)
    assert response.status_code == 200 and "must be on this machine" in str(response.context["form"].errors)
    assert not Connection.objects.filter(organisation=org_a, environment=Environment.LOCAL).exists()


def test_switched_off_it_is_neither_offered_nor_used(client_a, org_a, settings):  # type: ignore[no-untyped-def]
    stored = Connection.objects.create(organisation=org_a, ledger="quickbooks", environment=Environment.LOCAL,
                                       local_url="http://127.0.0.1:8999/anything", client_id="id",
                                       client_secret="s")  # fmt: skip
    settings.FIELDBOOK_ALLOW_LOCAL_SANDBOX = False
    page = client_a.get(SETTINGS)
    assert "local" not in [v for v, _ in page.context["form"].fields["environment"].choices]
    assert post(client_a, "http://127.0.0.1:8999/").status_code == 200
    with pytest.raises(LedgerError, match="switched off"):  # a row saved earlier is not used either
        ledgers.connection_settings(stored)
    response = client_a.post(reverse("integration:connect", args=["quickbooks"]), follow=True)
    assert "switched off" in response.content.decode()


def test_production_settings_switch_it_off(monkeypatch):  # type: ignore[no-untyped-def]
    import importlib

    import fieldbook.settings as module

    monkeypatch.delenv("FIELDBOOK_ALLOW_LOCAL_SANDBOX", raising=False)
    try:
        assert importlib.reload(module).FIELDBOOK_ALLOW_LOCAL_SANDBOX is False
    finally:
        monkeypatch.undo()
        importlib.reload(module)
