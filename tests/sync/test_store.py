"""The in-memory store behaves like a database where the engine can tell; rows survive JSON;
the engine's package stays pure."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldbook.connectors.base import Operation, RecordKind, Request, Step
from fieldbook.sync import codec
from fieldbook.sync.memory import MemoryStore
from fieldbook.sync.store import Link, Mode, Outcome, OutcomeStatus, PlannedStep, RequestState, Run
from tests.sync.factories import customer, invoice, line

pytestmark = pytest.mark.pure

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
INVOICE_STEP = PlannedStep(
    Step(
        "r:invoice:J1",
        RecordKind.INVOICE,
        Operation.CREATE,
        invoice("J1", "C001", line("Fit valve", "3", "33.335")),
        depends_on=("r:customer:C001",),
    ),
    Mode.LEDGER,
    "J1",
    {"total": "120.03"},
    None,
    "Not in the ledger yet.",
)


def test_rows_round_trip_through_json_with_money_dates_and_bytes_intact() -> None:
    customer_step = PlannedStep(
        Step(
            "r:customer:C001",
            RecordKind.CUSTOMER,
            Operation.UPDATE,
            customer("C001", "Acme", ledger_id="58", version="3"),
        ),
        Mode.LINK,
        "C001",
        {},
        customer("C001", "Acme", ledger_id="58"),
    )
    request = Request(
        "k" * 32,
        "POST",
        "/v3/company/1/batch",
        ("a", "b"),
        b'{"x": "\xc2\xa3"}',
        params=(("minorversion", "75"),),
        parts=(("a", "1"), ("b", "2")),
    )
    outcome = Outcome(OutcomeStatus.FAILED, code="6240", message="Duplicate", fix="Rename", at=AT)
    for row in (INVOICE_STEP, customer_step, request, outcome):
        assert codec.load(type(row), json.loads(json.dumps(codec.dump(row)))) == row


def test_the_memory_store_hands_out_copies_and_keeps_one_link_per_ledger_record() -> None:
    store = MemoryStore()
    store.save_link(Link("c", RecordKind.CUSTOMER, "C001", "58", "0", local_values={"name": "Acme"}))
    got = store.link("c", RecordKind.CUSTOMER, "C001")
    assert got is not None
    got.local_values["name"] = "changed behind the store's back"
    assert store.link("c", RecordKind.CUSTOMER, "C001").local_values == {"name": "Acme"}  # type: ignore[union-attr]
    # the same ledger record linked to another of our customers (a confirmed merge): one link
    store.save_link(Link("c", RecordKind.CUSTOMER, "C002", "58", "1"))
    assert [link.local_number for link in store.links("c", RecordKind.CUSTOMER)] == ["C002"]


def test_the_journal_keeps_a_request_once_and_its_state() -> None:
    store = MemoryStore()
    store.create_run(Run("r", "c", "invoices_up"), [INVOICE_STEP])  # type: ignore[arg-type]
    request = Request("key1", "POST", "/batch", ("r:invoice:J1",), b"{}")
    store.journal("r", request, AT)
    store.mark_request("r", "key1", RequestState.SENT)
    store.journal("r", request, AT)  # prepared again after a crash: same key, not a second entry
    (entry,) = store.requests("r")
    assert (entry.state, entry.request) == (RequestState.SENT, request)
    store.save_outcome("r", "r:invoice:J1", Outcome(OutcomeStatus.CREATED))
    with pytest.raises(ValueError, match="already has an outcome"):
        store.replace_step("r", INVOICE_STEP)


def test_the_engine_imports_nothing_from_django_or_the_sandbox() -> None:
    package = Path(codec.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                assert not name.startswith(("django", "fieldbook.sandbox", "fieldbook.integration")), (path, name)
