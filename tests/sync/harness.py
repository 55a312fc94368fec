"""Compare -> plan -> apply against any connector, and a store that crashes on cue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fieldbook.connectors.base import Connector, RecordKind
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord
from fieldbook.sync.compare import compare
from fieldbook.sync.memory import MemoryStore
from fieldbook.sync.plan import Plan, Selection, plan
from fieldbook.sync.store import Transfer
from tests.sync.factories import ORG


def plan_everything(
    connector: Connector,
    store: MemoryStore,
    transfer: Transfer,
    local: Sequence[CustomerRecord | InvoiceRecord],
    *,
    customers: Sequence[CustomerRecord] = (),
    run: str = "run1",
) -> Plan:
    """What a user does who selects every record Compare offers."""
    conn = connector.settings.connection_id
    customer_links = store.links(conn, RecordKind.CUSTOMER)
    ledger_customers = connector.customers().records
    if transfer == Transfer.INVOICES_UP:
        view = compare(
            transfer,
            ORG,
            local,
            connector.invoices().records,
            store.links(conn, RecordKind.INVOICE),
            predict_totals=connector.predict_totals,
        )
        customer_view = compare(Transfer.CUSTOMERS_UP, ORG, customers, ledger_customers, customer_links)
    else:
        view = compare(transfer, ORG, local, ledger_customers, customer_links)
        customer_view = []
    return plan(run, transfer, view, Selection(frozenset(c.key for c in view)), customers=customer_view)


class Crash(Exception):
    """The worker died here: nothing after this point happened."""


class CrashingStore:
    """A MemoryStore that dies before its `limit`-th write (counting from 1); `limit=None`
    never dies and counts writes, so a clean run tells how many crash points there are."""

    WRITES = frozenset(
        {
            "save_run",
            "heartbeat",
            "replace_step",
            "save_outcome",
            "save_link",
            "journal",
            "mark_request",
            "record_attempt",
        }
    )

    def __init__(self, inner: MemoryStore, limit: int | None = None) -> None:
        self.inner = inner
        self.limit = limit
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name not in self.WRITES:
            return target

        def write(*args: Any, **kw: Any) -> Any:
            self.writes += 1
            if self.limit is not None and self.writes >= self.limit:
                raise Crash(f"crashed before write {self.writes} ({name})")
            return target(*args, **kw)

        return write
