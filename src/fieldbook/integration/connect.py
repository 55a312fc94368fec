"""Connect: consent, callback, company checks. Shared by the web views and `fieldbook connect`."""

from __future__ import annotations

import contextlib

from django.utils import timezone

from fieldbook.connectors.errors import LedgerError
from fieldbook.connectors.records import CompanyInfo
from fieldbook.integration.ledgers import open_connector
from fieldbook.integration.models import Connection


class ConnectRefused(Exception):
    """Connect reached the ledger but Fieldbook will not use the company (e.g. its currency)."""


def start(connection: Connection, host_url: str) -> tuple[str, str]:
    """The consent URL and the state to keep."""
    with open_connector(connection, host_url) as connector:
        return connector.authorization_url()


def finish(connection: Connection, callback_url: str, state: str, host_url: str) -> CompanyInfo:
    """Exchange the code, read the company and refuse a home-currency mismatch. Raises
    LedgerError (the ledger said no) or ConnectRefused (we said no); either way the connection is
    left not connected with the reason recorded."""
    try:
        with open_connector(connection, host_url) as connector:
            info = connector.connect(callback_url, state)
    except LedgerError as exc:
        _disconnect(connection, f"{exc.message} {exc.fix}".strip())
        raise
    home = connection.organisation.home_currency
    if info.home_currency and info.home_currency != home:
        reason = (
            f"{info.name} keeps its books in {info.home_currency}, but {connection.organisation.name} "
            f"works in {home}. Connect a company whose home currency is {home}."
        )
        _disconnect(connection, reason)
        raise ConnectRefused(reason)
    connection.refresh_from_db()
    connection.company_id = info.company_id or connection.company_id
    connection.company_name = info.name
    connection.company_country = info.country[:2]
    connection.home_currency = info.home_currency
    connection.custom_numbers = info.custom_numbers
    connection.ledger_computes_tax = info.ledger_computes_tax
    connection.status = Connection.Status.CONNECTED
    connection.status_reason = ""
    connection.connected_at = timezone.now()
    connection.save()
    _suggest_mapping(connection, host_url, info)
    _resume_paused(connection)
    return info


def _resume_paused(connection: Connection) -> None:
    """Work paused by "reconnect required" goes on once the user has reconnected."""
    from fieldbook.integration import service
    from fieldbook.integration.models import SyncRun

    run = SyncRun.objects.filter(connection=connection, state="paused").order_by("created_at").first()
    if run is not None:
        # If a run is going, the paused one can be resumed from its page afterwards.
        with contextlib.suppress(service.AlreadyRunning):
            service.resume(connection, run)


def _suggest_mapping(connection: Connection, host_url: str, info: CompanyInfo) -> None:
    from fieldbook.integration.mapping import suggest

    try:
        with open_connector(connection, host_url) as connector:
            ref = connector.reference_data()
    except LedgerError:
        return  # the user maps by hand in Settings, after "Refresh from ledger" (or the sweeper's)
    from fieldbook.integration.reference import save

    save(connection, ref, info)  # Settings shows these lists, and runs use these rules, from now on
    if not (connection.mapping or {}).get("tax_codes"):
        connection.mapping = {**(connection.mapping or {}), **suggest(connection, ref)}
        connection.save(update_fields=["mapping"])


def mark_reconnect(connection: Connection, reason: str) -> None:
    """invalid_grant or revoked: queued work is kept, the user is asked to reconnect."""
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.RECONNECT, status_reason=reason)


def _disconnect(connection: Connection, reason: str) -> None:
    connection.refresh_from_db()
    connection.access_token = connection.refresh_token = ""
    connection.access_expires_at = connection.refresh_expires_at = None
    connection.status = Connection.Status.NOT_CONNECTED
    connection.status_reason = reason
    connection.save()
