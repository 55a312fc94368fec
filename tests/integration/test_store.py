"""The ORM store keeps the engine's promises the same way the in-memory one does."""

from __future__ import annotations

import pytest

from fieldbook.connectors.base import RecordKind, Request
from fieldbook.integration.models import Connection
from fieldbook.integration.store import DjangoSyncStore
from fieldbook.sync.store import Link, Outcome, OutcomeStatus, RequestState, Run
from tests.sync.test_store import AT, INVOICE_STEP

pytestmark = pytest.mark.django_db


@pytest.fixture
def cid(org_a):  # type: ignore[no-untyped-def]
    return str(Connection.objects.create(organisation=org_a, ledger="quickbooks").pk)


def test_links_are_copies_and_one_per_ledger_record(cid):  # type: ignore[no-untyped-def]
    store = DjangoSyncStore()
    store.save_link(Link(cid, RecordKind.CUSTOMER, "C001", "58", "0", local_values={"name": "Acme"}, synced_at=AT))
    got = store.link(cid, RecordKind.CUSTOMER, "C001")
    assert got is not None and got.synced_at == AT and got.ledger_version == "0"
    got.local_values["name"] = "changed behind the store's back"
    assert store.link(cid, RecordKind.CUSTOMER, "C001").local_values == {"name": "Acme"}  # type: ignore[union-attr]
    store.save_link(Link(cid, RecordKind.CUSTOMER, "C002", "58", "1"))
    assert [link.local_number for link in store.links(cid, RecordKind.CUSTOMER)] == ["C002"]


def test_runs_steps_and_the_journal_round_trip(cid):  # type: ignore[no-untyped-def]
    store = DjangoSyncStore()
    store.create_run(Run("r1", cid, "invoices_up", created_at=AT), [INVOICE_STEP])  # type: ignore[arg-type]
    (row,) = store.steps("r1")
    assert row.planned == INVOICE_STEP and row.outcome is None
    request = Request("key1", "POST", "/batch", ("r:invoice:J1",), b'{"Amount": 33.335}', (("requestid", "key1"),))
    store.journal("r1", request, AT)
    store.mark_request("r1", "key1", RequestState.SENT)
    store.journal("r1", request, AT)  # prepared again after a crash: not a second entry
    (entry,) = store.requests("r1")
    assert (entry.state, entry.request) == (RequestState.SENT, request)
    with pytest.raises(KeyError):
        store.mark_request("r1", "no-such-key", RequestState.DONE)
    outcome = Outcome(OutcomeStatus.FAILED, code="6240", message="Duplicate", fix="Rename", at=AT)
    store.save_outcome("r1", INVOICE_STEP.id, outcome)
    assert store.steps("r1")[0].outcome == outcome
    with pytest.raises(ValueError, match="already has an outcome"):
        store.replace_step("r1", INVOICE_STEP)


def test_watermarks(cid):  # type: ignore[no-untyped-def]
    store = DjangoSyncStore()
    assert store.watermark(cid, RecordKind.INVOICE) is None
    store.save_watermark(cid, RecordKind.INVOICE, AT)
    assert store.watermark(cid, RecordKind.INVOICE) == AT
