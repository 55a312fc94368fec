"""Apply against the fake ledger: every fault class, and what each leaves behind."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fieldbook.connectors.base import RecordKind
from fieldbook.connectors.errors import Permanent
from fieldbook.connectors.records import CustomerRecord
from fieldbook.core.clock import VirtualClock
from fieldbook.sync.apply import Engine, EngineOptions
from fieldbook.sync.memory import MemoryLocalSide, MemoryStore
from fieldbook.sync.store import Mode, OutcomeStatus, RequestState, Run, RunState, Transfer
from tests.sync.factories import customer, invoice
from tests.sync.fake_ledger import CONNECTION, FakeConnector, FakeLedger
from tests.sync.harness import plan_everything

pytestmark = pytest.mark.pure

CUSTOMERS = [customer("C001", "Acme Ltd"), customer("C002", "Beta Ltd"), customer("C003", "Gamma Ltd")]
INVOICES = [invoice("J1", "C001"), invoice("J2", "C002"), invoice("S1", "C002"), invoice("J3", "C003")]


class World:
    def __init__(self, batch_size: int = 3) -> None:
        self.clock = VirtualClock()
        self.ledger = FakeLedger()
        self.store = MemoryStore()
        self.local = MemoryLocalSide(CUSTOMERS)
        self.batch_size = batch_size
        self.beats: list[Run] = []

    def engine(self, **options: object) -> Engine:
        connector = FakeConnector(self.ledger, self.clock, self.batch_size)
        return Engine(
            self.store,
            connector,
            self.clock,
            local=self.local,
            options=EngineOptions(**options),  # type: ignore[arg-type]
            on_heartbeat=self.beats.append,
        )

    def sync_invoices(self, run: str = "run1", **options: object) -> Run:
        engine = self.engine(**options)
        p = plan_everything(engine.connector, self.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS, run=run)
        return engine.start(p)

    def outcomes(self, run: str = "run1") -> dict[str, OutcomeStatus | None]:
        return {row.planned.local_number: row.outcome.status if row.outcome else None for row in self.store.steps(run)}

    def assert_exactly_once(self) -> None:
        assert all(n == 1 for n in self.ledger.commits.values()), self.ledger.commits
        assert sorted(c.number for c in self.ledger.customers.values()) == ["C001", "C002", "C003"]
        assert sorted(i.number for i in self.ledger.invoices.values()) == ["J1", "J2", "J3", "S1"]
        for inv in self.ledger.invoices.values():
            (owner,) = [c for c in self.ledger.customers.values() if c.ledger_id == inv.customer_ledger_id]
            assert owner.number == inv.customer_number


ALL_CREATED = dict.fromkeys(("C001", "C002", "C003", "J1", "J2", "S1", "J3"), OutcomeStatus.CREATED)


def test_a_clean_run_creates_customers_then_invoices_and_links_them() -> None:
    w = World()
    run = w.sync_invoices()
    assert run.state == RunState.DONE
    assert run.counts == {"created": 7}
    assert w.outcomes() == ALL_CREATED
    w.assert_exactly_once()
    links = {link.local_number: link for link in w.store.links(CONNECTION, RecordKind.INVOICE)}
    assert set(links) == {"J1", "J2", "S1", "J3"}
    assert links["J1"].ledger_version == "0" and links["J1"].local_values["total"] == "120"
    # customers in one request, invoices after them (they need the customers' ids)
    assert [entry.request.members for entry in w.store.requests("run1")] == [
        ("run1:customer:C001", "run1:customer:C002", "run1:customer:C003"),
        ("run1:invoice:J1", "run1:invoice:J2", "run1:invoice:J3"),
        ("run1:invoice:S1",),
    ]
    assert all(e.state == RequestState.DONE for e in w.store.requests("run1"))
    assert len(w.store.attempts("run1")) == 3
    assert w.beats and w.beats[-1].heartbeat_at is not None
    assert {(k, n) for k, n, _ in w.local.transferred} >= {(RecordKind.INVOICE, "J1"), (RecordKind.CUSTOMER, "C001")}
    # a second compare finds everything linked and unchanged: nothing to plan
    again = plan_everything(w.engine().connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS)
    assert again.steps == () and {b.reason for b in again.blocked} == {"Unchanged since the last sync: nothing to do."}


def test_an_answer_lost_after_commit_is_resolved_by_lookup_not_by_resending() -> None:
    w = World()
    w.ledger.faults = ["commit_then_drop"]
    run = w.sync_invoices()
    assert run.state == RunState.DONE and w.outcomes() == ALL_CREATED
    w.assert_exactly_once()
    assert len(w.ledger.received) == 3  # the customer batch was never sent again
    assert [a.error_class for a in w.store.attempts("run1")][:1] == ["Uncertain"]


def test_a_drop_before_commit_resends_the_journalled_bytes_under_the_same_key() -> None:
    w = World()
    w.ledger.faults = ["uncertain"]
    assert w.sync_invoices().state == RunState.DONE
    w.assert_exactly_once()
    first, second = w.ledger.received[:2]
    assert first == second
    assert first[0] == w.store.requests("run1")[0].request.key


@pytest.mark.parametrize(("retry_after", "waited"), [(30.0, 30.0), (None, 1.0), (900.0, 60.0)])
def test_retriable_errors_wait_then_retry_within_the_run(retry_after: float | None, waited: float) -> None:
    w = World()
    w.ledger.faults = [("retriable", retry_after)] if retry_after else ["retriable"]
    assert w.sync_invoices().state == RunState.DONE
    w.assert_exactly_once()
    assert w.clock.monotonic() == waited  # Retry-After honoured, capped at backoff_cap
    assert [a.status for a in w.store.attempts("run1")] == [429, 200, 200, 200]


def test_one_bad_record_never_stops_the_run() -> None:
    w = World()
    w.ledger.reject["C002"] = Permanent(
        "The email address is not valid", code="2210", field="email", fix="Correct the customer's email in Fieldbook."
    )
    w.ledger.reject["J3"] = Permanent("Amount calculation incorrect", code="6070")
    run = w.sync_invoices()
    assert run.state == RunState.DONE
    assert run.counts == {"created": 3, "failed": 2, "skipped": 2}
    steps = {row.planned.local_number: row.outcome for row in w.store.steps("run1")}
    assert steps["C002"] is not None and (steps["C002"].code, steps["C002"].fix) == (
        "2210",
        "Correct the customer's email in Fieldbook.",
    )
    for dependant in ("J2", "S1"):
        skipped = steps[dependant]
        assert skipped is not None and skipped.status == OutcomeStatus.SKIPPED
        assert skipped.message == "Not sent because its customer C002 failed: The email address is not valid"
    assert steps["J3"] is not None and steps["J3"].code == "6070"
    assert sorted(i.number for i in w.ledger.invoices.values()) == ["J1"]


def test_reconnect_required_pauses_and_a_new_engine_finishes_the_run() -> None:
    w = World()
    w.ledger.faults = [None, "reconnect"]  # the customers go, then the token is revoked
    run = w.sync_invoices()
    assert run.state == RunState.PAUSED and "Reconnect required" in run.reason
    outcomes = w.outcomes()
    assert sorted(n for n, s in outcomes.items() if s is None) == ["J1", "J2", "J3", "S1"]
    run = w.engine().resume("run1")
    assert run.state == RunState.DONE and w.outcomes() == ALL_CREATED
    w.assert_exactly_once()


def test_a_ledger_that_keeps_failing_pauses_the_run_resumably() -> None:
    w = World()
    w.ledger.faults = ["uncertain"] * 3
    assert w.sync_invoices(max_tries=2).state == RunState.PAUSED
    assert w.engine().resume("run1").state == RunState.DONE
    w.assert_exactly_once()


def test_an_invoice_number_taken_by_someone_else_is_a_conflict_not_a_copy() -> None:
    w = World()
    w.ledger.add_foreign(invoice("J1", "C001"))
    # Planned from a stale view, as if the foreign invoice arrived after Compare.
    engine = w.engine()
    p = plan_everything(engine.connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS)
    by_id = {s.id: s for s in p.steps}
    assert by_id["run1:invoice:J1"].mode == Mode.LINK  # Compare saw it: a Link by number, not a create
    w.ledger.invoices.clear()
    p = plan_everything(engine.connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS)
    w.ledger.add_foreign(invoice("J1", "C001"))
    engine.start(p)
    j1 = {row.planned.local_number: row.outcome for row in w.store.steps("run1")}["J1"]
    assert j1 is not None and j1.status == OutcomeStatus.CONFLICT and j1.code == "6140"
    assert "did not create" in j1.message


def _sync_customers(w: World, run: str, local: list[CustomerRecord]) -> Run:
    engine = w.engine()
    p = plan_everything(engine.connector, w.store, Transfer.CUSTOMERS_UP, local, run=run)
    return engine.start(p)


@pytest.mark.parametrize(
    ("their_edit", "status", "email"),
    [
        ({"notes": "gate code 1234"}, OutcomeStatus.UPDATED, "new@acme.example"),  # only the version moved
        ({"email": "theirs@acme.example"}, OutcomeStatus.CONFLICT, "theirs@acme.example"),
    ],
)
def test_a_stale_version_is_re_read_and_re_planned_or_shown_as_a_conflict(
    their_edit: dict, status: OutcomeStatus, email: str
) -> None:
    w = World()
    _sync_customers(w, "first", CUSTOMERS[:1])
    edited = [replace(CUSTOMERS[0], email="new@acme.example")]
    engine = w.engine()
    p = plan_everything(engine.connector, w.store, Transfer.CUSTOMERS_UP, edited, run="second")
    (ledger_id,) = w.ledger.customers
    w.ledger.edit(RecordKind.CUSTOMER, ledger_id, **their_edit)  # someone saves it in between
    run = engine.start(p)
    assert w.outcomes("second") == {"C001": status}
    assert w.ledger.customers[ledger_id].email == email
    if status == OutcomeStatus.UPDATED:
        link = w.store.link(CONNECTION, RecordKind.CUSTOMER, "C001")
        assert link is not None and link.ledger_version == "2" and link.local_values["email"] == "new@acme.example"
    else:
        (row,) = w.store.steps("second")
        assert row.outcome is not None and "email" in row.outcome.message
    assert run.state == RunState.DONE


def test_customers_down_create_and_update_fieldbook_customers() -> None:
    w = World()
    _sync_customers(w, "up", CUSTOMERS[:1])
    (acme_id,) = w.ledger.customers
    w.ledger.edit(RecordKind.CUSTOMER, acme_id, phone="01632 960123")
    w.ledger.add_foreign(CustomerRecord(number="", name="Newcomer Ltd", email="hi@new.example"))
    engine = w.engine()
    p = plan_everything(engine.connector, w.store, Transfer.CUSTOMERS_DOWN, w.local.customers(), run="down")
    run = engine.start(p)
    assert run.state == RunState.DONE and run.counts == {"created": 1, "updated": 1}
    assert w.local.records["C001"].phone == "01632 960123"
    (new,) = [c for c in w.local.customers() if c.name == "Newcomer Ltd"]
    assert new.email == "hi@new.example"
    link = w.store.link(CONNECTION, RecordKind.CUSTOMER, new.number)
    assert link is not None and w.ledger.customers[link.ledger_id].name == "Newcomer Ltd"
    # and nothing is left to bring down
    again = plan_everything(engine.connector, w.store, Transfer.CUSTOMERS_DOWN, w.local.customers(), run="again")
    assert again.steps == ()


def test_a_second_run_planned_from_the_same_compare_ends_unchanged_and_sends_nothing() -> None:
    """Issue 10 §4: the same records started from two tabs. The second run's steps find the
    ledger already holding what they planned (the first run sent it): `unchanged`, never a
    stale-version failure, and no write at all."""
    w = World()
    w.sync_invoices("run0")
    changed = [replace(c, phone="01234 567890") if c.number == "C001" else c for c in CUSTOMERS]
    first, second = w.engine(), w.engine()
    tab1 = plan_everything(first.connector, w.store, Transfer.CUSTOMERS_UP, changed, run="tab1")
    tab2 = plan_everything(second.connector, w.store, Transfer.CUSTOMERS_UP, changed, run="tab2")
    assert [p.local_number for p in tab2.steps] == ["C001"]  # both tabs saw one Update
    assert first.start(tab1).counts == {"updated": 1}
    sent = len(w.ledger.received)
    run = second.start(tab2)
    assert run.state == RunState.DONE and run.counts == {"unchanged": 1}, run.counts
    assert len(w.ledger.received) == sent  # nothing sent again
    assert "already holds" in w.store.steps("tab2")[0].outcome.message  # type: ignore[union-attr]


def test_independent_requests_of_a_wave_go_concurrently_customers_first() -> None:
    """Issue 10 §5: the requests of one wave are sent together, up to the connector's limit, and
    an invoice is never sent before the customer it needs has been answered."""
    import threading
    import time

    w = World(batch_size=1)
    connector = FakeConnector(w.ledger, w.clock, 1)
    connector.max_concurrency = 2
    lock = threading.Lock()
    state = {"in_flight": 0, "most": 0}
    started: list[str] = []
    finished: list[str] = []
    send = connector.send

    def slow_send(request):  # type: ignore[no-untyped-def]
        kind = "invoice" if '"kind": "invoice"' in request.body.decode() else "customer"
        with lock:
            state["in_flight"] += 1
            state["most"] = max(state["most"], state["in_flight"])
            started.append(kind)
        time.sleep(0.05)  # a ledger that takes a while to answer
        try:
            return send(request)
        finally:
            with lock:
                state["in_flight"] -= 1
                finished.append(kind)

    connector.send = slow_send  # type: ignore[method-assign]
    engine = Engine(w.store, connector, w.clock, local=w.local)
    p = plan_everything(connector, w.store, Transfer.INVOICES_UP, INVOICES, customers=CUSTOMERS)
    run = engine.start(p)
    assert run.state == RunState.DONE and run.counts == {"created": 7}
    assert state["most"] == 2  # never more than the limit, and more than one at a time
    assert started.index("invoice") >= 3 and finished[:3] == ["customer"] * 3
    w.assert_exactly_once()
