"""Xero's limits (ref §7) at their exact boundaries on the virtual clock: 60 calls a minute, a
daily budget (5,000, settable), 10,000 a minute per app, 5 concurrent calls; the headers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.xero_helpers import Xero


def test_sixty_a_minute_with_headers_and_retry_after(xero: Xero, clock: VirtualClock) -> None:
    replies = [xero.get("Organisation") for _ in range(60)]
    assert [r.status_code for r in replies] == [200] * 60
    assert replies[0].headers["X-MinLimit-Remaining"] == "59"
    assert replies[-1].headers["X-MinLimit-Remaining"] == "0"
    assert replies[-1].headers["X-DayLimit-Remaining"] == "4940"
    assert replies[-1].headers["X-AppMinLimit-Remaining"] == "9940"
    clock.advance(30)
    refused = xero.get("Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute" and refused.headers["Retry-After"] == "30"
    clock.advance(29.9)
    assert xero.get("Organisation").status_code == 429  # refused calls count against nothing
    clock.advance(0.1)  # exactly 60 s after the first call
    assert xero.get("Organisation").status_code == 200


def test_the_daily_budget_is_settable_and_exact(sandbox: Sandbox, xero: Xero, clock: VirtualClock) -> None:
    assert sandbox.xero.set_limits(per_day=100)["per_day"] == 100
    for _ in range(100):
        assert xero.get("Organisation").status_code == 200
        clock.advance(1.0)  # 60 calls a minute is never the limit here
    refused = xero.get("Organisation")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
    assert refused.headers["X-DayLimit-Remaining"] == "0"
    assert int(refused.headers["Retry-After"]) == 86400 - 100
    clock.advance(86400 - 100 - 0.5)
    xero.tokens = sandbox.xero.issue_tokens()  # the day outlived the access token, not the tenant's count
    assert xero.get("Organisation").status_code == 429
    clock.advance(0.5)  # the first call of the day leaves the 24-hour window
    ok = xero.get("Organisation")
    assert ok.status_code == 200 and ok.headers["X-DayLimit-Remaining"] == "0"


def test_app_wide_minute_limit_across_tenants(sandbox: Sandbox, clock: VirtualClock) -> None:
    sandbox.xero.set_limits(app_per_minute=90)
    first = Xero(sandbox)
    second = Xero(sandbox, sandbox.xero.seed_organisation("Second Ltd"))
    assert all(first.get("Organisation").status_code == 200 for _ in range(60))
    assert all(second.get("Organisation").status_code == 200 for _ in range(30))
    refused = second.get("Organisation")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert refused.headers["X-MinLimit-Remaining"] == "30"
    clock.advance(60)
    assert second.get("Organisation").status_code == 200


class GateClock(VirtualClock):
    """Virtual time whose sleep (the latency fault) blocks until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def sleep(self, seconds: float) -> None:
        assert self.gate.wait(10)
        super().sleep(seconds)


def test_five_concurrent_calls_per_tenant() -> None:
    clock = GateClock()
    sandbox = Sandbox(clock=clock)
    xero = Xero(sandbox)
    sandbox.faults.add(kind="latency", ledger="xero", count=5, seconds=1)
    with ThreadPoolExecutor(max_workers=5) as pool:
        slow = [pool.submit(xero.get, "Organisation") for _ in range(5)]
        deadline = time.monotonic() + 10
        while sandbox._xero.meter.in_flight.get(xero.tenant, 0) < 5:
            assert time.monotonic() < deadline, "five calls should be in flight"
            time.sleep(0.01)
        sixth = xero.get("Organisation")
        other = Xero(sandbox, sandbox.xero.seed_organisation("Other Ltd"))
        assert other.get("Organisation").status_code == 200  # the limit is per tenant
        clock.gate.set()
        results: list[httpx.Response] = [f.result() for f in slow]
    assert sixth.status_code == 429 and sixth.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert [r.status_code for r in results] == [200] * 5
    assert xero.get("Organisation").status_code == 200


def test_relaxed_mode_scales_the_limits() -> None:
    sandbox = Sandbox(clock=VirtualClock(), relaxed_limits=True)
    xero = Xero(sandbox)
    reply = xero.get("Organisation")
    assert reply.headers["X-MinLimit-Remaining"] == str(60 * 100 - 1)
    assert reply.headers["X-DayLimit-Remaining"] == str(5000 * 100 - 1)


def test_throttle_fault_is_a_429_with_the_headers(sandbox: Sandbox, xero: Xero) -> None:
    sandbox.faults.add(kind="throttle", ledger="xero", retry_after=7)
    refused = xero.get("Contacts")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "7"
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"


def test_token_and_server_faults(sandbox: Sandbox, xero: Xero) -> None:
    sandbox.faults.add(kind="http_503", ledger="xero")
    assert xero.get("Contacts").status_code == 503
    sandbox.faults.add(kind="expired_token", ledger="xero")
    expired = xero.get("Contacts")
    assert expired.status_code == 401 and expired.json()["Detail"].startswith("TokenExpired")
    xero.tokens = sandbox.xero.issue_tokens()
    assert xero.get("Contacts").status_code == 200
    sandbox.faults.add(kind="revoked", ledger="xero")
    assert xero.get("Contacts").status_code == 401
    refreshed = xero.http.post("/xero/connect/token", data={
        "grant_type": "refresh_token", "refresh_token": xero.tokens["refresh_token"],
        "client_id": xero.tokens["client_id"], "client_secret": xero.tokens["client_secret"]})
    assert refreshed.status_code == 400 and refreshed.json() == {"error": "invalid_grant"}
