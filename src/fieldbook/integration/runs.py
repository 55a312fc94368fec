"""Carrying out a run: the engine over the Django store and the connection's connector, a pulse
beating the heartbeat, the lease freed at the end or at a pause. `tasks.execute_run` calls it in
the worker; the CLI calls it in its own process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection as db_connection
from django.db import connections as db_connections
from django.db import transaction

from fieldbook.connectors.base import Connector
from fieldbook.connectors.errors import LedgerError, ReconnectRequired
from fieldbook.integration import ledgers
from fieldbook.integration.lease import release_lease
from fieldbook.integration.models import SyncRun
from fieldbook.integration.records import DjangoLocalSide
from fieldbook.integration.store import DjangoSyncStore
from fieldbook.sync.apply import Engine
from fieldbook.sync.store import Run, RunState

logger = logging.getLogger(__name__)


def execute(run_id: str, connector: Connector | None = None,
            on_heartbeat: Callable[[Run], None] | None = None) -> SyncRun:  # fmt: skip
    """Carry out (or resume) a run to the end or to a pause; the lease is freed either way."""
    with ledgers.background():  # a run waits what the ledger says; no page waits on it
        return _execute(run_id, connector, on_heartbeat)


def _execute(run_id: str, connector: Connector | None, on_heartbeat: Callable[[Run], None] | None) -> SyncRun:
    run = SyncRun.objects.select_related("connection__organisation").get(pk=run_id)
    connection = run.connection
    pulse = _Pulse(run_id)
    try:
        local = DjangoLocalSide(connection.organisation, connection.pk)
        with ledgers.open_connector(connection, connector=connector) as conn:
            engine = Engine(DjangoSyncStore(), conn, ledgers.clock_factory(), local=local, on_heartbeat=on_heartbeat,
                            after_thread_send=db_connections.close_all)  # fmt: skip
            result = engine.resume(run_id)
        if result.state == RunState.PAUSED and "reconnect" in result.reason.lower():
            ledgers.mark_reconnect(connection, result.reason)
    except ReconnectRequired as exc:
        _pause(run, f"{exc.message} {exc.fix}".strip())
        ledgers.mark_reconnect(connection, exc.message)
    except LedgerError as exc:
        _pause(run, f"{exc.message} {exc.fix}".strip())
    except Exception as exc:
        # Anything else (a bug, the database gone): pause with the reason so the lease is freed
        # and the user sees it; the journal keeps every open request for a resume.
        logger.exception("Sync run %s stopped unexpectedly", run_id)
        _pause(run, f"The run stopped unexpectedly ({type(exc).__name__}). Resume it, or contact support.")
    finally:
        pulse.stop()
        run.refresh_from_db()
        if run.state in (RunState.DONE, RunState.PAUSED):
            release_lease(connection.pk, run_id)
    return run


class _Pulse:
    """Beats the run's heartbeat while this process is alive, even when the engine is waiting
    out a 429 or a back-off (up to a minute): the sweeper must only resume runs whose worker
    died, never one that is merely patient."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Inside an atomic block (a test's transaction, a caller's) a second connection would only
        # wait on the first one's lock; the engine's own beats are enough there.
        if not transaction.get_connection().in_atomic_block:
            self._thread = threading.Thread(target=self._beat, name=f"pulse-{run_id[:8]}", daemon=True)
            self._thread.start()

    def _beat(self) -> None:
        every = max(0.5, min(10.0, settings.FIELDBOOK_HEARTBEAT_STALE_SECONDS / 4))
        try:
            while not self._stop.wait(every):
                SyncRun.objects.filter(pk=self.run_id, state=RunState.RUNNING).update(
                    heartbeat_at=ledgers.clock_factory().now()
                )
        finally:
            db_connection.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def _pause(run: SyncRun, reason: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(state=RunState.PAUSED, reason=reason)
