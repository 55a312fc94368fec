"""Fault injection: what the client sees, and the sandbox's state afterwards."""

from __future__ import annotations

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, codes, invoice_body


@pytest.fixture
def cid(qbo: Qbo) -> str:
    return str(qbo.create_customer("Acme Ltd")["Id"])


def invoices(qbo: Qbo) -> list[dict]:
    return qbo.sandbox.quickbooks.invoices(qbo.realm)


def test_latency_sleeps_on_the_sandbox_clock(qbo: Qbo, clock: VirtualClock) -> None:
    qbo.sandbox.faults.add(kind="latency", seconds=7.5)
    before = clock.monotonic()
    qbo.ok(qbo.get("companyinfo/1"))
    assert clock.monotonic() - before == 7.5
    qbo.ok(qbo.get("companyinfo/1"))
    assert clock.monotonic() - before == 7.5  # count=1: only the first request


def test_latency_beyond_the_read_timeout_commits_then_times_out(qbo: Qbo, cid: str) -> None:
    qbo.sandbox.faults.add(kind="latency", seconds=120, match="/invoice")
    with pytest.raises(httpx.ReadTimeout):
        qbo.post("invoice", invoice_body(cid))  # client timeout is 30 s
    assert len(invoices(qbo)) == 1


@pytest.mark.parametrize("variant", ["json", "xml", "legacy403"])
def test_throttle_storm_of_n_responses(qbo: Qbo, cid: str, variant: str) -> None:
    qbo.sandbox.faults.add(kind="throttle", count=3, variant=variant, match="/invoice")
    for _ in range(3):
        response = qbo.post("invoice", invoice_body(cid))
        assert response.status_code == (403 if variant == "legacy403" else 429)
        if variant == "xml":
            assert response.headers["content-type"].startswith("application/xml")
            assert '<Error code="3001">' in response.text
        else:
            assert codes(response) == ["3001"] and response.json()["Fault"]["type"] == "SERVICE"
    assert invoices(qbo) == []
    qbo.ok(qbo.post("invoice", invoice_body(cid)))
    assert len(invoices(qbo)) == 1


@pytest.mark.parametrize(("kind", "status"), [("http_500", 500), ("http_503", 503)])
def test_server_errors_commit_nothing(qbo: Qbo, cid: str, kind: str, status: int) -> None:
    qbo.sandbox.faults.add(kind=kind, match="POST")
    response = qbo.post("invoice", invoice_body(cid))
    assert response.status_code == status and response.json()["Fault"]["type"] == "SystemFault"
    assert invoices(qbo) == []


def test_reset_before_sending_is_connect_error_and_commits_nothing(qbo: Qbo, cid: str) -> None:
    qbo.sandbox.faults.add(kind="reset_before", match="/invoice")
    with pytest.raises(httpx.ConnectError):
        qbo.post("invoice", invoice_body(cid))
    assert invoices(qbo) == []


def test_commit_then_drop_leaves_exactly_one_record_and_the_client_times_out(qbo: Qbo, cid: str) -> None:
    qbo.sandbox.faults.add(kind="commit_then_drop", match="/invoice")
    with pytest.raises(httpx.ReadTimeout):
        qbo.post("invoice", invoice_body(cid, DocNumber="J1042"))
    assert [inv["DocNumber"] for inv in invoices(qbo)] == ["J1042"]
    # Blindly re-posting is caught by the ledger's own rules: the number is taken.
    assert codes(qbo.post("invoice", invoice_body(cid, DocNumber="J1042"))) == ["6140"]
    assert len(invoices(qbo)) == 1


def test_reset_after_sending_commits_and_raises_remote_protocol_error(qbo: Qbo, cid: str) -> None:
    qbo.sandbox.faults.add(kind="reset_after", match="/batch")
    body = {"BatchItemRequest": [{"bId": "1", "operation": "create", "Invoice": invoice_body(cid)}]}
    with pytest.raises(httpx.RemoteProtocolError):
        qbo.post("batch", body)
    assert len(invoices(qbo)) == 1


def test_requestid_replay_after_a_drop_returns_the_original_and_writes_nothing(qbo: Qbo, cid: str) -> None:
    qbo.sandbox.faults.add(kind="commit_then_drop", match="/invoice")
    body = invoice_body(cid)
    with pytest.raises(httpx.ReadTimeout):
        qbo.post("invoice", body, params={"requestid": "job-1042-v1"})
    replay = qbo.ok(qbo.post("invoice", body, params={"requestid": "job-1042-v1"}))
    assert replay["Invoice"]["Id"] == invoices(qbo)[0]["Id"]
    assert len(invoices(qbo)) == 1


def test_expired_token_fault_expires_the_realms_access_tokens(sandbox: Sandbox) -> None:
    qbo = Qbo(sandbox)
    sandbox.faults.add(kind="expired_token")
    response = qbo.get("companyinfo/1")
    assert response.status_code == 401 and response.json()["fault"]["error"][0]["code"] == "3200"
    assert qbo.get("companyinfo/1").status_code == 401  # the token stays expired: refresh needed
    refreshed = qbo.http.post("/quickbooks/oauth2/v1/tokens/bearer",
                              auth=(qbo.tokens["client_id"], qbo.tokens["client_secret"]),
                              data={"grant_type": "refresh_token", "refresh_token": qbo.tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert qbo.get("companyinfo/1", token=refreshed.json()["access_token"]).status_code == 200


def test_revoked_fault_makes_refresh_invalid_grant(sandbox: Sandbox) -> None:
    qbo = Qbo(sandbox)
    sandbox.faults.add(kind="revoked", match="/v3/")
    assert qbo.get("companyinfo/1").status_code == 401
    refreshed = qbo.http.post("/quickbooks/oauth2/v1/tokens/bearer",
                              auth=(qbo.tokens["client_id"], qbo.tokens["client_secret"]),
                              data={"grant_type": "refresh_token", "refresh_token": qbo.tokens["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_match_restricts_a_fault(qbo: Qbo, cid: str) -> None:
    qbo.sandbox.faults.add(kind="http_500", match="/batch")
    qbo.ok(qbo.post("invoice", invoice_body(cid)))
    assert len(qbo.sandbox.faults.pending()) == 1
    assert qbo.post("batch", {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}).status_code == 500
    assert qbo.sandbox.faults.pending() == []
    assert [f.kind for f in qbo.sandbox.faults.fired()] == ["http_500"]


def test_unknown_kind_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError):
        sandbox.faults.add(kind="gremlins")


def run_schedule(seed: int) -> tuple[list[str], int]:
    sandbox = Sandbox(clock=VirtualClock())
    qbo = Qbo(sandbox)
    cid = qbo.create_customer("Acme")["Id"]
    sandbox.faults.random_schedule(seed, rate=0.5, kinds=["http_503", "commit_then_drop", "reset_before"],
                                   match="/invoice")
    outcomes = []
    for _ in range(12):
        try:
            outcomes.append(str(qbo.post("invoice", invoice_body(cid)).status_code))
        except httpx.HTTPError as exc:
            outcomes.append(type(exc).__name__)
    return outcomes, len(sandbox.quickbooks.invoices(qbo.realm))


def test_random_schedule_is_deterministic_per_seed() -> None:
    first, created = run_schedule(7)
    assert run_schedule(7) == (first, created)
    assert set(first) - {"200"}, "rate 0.5 over 12 requests should fail some"
    assert created == first.count("200") + first.count("ReadTimeout")
    assert any(run_schedule(seed)[0] != first for seed in range(8, 12))
