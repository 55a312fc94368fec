"""The limiter on the virtual clock: never over any window, waits only as long as needed."""

from __future__ import annotations

from fieldbook.connectors.limiter import QBO_LIMITS, Backoff, Limit, Limiter, limits_from_options, retry_after_seconds
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
