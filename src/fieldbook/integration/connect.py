"""Connect: consent, callback, company checks. Shared by the web views and `fieldbook connect`.

A Connect works on a candidate: the saved settings with any pending ones (new credentials saved
while connected) laid over them, and tokens kept in memory. Only when the ledger has granted
access and the company passes our checks are the settings, tokens and company written to the
row, in one save: a failed Connect never touches a working connection."""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from typing import Any

import httpx
from django.utils import timezone

from fieldbook.connectors import base, registry
from fieldbook.connectors.base import TokenSet
from fieldbook.connectors.errors import LedgerError, Retriable
from fieldbook.connectors.records import CompanyInfo
from fieldbook.core.http import make_client
from fieldbook.integration import ledgers, reference, service
from fieldbook.integration.mapping import suggest
from fieldbook.integration.models import Connection, Environment, SyncRun

log = logging.getLogger(__name__)

PENDING_FIELDS = ("environment", "local_url", "client_id", "client_secret")
# A local sandbox answers at once or not at all: say so in seconds, not after the API's timeouts.
PROBE_TIMEOUT = httpx.Timeout(3.0)


class ConnectRefused(Exception):
    """Connect did not happen: the ledger said no, could not be reached, or Fieldbook will not use
    the company (e.g. its currency). The message says what to check."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _MemoryTokens:
    """The candidate's token store: nothing reaches the row before the Connect has succeeded."""

    def __init__(self) -> None:
        self.tokens: TokenSet | None = None

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    @contextlib.contextmanager
    def lock(self) -> Any:
        yield


def pending_settings(connection: Connection) -> dict[str, str]:
    if not connection.pending:
        return {}
    try:
        data = json.loads(connection.pending)
    except ValueError:
        return {}
    return {k: str(v) for k, v in data.items() if k in PENDING_FIELDS} if isinstance(data, dict) else {}


def set_pending(connection: Connection, values: dict[str, str]) -> None:
    connection.pending = json.dumps({k: values[k] for k in PENDING_FIELDS if k in values})


def has_working_connection(connection: Connection) -> bool:
    return connection.status != Connection.Status.NOT_CONNECTED and bool(connection.refresh_token)


def candidate(connection: Connection) -> Connection:
    """An unsaved copy with the pending settings applied: what this Connect uses."""
    cand = copy.copy(connection)
    for name, value in pending_settings(connection).items():
        setattr(cand, name, value)
    # The company comes from the consent (QBO's realmId), not from the previous connection.
    cand.company_id = ""
    return cand


def _connector(cand: Connection, host_url: str, client: httpx.Client, store: _MemoryTokens) -> base.Connector:
    cls = registry.connector_class(cand.ledger)
    # The company's one rate budget (keyed by the connection): Connect's calls count like any other.
    return cls(ledgers.connection_settings(cand, host_url), store, client, ledgers.clock_factory(), None,
               budget=ledgers.budget_factory(), patience=ledgers.patience())  # fmt: skip


def explain(exc: LedgerError, cand: Connection) -> str:
    """What to check, in the user's words."""
    if exc.code in ("invalid_client", "unauthorized_client"):
        return ("The ledger refused the app's credentials: check the client id and secret in Settings "
                "(your app's keys in the ledger's developer portal).")  # fmt: skip
    if exc.code == "invalid_grant":  # during Connect: the code, not our tokens
        return ("The ledger did not accept this sign-in reply (it may have expired or been used already). "
                "Press Connect again.")  # fmt: skip
    if isinstance(exc, Retriable) and exc.code == "connect":
        where = cand.local_url if cand.environment == Environment.LOCAL else "the ledger"
        return (f"Could not reach {where}: check the environment and address in Settings "
                "and this server's network connection, then press Connect again.")  # fmt: skip
    return f"{exc.message} {exc.fix}".strip()


def _probe_local(cand: Connection) -> None:
    if cand.environment != Environment.LOCAL:
        return
    url = ledgers.connection_settings(cand).auth_url
    try:
        with make_client(transport=ledgers.transport_factory(), timeout=PROBE_TIMEOUT) as client:
            client.get(url)
    except httpx.TransportError:
        raise ConnectRefused(
            f"Nothing answers at {cand.local_url}: check the local sandbox URL in Settings and that the "
            "sandbox is running (`make run` starts it), then press Connect again."
        ) from None


def start(connection: Connection, host_url: str) -> tuple[str, str]:
    """The consent URL and the state to keep. Raises ConnectRefused when the settings cannot work."""
    cand = candidate(connection)
    try:
        _probe_local(cand)
        with ledgers.http_client() as client:
            return _connector(cand, host_url, client, _MemoryTokens()).authorization_url()
    except LedgerError as exc:
        raise ConnectRefused(explain(exc, cand)) from exc


def finish(connection: Connection, callback_url: str, state: str, host_url: str) -> CompanyInfo:
    """Exchange the code, read the company and refuse a home-currency mismatch; raises
    ConnectRefused with what to check. A working connection is left exactly as it was; one that
    was not connected records the reason."""
    cand = candidate(connection)
    store = _MemoryTokens()
    try:
        with ledgers.http_client() as client:
            info = _connector(cand, host_url, client, store).connect(callback_url, state)
    except LedgerError as exc:
        reason = explain(exc, cand)
        _record_failure(connection, reason)
        raise ConnectRefused(reason) from exc
    home = connection.organisation.home_currency
    if info.home_currency and info.home_currency != home:
        reason = (
            f"{info.name} keeps its books in {info.home_currency}, but {connection.organisation.name} "
            f"works in {home}. Connect a company whose home currency is {home}."
        )
        _record_failure(connection, reason)
        raise ConnectRefused(reason)
    tokens = store.tokens
    if tokens is None:  # a connector that connected without saving tokens is a bug, not a success
        raise ConnectRefused("The ledger granted access but sent no tokens. Press Connect again.")
    _apply(connection, cand, tokens, info)
    _suggest_mapping(connection, host_url, info)
    _resume_paused(connection)
    return info


def _apply(connection: Connection, cand: Connection, tokens: TokenSet, info: CompanyInfo) -> None:
    connection.refresh_from_db()
    for name in PENDING_FIELDS:
        setattr(connection, name, getattr(cand, name))
    connection.pending = ""
    connection.access_token, connection.refresh_token = tokens.access_token, tokens.refresh_token
    connection.access_expires_at, connection.refresh_expires_at = tokens.expires_at, tokens.refresh_expires_at
    connection.company_id = tokens.company_id or info.company_id
    connection.company_name = info.name
    connection.company_country = info.country[:2]
    connection.home_currency = info.home_currency
    connection.custom_numbers = info.custom_numbers
    connection.ledger_computes_tax = info.ledger_computes_tax
    connection.status = Connection.Status.CONNECTED
    connection.status_reason = ""
    connection.connected_at = timezone.now()
    # Only what Connect owns: the run lease and the token lock belong to whoever holds them.
    connection.save(update_fields=[
        *PENDING_FIELDS, "pending", "access_token", "refresh_token", "access_expires_at", "refresh_expires_at",
        "company_id", "company_name", "company_country", "home_currency", "custom_numbers", "ledger_computes_tax",
        "status", "status_reason", "connected_at",
    ])  # fmt: skip


def _record_failure(connection: Connection, reason: str) -> None:
    connection.refresh_from_db()
    if has_working_connection(connection):
        return  # the working tokens, company and settings stay; the message tells the user
    connection.status = Connection.Status.NOT_CONNECTED
    connection.status_reason = reason
    connection.save(update_fields=["status", "status_reason"])


def _resume_paused(connection: Connection) -> None:
    """Work paused by "reconnect required" goes on once the user has reconnected."""
    run = SyncRun.objects.filter(connection=connection, state="paused").order_by("created_at").first()
    if run is not None:
        # If a run is going, the paused one can be resumed from its page afterwards.
        with contextlib.suppress(service.AlreadyRunning):
            service.resume(connection, run)


def _suggest_mapping(connection: Connection, host_url: str, info: CompanyInfo) -> None:
    try:
        with ledgers.open_connector(connection, host_url) as connector:
            ref = connector.reference_data()
    except LedgerError:
        return  # the user maps by hand in Settings, after "Refresh from ledger" (or the sweeper's)
    reference.save(connection, ref, info)  # Settings shows these lists, and runs use these rules, from now on
    if not (connection.mapping or {}).get("tax_codes"):
        connection.mapping = {**(connection.mapping or {}), **suggest(connection, ref)}
        connection.save(update_fields=["mapping"])


def disconnect(connection: Connection, reason: str) -> None:
    """The user's Disconnect: Fieldbook's access is revoked at the ledger (when it can be), then
    the tokens are forgotten here. A ledger that cannot be reached does not keep the user
    connected: the tokens go anyway, and lapse at the ledger in their own time."""
    if connection.is_connected and connection.refresh_token:
        try:
            with ledgers.open_connector(connection) as connector:
                connector.disconnect()
        except (LedgerError, httpx.HTTPError) as exc:
            log.warning("Disconnect: could not revoke at the ledger for %s: %s", connection,
                        getattr(exc, "message", exc))  # fmt: skip
    _disconnect(connection, reason)


def _disconnect(connection: Connection, reason: str) -> None:
    connection.refresh_from_db()
    connection.access_token = connection.refresh_token = ""
    connection.access_expires_at = connection.refresh_expires_at = None
    connection.status = Connection.Status.NOT_CONNECTED
    connection.status_reason = reason
    connection.save()
