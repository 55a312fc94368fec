"""The integration workflow behind the pages and the CLI: Compare, Start Sync, carry out a run.

A run is planned synchronously (so the page can show its steps at once) and carried out in the
background by `tasks.execute_run`; the sweeper resumes runs whose heartbeat went stale."""

from __future__ import annotations

import gc
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import connections as db_connections
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fieldbook.connectors.base import Connector, RecordKind
from fieldbook.connectors.errors import LedgerError, ReconnectRequired
from fieldbook.connectors.limiter import Throttled
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.core import bounds
from fieldbook.integration import ledgers, mirror
from fieldbook.integration.connect import mark_reconnect
from fieldbook.integration.models import Connection, SyncRun
from fieldbook.integration.records import (
    DjangoLocalSide,
    absent_customers,
    customer_record,
    integrated_customers,
    invoice_records,
)
from fieldbook.integration.store import DjangoSyncStore
from fieldbook.jobs.models import Job
from fieldbook.sync.apply import Engine
from fieldbook.sync.compare import Action, Compared, compare
from fieldbook.sync.limits import Limits
from fieldbook.sync.plan import Selection, plan
from fieldbook.sync.store import Run, RunState, Transfer

logger = logging.getLogger(__name__)

OPTIONS = {
    "customers": "Customers",
    "jobs": "Invoice Jobs",
    "contracts": "Service Contracts",
}


class AlreadyRunning(Exception):
    def __init__(self, run: SyncRun) -> None:
        who = run.started_by.get_username() if run.started_by else "the scheduler"
        super().__init__(
            f"A sync is already running on this connection (run {run.id[:8]}, started by {who} at "
            f"{timezone.localtime(run.created_at):%d %b %Y %H:%M}). Wait for it to finish."
        )
        self.run = run


class TakenOver(AlreadyRunning):
    """The run holding the connection had stopped beating (its process was killed): it is ours now,
    to finish from its journal before a new run starts (issue 10 §4)."""

    def __init__(self, run: SyncRun) -> None:
        super().__init__(run)
        self.args = (
            f"An earlier sync (run {run.id[:8]}) had stopped without finishing: its process ended. Fieldbook is "
            f"finishing it now from its journal (nothing is sent twice). Start Sync again when it is done.",
        )
# What the forms enforce (core/bounds), checked again on Compare: an invoice saved before the
# limits, or by a command, is refused there with the limit named rather than sent.
LIMITS = Limits(bounds.MAX_AMOUNT, bounds.MAX_UNIT_PRICE, bounds.MAX_QUANTITY)


def transfer_for(option: str, direction: str = "up") -> Transfer:
    if option == "customers":
        return Transfer.CUSTOMERS_DOWN if direction == "down" else Transfer.CUSTOMERS_UP
    if option in ("jobs", "contracts"):
        return Transfer.INVOICES_UP
    raise ValueError(f"Unknown transfer option {option!r}")


@dataclass
class CompareResult:
    option: str
    direction: str
    transfer: Transfer
    compared: list[Compared]
    customers: list[Compared] = field(default_factory=list)
    # Set when the ledger asked us to slow down and Compare used our copy as last read instead.
    notice: str = ""

    @property
    def listed(self) -> list[Compared]:
        """What the page lists: records that differ (never the unchanged ones)."""
        return [c for c in self.compared if c.action != Action.UNCHANGED]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.compared:
            label = "link candidate" if c.needs_confirmation else c.action.value
            out[label] = out.get(label, 0) + 1
        return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Compare builds tens of thousands of short-lived, acyclic records (frozen dataclasses, Decimals):
    the cyclic collector scanning them again and again cost a third of its CPU (bench/compare.py).
    Reference counting still frees them; the collector runs once afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_compare(connection: Connection, option: str, direction: str = "up",
                connector: Connector | None = None, *, read_ledger: bool = True) -> CompareResult:  # fmt: skip
    """Compare our records with the ledger's. `read_ledger=False` compares with our copy as the
    last Compare read it (Start Sync plans what the user saw, issue 10 §5: no read repeated)."""
    with _gc_paused(), ledgers.open_connector(connection, connector=connector) as conn:
        return _compare(connection, option, direction, conn, read_ledger)


def _compare(connection: Connection, option: str, direction: str, conn: Connector,
             read_ledger: bool = True) -> CompareResult:  # fmt: skip
    org = connection.organisation
    transfer = transfer_for(option, direction)
    store = DjangoSyncStore()
    cid = str(connection.pk)
    notices: list[str] = []
    # Nothing read yet: even Start Sync has to read the ledger once.
    read_ledger = read_ledger or store.watermark(cid, RecordKind.CUSTOMER) is None or (
        option != "customers" and store.watermark(cid, RecordKind.INVOICE) is None)  # fmt: skip
    _read: Callable[[Connector, RecordKind, DjangoSyncStore, list[str]], list[mirror.Record]]
    _read = _read_ledger if read_ledger else _as_last_read
    ledger_customers = _read(conn, RecordKind.CUSTOMER, store, notices)
    if option == "customers":
        local = [customer_record(c, org) for c in integrated_customers(org)]
        found = compare(transfer, org.slug, local, ledger_customers, store.links(cid, RecordKind.CUSTOMER),
                        absent=absent_customers(org))  # fmt: skip
        return CompareResult(option, direction, transfer, found, notice=" ".join(notices[:1]))
    model = Job if option == "jobs" else ServiceInvoice
    invoices = invoice_records(model, org)
    ledger_invoices = _read(conn, RecordKind.INVOICE, store, notices)
    # Every document here has both flags set: a transferred one was flagged again (re-send).
    found = compare(transfer, org.slug, invoices, ledger_invoices, store.links(cid, RecordKind.INVOICE),
                    predict_totals=conn.predict_totals, resend=True, limits=LIMITS)  # fmt: skip
    # The customers these invoices name, as Compare sees them going up: a new one is created
    # (or linked) before its invoices.
    wanted = {i.customer_number for i in invoices}
    local_customers = [customer_record(c, org) for c in org.customers.filter(account_ref__in=wanted)]
    customers = compare(Transfer.CUSTOMERS_UP, org.slug, local_customers, ledger_customers,
                        store.links(cid, RecordKind.CUSTOMER))  # fmt: skip
    return CompareResult(option, direction, transfer, found, customers, notice=" ".join(notices[:1]))


def _as_last_read(conn: Connector, kind: RecordKind, store: DjangoSyncStore, notices: list[str]) -> list[mirror.Record]:
    return mirror.stored(conn.settings.connection_id, kind)


def _read_ledger(conn: Connector, kind: RecordKind, store: DjangoSyncStore, notices: list[str]) -> list[mirror.Record]:
    """The ledger's records, read incrementally; when the ledger asks a page to slow down, our
    copy as last read (the page answers at once and says so). Nothing read yet: the refusal
    stands, there is nothing to show."""
    try:
        return mirror.refresh(conn, kind, store)
    except Throttled as exc:
        read_at = store.watermark(conn.settings.connection_id, kind)
        if read_at is None:
            raise
        when = timezone.localtime(read_at).strftime("%H:%M:%S")
        notices.append(f"{exc.message} This Compare shows the ledger as read at {when}; compare again in a "
                       f"few seconds for the latest.")  # fmt: skip
        return mirror.stored(conn.settings.connection_id, kind)


def _take_lease(connection: Connection, run_id: str) -> None:
    """One run per connection, by compare-and-set (works on SQLite and PostgreSQL). A lease held
    by a finished or paused run is free."""
    if Connection.objects.filter(pk=connection.pk, run_lease="").update(run_lease=run_id):
        return
    holder_id = Connection.objects.values_list("run_lease", flat=True).get(pk=connection.pk)
    holder = SyncRun.objects.filter(pk=holder_id).select_related("started_by").first()
    if holder is not None and holder.state in (RunState.PENDING, RunState.RUNNING):
        if _claim_stale(holder):
            raise TakenOver(holder)
        raise AlreadyRunning(holder)
    if not Connection.objects.filter(pk=connection.pk, run_lease=holder_id).update(run_lease=run_id):
        _take_lease(connection, run_id)  # someone else moved it meanwhile: judge again


def _claim_stale(run: SyncRun) -> bool:
    """Claim a run whose heartbeat is older than the staleness threshold, by compare-and-set on
    the heartbeat (a sweeper or another process never claims it too). A run whose task still
    waits in the queue is not stale: a worker will start it."""
    from fieldbook.integration.sweeper import _queued

    now = ledgers.clock_factory().now()
    cutoff = now - timedelta(seconds=float(settings.FIELDBOOK_HEARTBEAT_STALE_SECONDS))
    if run.heartbeat_at is not None and run.heartbeat_at >= cutoff:
        return False
    if run.state == RunState.PENDING and _queued(run.pk):
        return False
    return bool(SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(heartbeat_at=now))


def release_lease(connection_id: int | str, run_id: str) -> None:
    Connection.objects.filter(pk=connection_id, run_lease=run_id).update(run_lease="")


def start_sync(connection: Connection, option: str, selection: Selection, *, direction: str = "up",
               user: Any = None, result: CompareResult | None = None, enqueue: bool = True) -> SyncRun:  # fmt: skip
    """Plan the selected records into a run and queue it for the worker (or, with enqueue=False,
    leave it for the caller to carry out: the CLI). Raises AlreadyRunning."""
    run_id = uuid.uuid4().hex
    try:
        _take_lease(connection, run_id)
    except TakenOver as taken:
        if enqueue:  # the worker finishes it; the command line (enqueue=False) does it itself
            from fieldbook.integration.tasks import execute_run

            stale_id = taken.run.pk
            transaction.on_commit(lambda: execute_run.enqueue(stale_id))
        raise
    try:
        # The Compare the user saw: our copy as that Compare read it, not a second read.
        result = result or run_compare(connection, option, direction, read_ledger=False)
        planned = plan(run_id, result.transfer, result.compared, selection, customers=result.customers)
        now = ledgers.clock_factory().now()
        with transaction.atomic():
            SyncRun.objects.create(
                id=run_id, organisation=connection.organisation, connection=connection, transfer=result.transfer,
                option=option, started_by=user if getattr(user, "pk", None) else None, created_at=now,
                heartbeat_at=now, blocked=[{"key": b.key, "reason": b.reason} for b in planned.blocked],
            )  # fmt: skip
            DjangoSyncStore().create_run(Run(run_id, str(connection.pk), result.transfer, created_at=now),
                                         planned.steps)  # fmt: skip
    except BaseException:
        release_lease(connection.pk, run_id)
        raise
    if enqueue:
        from fieldbook.integration.tasks import execute_run

        transaction.on_commit(lambda: execute_run.enqueue(run_id))
    return SyncRun.objects.get(pk=run_id)


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
            mark_reconnect(connection, result.reason)
    except ReconnectRequired as exc:
        _pause(run, f"{exc.message} {exc.fix}".strip())
        mark_reconnect(connection, exc.message)
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


def resume(connection: Connection, run: SyncRun) -> None:
    """Queue a paused run again (after a reconnect, or the user's Resume): its open requests are
    looked up before anything is resent. Raises AlreadyRunning if another run holds the lease."""
    _take_lease(connection, run.pk)
    SyncRun.objects.filter(pk=run.pk, state=RunState.PAUSED).update(state=RunState.PENDING, reason="")
    from fieldbook.integration.tasks import execute_run

    transaction.on_commit(lambda: execute_run.enqueue(run.pk))


def _pause(run: SyncRun, reason: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(state=RunState.PAUSED, reason=reason)


def stale_runs(threshold_seconds: float) -> list[str]:
    """Runs that should be making progress but whose heartbeat stopped: their worker died."""
    now = ledgers.clock_factory().now()  # the engine stamps heartbeats on this clock
    cutoff = now - timedelta(seconds=threshold_seconds)
    qs = SyncRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING]).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    claimed = []
    for run in qs:
        # Compare-and-set on the heartbeat: two sweepers never resume the same run.
        if SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(heartbeat_at=now):
            claimed.append(run.pk)
    return claimed
