"""A run abandoned at any write and resumed by a new engine: nothing lost, nothing twice."""

from __future__ import annotations

import pytest

from fieldbook.connectors.records import CustomerRecord
from fieldbook.sync.apply import Engine
from fieldbook.sync.plan import Plan
from fieldbook.sync.store import OutcomeStatus, RequestState, RunState, Transfer
from tests.sync.fake_ledger import FakeConnector
from tests.sync.harness import Crash, CrashingStore, plan_everything
from tests.sync.test_apply import ALL_CREATED, CUSTOMERS, INVOICES, World

pytestmark = pytest.mark.pure

FAULTS = {
    "no faults": [],
    "answers lost after commit": ["commit_then_drop", None, "commit_then_drop"],
    "drops and throttling": ["uncertain", ("retriable", 5.0), "uncertain", "commit_then_drop"],
}


def writes_in_a_clean_run(faults: list) -> int:
    w = World()
    w.ledger.faults = list(faults)
    counting = CrashingStore(w.store)
    engine = Engine(counting, FakeConnector(w.ledger, w.clock), w.clock, local=w.local)  # type: ignore[arg-type]
    engine.start(plan_everything(engine.connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS))
    return counting.writes


@pytest.mark.parametrize("faults", FAULTS.values(), ids=FAULTS.keys())
def test_a_crash_at_every_write_then_resume(faults: list) -> None:
    total = writes_in_a_clean_run(faults)
    assert total > 20
    for crash_at in range(1, total + 1):
        w = World()
        w.ledger.faults = list(faults)
        crashing = CrashingStore(w.store, limit=crash_at)
        first = Engine(crashing, FakeConnector(w.ledger, w.clock), w.clock, local=w.local)  # type: ignore[arg-type]
        p = plan_everything(first.connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS)
        with pytest.raises(Crash):
            first.start(p)
        # A new process: new engine, new connector, the same database and the same ledger.
        run = Engine(w.store, FakeConnector(w.ledger, w.clock), w.clock, local=w.local).resume("run1")
        assert run.state == RunState.DONE, f"crash at write {crash_at}: {run.reason}"
        assert w.outcomes() == ALL_CREATED, f"crash at write {crash_at}"
        w.assert_exactly_once()
        assert all(e.state == RequestState.DONE for e in w.store.requests("run1"))


def test_resume_looks_up_a_request_sent_without_a_recorded_result() -> None:
    w = World()
    store = CrashingStore(w.store, limit=None)
    engine = Engine(store, FakeConnector(w.ledger, w.clock), w.clock, local=w.local)  # type: ignore[arg-type]
    p = plan_everything(engine.connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS)
    # Die when the first attempt is about to be recorded: the customers were committed.
    store.limit = 1
    store.WRITES = frozenset({"record_attempt"})  # type: ignore[misc]
    with pytest.raises(Crash):
        engine.start(p)
    (entry,) = w.store.requests("run1")
    assert entry.state == RequestState.SENT
    sent_before = len(w.ledger.received)
    run = Engine(w.store, FakeConnector(w.ledger, w.clock), w.clock, local=w.local).resume("run1")
    assert run.state == RunState.DONE
    w.assert_exactly_once()
    # the customer batch was resolved by lookup: only the two invoice requests were sent after
    assert len(w.ledger.received) - sent_before == 2
    assert {row.outcome.status for row in w.store.steps("run1") if row.outcome} == {OutcomeStatus.CREATED}


def test_a_done_run_resumed_does_nothing() -> None:
    w = World()
    assert w.sync_invoices().state == RunState.DONE
    sent = len(w.ledger.received)
    assert w.engine().resume("run1").state == RunState.DONE
    assert len(w.ledger.received) == sent


def test_customers_down_survive_a_crash_at_every_write() -> None:
    def world() -> World:
        w = World()
        for n in range(4):
            w.ledger.add_foreign(CustomerRecord(number="", name=f"Ledger Customer {n}", email=f"l{n}@x.test"))
        return w

    def plan_down(w: World, engine: Engine) -> Plan:
        return plan_everything(engine.connector, w.store, Transfer.CUSTOMERS_DOWN, w.local.customers(), run="down")

    clean = world()
    counting = CrashingStore(clean.store)
    engine = Engine(counting, FakeConnector(clean.ledger, clean.clock), clean.clock, local=clean.local)  # type: ignore[arg-type]
    engine.start(plan_down(clean, engine))
    for crash_at in range(1, counting.writes + 1):
        w = world()
        crashing = CrashingStore(w.store, limit=crash_at)
        first = Engine(crashing, FakeConnector(w.ledger, w.clock), w.clock, local=w.local)  # type: ignore[arg-type]
        with pytest.raises(Crash):
            first.start(plan_down(w, first))
        run = Engine(w.store, FakeConnector(w.ledger, w.clock), w.clock, local=w.local).resume("down")
        assert run.state == RunState.DONE and run.counts == {"created": 4}, crash_at
        names = sorted(c.name for c in w.local.customers() if c.name.startswith("Ledger"))
        assert names == [f"Ledger Customer {n}" for n in range(4)], f"crash at write {crash_at}"
