"""requestid replays (ref §10) and the state file (the demo and replays survive a restart)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, codes, invoice_body


def test_replay_returns_the_first_response_and_writes_nothing(qbo: Qbo, clock: VirtualClock) -> None:
    first = qbo.post("customer", {"DisplayName": "Acme"}, params={"requestid": "cust-acme-v1"})
    clock.advance(30)
    again = qbo.post("customer", {"DisplayName": "Acme"}, params={"requestid": "cust-acme-v1"})
    assert again.status_code == 200 and again.json() == first.json()
    assert len(qbo.sandbox.quickbooks.customers(qbo.realm)) == 1


def test_same_id_different_body_is_600(qbo: Qbo) -> None:
    qbo.ok(qbo.post("customer", {"DisplayName": "Acme"}, params={"requestid": "r-1"}))
    response = qbo.post("customer", {"DisplayName": "Other"}, params={"requestid": "r-1"})
    assert codes(response) == ["600"]
    assert len(qbo.sandbox.quickbooks.customers(qbo.realm)) == 1


def test_a_fault_response_is_replayed_too(qbo: Qbo) -> None:
    qbo.create_customer("Acme")
    first = qbo.post("customer", {"DisplayName": "Acme"}, params={"requestid": "dup-1"})
    assert codes(first) == ["6240"]
    assert qbo.post("customer", {"DisplayName": "Acme"}, params={"requestid": "dup-1"}).json() == first.json()


def test_batch_requestid_replays(qbo: Qbo) -> None:
    body = {"BatchItemRequest": [{"bId": "1", "operation": "create", "Customer": {"DisplayName": "B1"}}]}
    first = qbo.ok(qbo.post("batch", body, params={"requestid": "batch-1"}))
    assert qbo.ok(qbo.post("batch", body, params={"requestid": "batch-1"})) == first
    assert len(qbo.sandbox.quickbooks.customers(qbo.realm)) == 1
    too_long = qbo.post("batch", body, params={"requestid": "b" * 37})
    assert codes(too_long) == ["2050"]


def test_requestids_are_per_realm(sandbox: Sandbox) -> None:
    uk = Qbo(sandbox)
    other = Qbo(sandbox, sandbox.quickbooks.seed_company())
    uk.ok(uk.post("customer", {"DisplayName": "Acme"}, params={"requestid": "same"}))
    other.ok(other.post("customer", {"DisplayName": "Acme"}, params={"requestid": "same"}))
    assert len(sandbox.quickbooks.customers(other.realm)) == 1


def test_state_survives_a_restart_including_replays(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    clock = VirtualClock()
    first = Sandbox(clock=clock, state_file=state)
    qbo = Qbo(first)
    cid = qbo.create_customer("Acme")["Id"]
    created = qbo.ok(qbo.post("invoice", invoice_body(cid, DocNumber="J1"), params={"requestid": "inv-J1"}))
    first.quickbooks.record_payment(qbo.realm, created["Invoice"]["Id"], Decimal("20.00"))
    assert json.loads(state.read_text())["version"] == 1

    second = Sandbox(clock=clock, state_file=state)
    assert second.quickbooks.default_realm == qbo.realm
    again = Qbo(second)
    replay = again.ok(again.post("invoice", invoice_body(cid, DocNumber="J1"), params={"requestid": "inv-J1"}))
    assert replay == created
    stored = second.quickbooks.invoices(qbo.realm)
    assert len(stored) == 1 and stored[0]["Balance"] == Decimal("100.00")
    assert stored[0]["MetaData"]["CreateTime"] == clock.now()  # aware datetime, round-tripped
    # Tokens issued before the restart still work after it.
    assert again.get("companyinfo/1", token=qbo.tokens["access_token"]).status_code == 200


def test_without_a_state_file_nothing_is_written(tmp_path: Path) -> None:
    sandbox = Sandbox(clock=VirtualClock())
    Qbo(sandbox).create_customer("Acme")
    assert list(tmp_path.iterdir()) == []
