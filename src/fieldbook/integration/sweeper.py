"""The sweeper beside the background worker (DESIGN "Idempotency and the journal", "OAuth tokens").

At worker start and then every `FIELDBOOK_SWEEP_SECONDS` it

1. resumes runs whose heartbeat went stale: their worker died (django-tasks-db never re-runs a
   task left RUNNING by a killed worker), so the run is claimed by compare-and-set on its
   heartbeat (`lease.stale_runs`) and queued again; the engine picks it up from its journal;
2. keeps idle connections alive: a refresh token that is not used lapses (each ledger's profile
   says when), so one due within `KEEP_ALIVE_MARGIN` is refreshed through the
   connector's own OAuth session, which saves the rotated token before anything uses it.
   `invalid_grant` marks the connection "reconnect required" with the reason.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from fieldbook.connectors import registry
from fieldbook.connectors.errors import LedgerError, ReconnectRequired
from fieldbook.integration import lease, ledgers, reference, tasks
from fieldbook.integration.models import Connection

log = logging.getLogger(__name__)

DEFAULT_SWEEP_SECONDS = 60.0
# Refresh this long before a refresh token lapses: a week of sweeps (and of outages) to get it done.
KEEP_ALIVE_MARGIN = timedelta(days=7)


def refresh_lifetime(ledger: str) -> timedelta | None:
    """How long an unused refresh token lives, from the ledger's profile (None: no tokens)."""
    try:
        tokens = registry.profile(ledger).tokens
    except KeyError:
        return None
    return tokens.refresh if tokens else None


def sweep_seconds() -> float:
    """`settings.FIELDBOOK_SWEEP_SECONDS`, else the environment variable, else a minute."""
    value = getattr(settings, "FIELDBOOK_SWEEP_SECONDS", None)
    if value is None:
        value = os.environ.get("FIELDBOOK_SWEEP_SECONDS") or DEFAULT_SWEEP_SECONDS
    return float(value)


@dataclass
class SweepReport:
    resumed: list[str] = field(default_factory=list)  # run ids queued again
    refreshed: list[int] = field(default_factory=list)  # connection ids
    reconnect: list[int] = field(default_factory=list)  # connection ids now "reconnect required"
    errors: dict[int, str] = field(default_factory=dict)  # connection id -> why (tried again next sweep)
    lists: list[int] = field(default_factory=list)  # connection ids whose reference lists were read


def sweep_once(now: datetime | None = None) -> SweepReport:
    """One sweep: resume stale runs, keep idle connections alive, read old reference lists."""
    now = now or ledgers.clock_factory().now()
    with ledgers.background():  # the sweeper waits what the ledger says; no page waits on it
        resumed = resume_stale_runs()
        report = keep_alive(now)
        report.resumed = resumed
        report.lists = refresh_reference_lists(timezone.now())
    return report


def refresh_reference_lists(now: datetime) -> list[int]:
    """Read again the lists of every connection that never had them read or whose copy is old
    (issue 10 §1: refreshed in the background, not on a page load)."""
    done = []
    for connection in Connection.objects.filter(status=Connection.Status.CONNECTED).select_related("organisation"):
        if not reference.due(connection, now):
            continue
        try:
            reference.refresh(connection)
        except Exception as exc:  # the next sweep tries again; Settings keeps the old lists
            log.warning("Could not read the reference lists of %s: %s", connection, getattr(exc, "message", exc))
        else:
            done.append(connection.pk)
    return done


# --- stale runs ---------------------------------------------------------------------------------


def resume_stale_runs() -> list[str]:
    claimed = lease.stale_runs(float(settings.FIELDBOOK_HEARTBEAT_STALE_SECONDS))
    for run_id in claimed:
        if lease.queued(run_id):
            continue  # its task is waiting for a free worker: a second one would only be a no-op
        log.warning("Resuming sync run %s: its heartbeat went stale (its worker stopped).", run_id)
        tasks.execute_run.enqueue(run_id)
    return claimed


# --- keep-alive ---------------------------------------------------------------------------------


def refresh_expiry(connection: Connection) -> datetime | None:
    """When the connection's refresh token lapses if unused: as the ledger said, or estimated from
    the last refresh (no later than the access token's expiry) and the ledger's published lifetime."""
    if connection.refresh_expires_at is not None:
        return connection.refresh_expires_at
    if connection.access_expires_at is None:
        return None
    lifetime = refresh_lifetime(connection.ledger)
    return None if lifetime is None else connection.access_expires_at + lifetime


def refresh_due(connection: Connection, now: datetime, margin: timedelta = KEEP_ALIVE_MARGIN) -> bool:
    expiry = refresh_expiry(connection)
    return expiry is not None and expiry - margin <= now


def keep_alive(now: datetime, margin: timedelta = KEEP_ALIVE_MARGIN) -> SweepReport:
    """Refresh every connected connection whose refresh token lapses within `margin` of `now`."""
    report = SweepReport()
    for connection in Connection.objects.filter(status=Connection.Status.CONNECTED).select_related("organisation"):
        if not connection.refresh_token or not refresh_due(connection, now, margin):
            continue
        try:
            refreshed = _refresh(connection)
        except ReconnectRequired as exc:
            reason = f"{exc.message} {exc.fix}".strip()
            log.warning("Keep-alive: %s needs reconnecting (%s).", connection, exc.code)
            ledgers.mark_reconnect(connection, reason)
            report.reconnect.append(connection.pk)
        except (LedgerError, TimeoutError) as exc:
            # The ledger is busy or unreachable, or another process holds the token lock: the
            # margin leaves many sweeps to try again.
            log.warning("Keep-alive: could not refresh %s: %s", connection, exc)
            report.errors[connection.pk] = str(getattr(exc, "message", exc))
        except Exception as exc:
            log.exception("Keep-alive: refreshing %s failed", connection)
            report.errors[connection.pk] = repr(exc)
        else:
            if refreshed:
                report.refreshed.append(connection.pk)
    return report


def _refresh(connection: Connection) -> bool:
    """The connector's keep-alive (a refresh under the token lock; the rotated refresh token is
    committed by ConnectionTokenStore before it returns). False when the ledger has nothing to
    keep alive or no connector."""
    with ledgers.http_client() as client:
        try:
            connector = ledgers.connector_for(connection, client=client)
        except KeyError:
            log.info("Keep-alive: no connector for %s yet", connection.ledger)
            return False
        return connector.keep_alive()


# --- the loop (a thread in `fieldbook worker`) ----------------------------------------------------


def sweep_forever(stop: threading.Event, every: float) -> None:
    """Sweep now and then every `every` seconds until `stop` is set. Runs in its own thread, so on
    its own database connection, which it closes when it ends."""
    try:
        while not stop.is_set():
            try:
                report = sweep_once()
                if report.resumed or report.refreshed or report.reconnect:
                    log.info("Sweep: resumed %s, refreshed %s, reconnect %s", report.resumed,
                             report.refreshed, report.reconnect)  # fmt: skip
            except Exception:
                log.exception("Sweep failed; trying again in %s s", every)
            finally:
                connections.close_all()  # this thread's connections: nothing held between sweeps
            stop.wait(every)
    finally:
        connections.close_all()
