"""The integration workflow behind the pages and the CLI: Compare, Start Sync, carry out a run.

A run is planned synchronously (so the page can show its steps at once) and carried out in the
background by `tasks.execute_run`; the sweeper resumes runs whose heartbeat went stale."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from fieldbook.connectors.base import Connector, RecordKind
from fieldbook.connectors.limiter import Throttled
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.core import bounds
from fieldbook.integration import ledgers, mirror
from fieldbook.integration.lease import AlreadyRunning, TakenOver, release_lease, stale_runs, take_lease
from fieldbook.integration.models import Connection, SyncRun
from fieldbook.integration.records import (
    absent_customers,
    customer_record,
    integrated_customers,
    invoice_records,
)
from fieldbook.integration.runs import execute
from fieldbook.integration.store import DjangoSyncStore
from fieldbook.integration.tasks import execute_run
from fieldbook.jobs.models import Job
from fieldbook.sync.compare import Action, Compared, compare
from fieldbook.sync.limits import Limits
from fieldbook.sync.plan import Selection, plan
from fieldbook.sync.store import Run, RunState, Transfer

logger = logging.getLogger(__name__)
# Re-exported: the pages and the CLI know a run's life through this module.
__all__ = ["AlreadyRunning", "TakenOver", "execute", "release_lease", "stale_runs"]

OPTIONS = {
    "customers": "Customers",
    "jobs": "Invoice Jobs",
    "contracts": "Service Contracts",
}


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


def start_sync(connection: Connection, option: str, selection: Selection, *, direction: str = "up",
               user: Any = None, result: CompareResult | None = None, enqueue: bool = True) -> SyncRun:  # fmt: skip
    """Plan the selected records into a run and queue it for the worker (or, with enqueue=False,
    leave it for the caller to carry out: the CLI). Raises AlreadyRunning."""
    run_id = uuid.uuid4().hex
    try:
        take_lease(connection, run_id)
    except TakenOver as taken:
        if enqueue:  # the worker finishes it; the command line (enqueue=False) does it itself
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
        transaction.on_commit(lambda: execute_run.enqueue(run_id))
    return SyncRun.objects.get(pk=run_id)


def resume(connection: Connection, run: SyncRun) -> None:
    """Queue a paused run again (after a reconnect, or the user's Resume): its open requests are
    looked up before anything is resent. Raises AlreadyRunning if another run holds the lease."""
    take_lease(connection, run.pk)
    SyncRun.objects.filter(pk=run.pk, state=RunState.PAUSED).update(state=RunState.PENDING, reason="")
    transaction.on_commit(lambda: execute_run.enqueue(run.pk))
