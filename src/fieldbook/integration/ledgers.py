"""From a Connection row to a working connector: settings, tokens, the one httpx client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import fields

import httpx
from django.conf import settings as django_settings
from django.urls import reverse

from fieldbook.connectors import base, registry
from fieldbook.connectors.errors import Permanent, ReconnectRequired
from fieldbook.connectors.limiter import BudgetStore
from fieldbook.connectors.records import CompanyInfo
from fieldbook.core import loopback
from fieldbook.core.clock import Clock, WallClock
from fieldbook.integration.budget import DatabaseBudgetStore
from fieldbook.integration.models import Connection, Environment, LedgerReference
from fieldbook.integration.tokens import ConnectionTokenStore
from fieldbook.sync import codec

# The local sandboxes' published app credentials (`fieldbook sandbox token <ledger>` prints
# them): `make run` pre-fills Settings with them so a newcomer can connect at once.
LOCAL_SANDBOX_APPS: dict[str, tuple[str, str]] = {
    p.key: p.local_app for p in registry.profiles() if p.local_app is not None and p.key in registry.available()
}


def available_ledgers() -> set[str]:
    """The ledgers with a connector: what the pages and the CLI offer."""
    return registry.available()


def redirect_uri(connection: Connection, host_url: str) -> str:
    """The callback to paste into the ledger's developer portal, built from the request's host."""
    return host_url.rstrip("/") + reverse("integration:callback", args=[connection.ledger])


def connection_settings(connection: Connection, host_url: str = "") -> base.ConnectionSettings:
    if connection.environment == Environment.LOCAL:
        root = (connection.local_url or django_settings.FIELDBOOK_SANDBOX_URL).rstrip("/")
        if reason := loopback.refusal(root):  # the one place every ledger request's address comes from
            raise Permanent(reason, code="local_sandbox_refused", fix="Choose Production in Settings.")
        api = auth = f"{root}/{connection.ledger}"
    else:
        env = registry.profile(connection.ledger).environment(connection.environment)
        api = env.api_root if env else ""
        auth = (env.auth_root or env.api_root) if env else ""
    mapping = connection.mapping or {}
    return base.ConnectionSettings(
        connection_id=str(connection.pk),
        org_slug=connection.organisation.slug,
        ledger=connection.ledger,
        base_url=api,
        auth_url=auth,
        client_id=connection.client_id,
        client_secret=connection.client_secret,
        redirect_uri=redirect_uri(connection, host_url or "http://127.0.0.1:8000"),
        company_id=connection.company_id,
        home_currency=connection.organisation.home_currency,
        mapping=base.Mapping(
            tax_codes=dict(mapping.get("tax_codes", {})),
            default_item=mapping.get("default_item", ""),
            income_account=mapping.get("income_account", ""),
            payment_terms=mapping.get("payment_terms", ""),
            invoice_status=mapping.get("invoice_status", ""),
        ),
        options=dict(connection.options or {}),
    )


# Tests swap these for an in-process sandbox transport, a virtual clock and a budget of their own.
# The clock is one object per process (not one per connector) and the budget lives in the
# database: every connector for one company, in any thread or process, spends one budget.
transport_factory: Callable[[], httpx.BaseTransport | None] = lambda: None  # noqa: E731
_WALL_CLOCK = WallClock()
clock_factory: Callable[[], Clock] = lambda: _WALL_CLOCK  # noqa: E731
budget_factory: Callable[[], BudgetStore] = DatabaseBudgetStore

# Background work (the worker, `fieldbook sync`, the sweeper) waits what the ledger says; anything
# else is a web request, which never waits on a throttle (DESIGN principle 4).
_BACKGROUND: ContextVar[bool] = ContextVar("fieldbook_background", default=False)


@contextmanager
def background() -> Iterator[None]:
    """Connectors built inside wait on the rate budget as long as it takes."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def patience() -> float | None:
    """None (wait as long as needed) in background work; a web request waits at most a moment
    for the per-second window and never for a throttle."""
    if _BACKGROUND.get():
        return None
    web = getattr(django_settings, "FIELDBOOK_WEB_LIMITER_PATIENCE", 0.3)
    return None if web is None else float(web)


def company_of(connection: Connection) -> CompanyInfo | None:
    """The company's rules as Connect (or "Refresh from ledger") read them: a run or a Compare
    does not ask the ledger again. None (read them live) when none were kept, or when they were
    kept before CompanyInfo gained a field."""
    data = LedgerReference.objects.filter(connection=connection).values_list("company", flat=True).first()
    if not isinstance(data, dict) or not {f.name for f in fields(CompanyInfo)} <= set(data):
        return None
    return codec.load(CompanyInfo, data)


def http_client() -> httpx.Client:
    from fieldbook.core.http import make_client

    return make_client(transport=transport_factory())


@contextmanager
def open_connector(connection: Connection, host_url: str = "", connector: base.Connector | None = None,
                   stored_rules: bool = True) -> Iterator[base.Connector]:  # fmt: skip
    """A connector for one unit of work whose HTTP client is closed afterwards (a given
    `connector` is used as is and left open: its owner closes it)."""
    if connector is not None:
        yield connector
        return
    with http_client() as client:
        try:
            yield connector_for(connection, host_url, client=client, stored_rules=stored_rules)
        except ReconnectRequired as exc:
            # The ledger refused our tokens (revoked, expired): the status says so at the first refusal.
            mark_reconnect(connection, exc.message, only_if_connected=True)
            raise


def mark_reconnect(connection: Connection, reason: str, only_if_connected: bool = False) -> None:
    """invalid_grant or revoked: queued work is kept, the user is asked to reconnect."""
    rows = Connection.objects.filter(pk=connection.pk)
    if only_if_connected:
        rows = rows.filter(status=Connection.Status.CONNECTED)
    rows.update(status=Connection.Status.RECONNECT, status_reason=reason)


def connector_for(
    connection: Connection,
    host_url: str = "",
    client: httpx.Client | None = None,
    on_attempt: Callable[[base.Attempt], None] | None = None,
    stored_rules: bool = True,
) -> base.Connector:
    """`stored_rules=False`: the connector reads the company's rules again (Refresh from ledger)."""
    cls = registry.connector_class(connection.ledger)
    return cls(
        connection_settings(connection, host_url),
        ConnectionTokenStore(connection.pk),
        client or http_client(),
        clock_factory(),
        on_attempt,
        budget=budget_factory(),
        patience=patience(),
        company=company_of(connection) if stored_rules else None,
    )


def ledger_url(connection: Connection, kind: str, ledger_id: str) -> str:
    """Where the user can see a record in the ledger itself (or on the local sandbox's books page)."""
    if not ledger_id:
        return ""
    if connection.environment == Environment.LOCAL:
        root = (connection.local_url or django_settings.FIELDBOOK_SANDBOX_URL).rstrip("/")
        return f"{root}/{connection.ledger}/books/{connection.company_id}#{kind}-{ledger_id}"
    return registry.profile(connection.ledger).link(connection.environment, kind, ledger_id)
