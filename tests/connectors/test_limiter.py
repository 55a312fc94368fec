"""The limiter on the virtual clock: never over any window, waits only as long as needed."""

from __future__ import annotations

import pytest

from fieldbook.connectors.limiter import (
    Backoff,
    Limit,
    Limiter,
    MemoryBudgetStore,
    Throttled,
    limits_from_options,
    retry_after_seconds,
)
from fieldbook.connectors.quickbooks.profile import LIMITS as QBO_LIMITS
from fieldbook.core.clock import VirtualClock


def test_sliding_windows_are_never_exceeded() -> None:
    clock = VirtualClock()
    limiter = Limiter(QBO_LIMITS, clock)
    sent: list[tuple[float, int]] = []
    for _ in range(100):
        limiter.acquire({"calls": 1, "items": 30, "batches": 1})
        sent.append((clock.monotonic(), 30))
    for t0, _ in sent:
        in_minute = sum(n for t, n in sent if t0 <= t < t0 + 60)
        assert in_minute <= 500
        assert sum(1 for t, _ in sent if t0 <= t < t0 + 60) <= 40
        assert sum(1 for t, _ in sent if t0 <= t < t0 + 1) <= 10
    # 3,000 items at 500/min: the limiter should be close to the binding limit, not far under.
    assert clock.monotonic() <= 6 * 60  # 16 batches (480 items) per window


def test_block_for_delays_the_next_call() -> None:
    clock = VirtualClock()
    limiter = Limiter((Limit("x", "calls", 100, 1.0),), clock)
    limiter.block_for(7.5)
    limiter.acquire({"calls": 1})
    assert clock.monotonic() == 7.5


def test_options_override_and_headroom() -> None:
    limits = {lim.name: lim for lim in limits_from_options(QBO_LIMITS, {"limits": {"realm per minute": 100},
                                                                       "limit_headroom": 0.9})}
    assert limits["realm per minute"].capacity == 90
    assert limits["realm+app per second"].capacity == 9


def test_backoff_honours_retry_after_then_cap() -> None:
    backoff = Backoff(cap=5.0)
    assert backoff.delay(1, 3.0, throttled=True) == 3.0
    assert backoff.delay(1, None, throttled=True) == 5.0  # 60 s wanted, capped
    assert Backoff(cap=120).delay(1, None, throttled=True) == 60.0
    assert backoff.delay(3, None, throttled=False) == 4.0


def test_retry_after_and_remaining_headers() -> None:
    assert retry_after_seconds({"retry-after": "12"}) == 12.0
    assert retry_after_seconds({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4"}) == 4.0
    assert retry_after_seconds({"x-ratelimit-remaining": "3"}) is None


def test_limiters_on_one_store_share_the_company_budget() -> None:
    """Issue 10 §1: two connector objects (or processes) for one company spend one budget."""
    clock = VirtualClock()
    store = MemoryBudgetStore()
    first = Limiter(QBO_LIMITS, clock, store, key="quickbooks:1")
    second = Limiter(QBO_LIMITS, clock, store, key="quickbooks:1")
    other_company = Limiter(QBO_LIMITS, clock, store, key="quickbooks:2")
    for _ in range(5):
        first.acquire({"calls": 1, "items": 1})
        second.acquire({"calls": 1, "items": 1})
    other_company.acquire({"calls": 1, "items": 1})
    assert clock.monotonic() == 0.0  # ten in the second, the other company has its own
    second.acquire({"calls": 1, "items": 1})
    assert clock.monotonic() == pytest.approx(1.0)  # the eleventh waits for the window


def test_a_patient_limiter_waits_an_impatient_one_refuses_at_once() -> None:
    clock = VirtualClock()
    store = MemoryBudgetStore()
    background = Limiter(QBO_LIMITS, clock, store, key="k")
    web = Limiter(QBO_LIMITS, clock, store, key="k", patience=0.5)
    background.block_for(30)  # the ledger said "slow down" to someone
    with pytest.raises(Throttled) as refused:
        web.acquire({"calls": 1})
    assert clock.monotonic() == 0.0 and refused.value.retry_after == pytest.approx(30)
    background.acquire({"calls": 1})
    assert clock.monotonic() == pytest.approx(30)


def test_requests_in_flight_are_capped_and_freed() -> None:
    clock = VirtualClock()
    store = MemoryBudgetStore()
    limiter = Limiter((Limit("x", "calls", 100, 1.0),), clock, store, key="k", concurrency=2)
    web = Limiter((Limit("x", "calls", 100, 1.0),), clock, store, key="k", concurrency=2, patience=0.0)
    slots = [limiter.acquire({"calls": 1}), limiter.acquire({"calls": 1})]
    with pytest.raises(Throttled):
        web.acquire({"calls": 1})  # a third request in flight for the company
    limiter.release(slots[0])
    web.release(web.acquire({"calls": 1}))


def test_a_slot_of_a_dead_holder_frees_itself() -> None:
    clock = VirtualClock()
    limiter = Limiter((Limit("x", "calls", 100, 1.0),), clock, concurrency=1)
    limiter.acquire({"calls": 1})  # never released: its process died
    limiter.acquire({"calls": 1})
    assert 120 <= clock.monotonic() <= 140


def test_a_bare_429_waits_a_second_unless_the_minute_is_spent() -> None:
    clock = VirtualClock()
    limiter = Limiter(QBO_LIMITS, clock)
    limiter.acquire({"calls": 1, "items": 30, "batches": 1})
    assert limiter.throttle_wait(1, 60.0) == 1.0  # the per-second rule
    assert limiter.throttle_wait(3, 60.0) == 4.0  # doubling when it repeats
    for _ in range(15):
        limiter.acquire({"calls": 1, "items": 30, "batches": 1})  # 480 of 500
    assert limiter.throttle_wait(1, 60.0) > 50  # the minute: until its oldest entry leaves


def test_a_request_counts_from_its_answer_not_its_send() -> None:
    """The ledger counted a request somewhere between our send and its answer: a slow answer must
    not let the next window open early (a 429 on a loaded network)."""
    clock = VirtualClock()
    limiter = Limiter((Limit("x", "calls", 1, 1.0),), clock)
    token = limiter.acquire({"calls": 1})
    clock.advance(0.8)  # the answer takes 0.8 s to come back
    limiter.release(token)
    limiter.acquire({"calls": 1})
    assert clock.monotonic() == pytest.approx(1.8)  # a second after the answer, not after the send
