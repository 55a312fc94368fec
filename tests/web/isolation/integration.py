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


def sync_run(org):  # type: ignore[no-untyped-def]
    from fieldbook.integration.models import SyncRun, SyncStep

    run = SyncRun.objects.create(organisation=org, connection=connected(org), transfer="customers_up",
                                 state="done", counts={"failed": 1}, total_steps=1)  # fmt: skip
    SyncStep.objects.create(run=run, seq=0, step_id="s1", kind="customer", local_number="ALPHA-SECRET-REF",
                            operation="create", mode="ledger", planned={}, status="failed")  # fmt: skip
    return run, {"run_id": run.pk}


def history_marker(org):  # type: ignore[no-untyped-def]
    run, _ = sync_run(org)
    return run.pk


def transfer_marker(org):  # type: ignore[no-untyped-def]
    # B's Compare page for the same ledger works on B's own connection (not connected), never A's.
    return connected(org).company_name, {"ledger": "quickbooks", "option": "customers"}


def start_post(client_b, org_a):  # type: ignore[no-untyped-def]
    from fieldbook.customers.models import Customer
    from fieldbook.integration.models import SyncRun

    row = connected(org_a)
    Customer.objects.create(organisation=org_a, account_ref="A-ONLY", name="Alpha Only")
    client_b.post(reverse("integration:start", args=["quickbooks", "customers"]), {"selected": ["A-ONLY"]})
    assert not SyncRun.objects.filter(connection=row).exists()
    _unchanged(row)


LISTS = {
    "integration:index": index_marker,
    "integration:history": history_marker,
    "integration:transfer": transfer_marker,
}
OBJECTS = {
    "integration:run": (sync_run, ("GET",)),
    "integration:run_status": (sync_run, ("GET",)),
    "integration:retry": (sync_run, ("POST",)),
    "integration:resume": (sync_run, ("POST",)),
}
FOREIGN_POSTS = {
    "integration:start": start_post,
    "integration:settings": settings_post,
    "integration:disconnect": disconnect_post,
    "integration:connect": connect_post,
    "integration:callback": callback_get,
}
