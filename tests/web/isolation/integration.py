from __future__ import annotations

from django.urls import reverse

from fieldbook.integration.models import Connection


def connected(org):  # type: ignore[no-untyped-def]
    return Connection.objects.create(
        organisation=org, ledger="quickbooks", environment="local", local_url="http://127.0.0.1:9",
        client_id="alpha-client-id-secretive", client_secret="alpha-secret", status="connected",
        company_name="Alpha Books Company", company_id="realm-alpha", refresh_token="alpha-refresh",
    )  # fmt: skip


def _unchanged(row: Connection) -> None:
    fresh = Connection.objects.get(pk=row.pk)
    assert (fresh.status, fresh.client_id, fresh.refresh_token, fresh.company_id) == (
        "connected", "alpha-client-id-secretive", "alpha-refresh", "realm-alpha")


def index_marker(org):  # type: ignore[no-untyped-def]
    return connected(org).company_name


def settings_marker(org):  # type: ignore[no-untyped-def]
    # B's settings page for the same ledger shows B's own (new) connection, never A's.
    return connected(org).client_id


def settings_post(client_b, org_a):  # type: ignore[no-untyped-def]
    row = connected(org_a)
    client_b.post(reverse("integration:settings", args=["quickbooks"]),
                  {"environment": "production", "client_id": "hijack", "client_secret": "x"})  # fmt: skip
    _unchanged(row)


def disconnect_post(client_b, org_a):  # type: ignore[no-untyped-def]
    row = connected(org_a)
    client_b.post(reverse("integration:disconnect", args=["quickbooks"]))
    _unchanged(row)


def connect_post(client_b, org_a):  # type: ignore[no-untyped-def]
    row = connected(org_a)
    response = client_b.post(reverse("integration:connect", args=["quickbooks"]))
    assert "alpha-client-id" not in response.get("Location", "")
    _unchanged(row)


def callback_get(client_b, org_a):  # type: ignore[no-untyped-def]
    row = connected(org_a)
    client_b.get(reverse("integration:callback", args=["quickbooks"]), {"code": "c", "state": "s", "realmId": "x"})
    _unchanged(row)


LISTS = {"integration:index": index_marker}
FOREIGN_POSTS = {
    "integration:settings": settings_post,
    "integration:disconnect": disconnect_post,
    "integration:connect": connect_post,
    "integration:callback": callback_get,
}
