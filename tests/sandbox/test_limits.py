"""Rate limits at their exact boundaries on the virtual clock (ref §9)."""

from __future__ import annotations

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, codes


def batch_of(n: int) -> dict:
    return {"BatchItemRequest": [{"bId": str(i), "Query": "select * from Term"} for i in range(n)]}


def test_ten_per_second_per_realm_and_app(qbo: Qbo, clock: VirtualClock) -> None:
    for _ in range(10):
        qbo.ok(qbo.get("companyinfo/1"))
    refused = qbo.get("companyinfo/1")
    assert refused.status_code == 429 and codes(refused) == ["3001"]
    clock.advance(1)
    qbo.ok(qbo.get("companyinfo/1"))


def test_500_per_minute_per_realm(qbo: Qbo, clock: VirtualClock) -> None:
    for number in range(500):
        assert qbo.get("companyinfo/1").status_code == 200, number
        clock.advance(0.1)  # stay under 10/s: 500 requests in 50 s
    assert qbo.get("companyinfo/1").status_code == 429  # the 501st inside the minute
    clock.advance(10)  # the first request (t=0) leaves the window at t=60
    assert qbo.get("companyinfo/1").status_code == 200


def test_each_batch_item_counts_towards_the_minute(qbo: Qbo, clock: VirtualClock) -> None:
    for _ in range(16):  # 16 x 30 = 480
        qbo.ok(qbo.post("batch", batch_of(30)))
        clock.advance(0.2)
    assert qbo.post("batch", batch_of(21)).status_code == 429  # 501
    qbo.ok(qbo.post("batch", batch_of(20)))  # exactly 500


def test_count_batch_once_switch(sandbox: Sandbox, clock: VirtualClock) -> None:
    sandbox.qbo_limits.count_batch_once = True
    qbo = Qbo(sandbox)
    for _ in range(20):
        qbo.ok(qbo.post("batch", batch_of(30)))
        clock.advance(0.2)


def test_40_batches_per_minute_per_app_and_120_per_realm(sandbox: Sandbox, clock: VirtualClock) -> None:
    sandbox.qbo_limits.count_batch_once = True
    qbo = Qbo(sandbox)
    for _ in range(40):
        qbo.ok(qbo.post("batch", batch_of(1)))
        clock.advance(0.2)
    assert qbo.post("batch", batch_of(1)).status_code == 429
    assert qbo.get("companyinfo/1").status_code == 200  # plain calls still pass
    apps = []
    for number in range(3):
        sandbox.quickbooks.register_app(f"app{number}", "secret")
        other = Qbo(sandbox)
        other.tokens = sandbox.quickbooks.issue_tokens(qbo.realm, client_id=f"app{number}")
        apps.append(other)
    for other in apps[:2]:
        for _ in range(40):
            other.ok(other.post("batch", batch_of(1)))
            clock.advance(0.1)
    assert apps[2].post("batch", batch_of(1)).status_code == 429  # 121st batch for the realm


def test_relaxed_limits_multiply(clock: VirtualClock) -> None:
    sandbox = Sandbox(clock=clock, relaxed_limits=True)
    qbo = Qbo(sandbox)
    for _ in range(50):
        qbo.ok(qbo.get("companyinfo/1"))


def test_limits_are_per_realm(sandbox: Sandbox) -> None:
    uk = Qbo(sandbox)
    us = Qbo(sandbox, sandbox.quickbooks.seed_company(country="US"))
    for _ in range(10):
        uk.ok(uk.get("companyinfo/1"))
    assert uk.get("companyinfo/1").status_code == 429
    us.ok(us.get("companyinfo/1"))
