"""A per-connection limiter and back-off, on the injectable clock.

DESIGN principle 4: stay under each ledger's published limits on the client side instead of
finding them with 429s. Each limit is a sliding window (a log of what was spent in the last
`period` seconds), which keeps us under the ledger whether it counts in fixed or sliding windows.
QBO (reference §9): 500 requests/min per realm with each batch item metered like a call, 10/s,
40 batch requests/min per realm+app and 120/min per realm.

Back-off: a Retriable error carries the ledger's Retry-After when it gave one; otherwise QBO
says "wait 60 seconds" (§9). Every wait is capped by `options["backoff_cap"]` so tests and the
served sandbox never wait minutes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from fieldbook.core.clock import Clock


@dataclass(frozen=True)
class Limit:
    """At most `capacity` units of `meter` in any `period` seconds."""

    name: str
    meter: str
    capacity: int
    period: float


# Meters: "calls" = HTTP requests, "items" = metered units (a batch counts its items),
# "batches" = batch requests.
QBO_LIMITS: tuple[Limit, ...] = (
    Limit("realm per minute", "items", 500, 60.0),
    Limit("realm+app per second", "calls", 10, 1.0),
    Limit("batch per minute (realm+app)", "batches", 40, 60.0),
    Limit("batch per minute (realm)", "batches", 120, 60.0),
)


def limits_from_options(defaults: tuple[Limit, ...], options: Mapping[str, object]) -> tuple[Limit, ...]:
    """`options["limits"]` = {limit name: capacity} overrides (e.g. the served sandbox's relaxed
    limits); `options["limit_headroom"]` (0-1) keeps a margin under every capacity."""
    overrides = options.get("limits") or {}
    headroom = float(options.get("limit_headroom", 1.0))  # type: ignore[arg-type]
    # Over a real network the ledger sees a request a little after we counted it; padding each
    # window by the worst expected jitter keeps our windows wider than the ledger's.
    padding = float(options.get("limit_padding", 0.0))  # type: ignore[arg-type]
    result = []
    for limit in defaults:
        capacity = int(overrides.get(limit.name, limit.capacity)) if isinstance(overrides, dict) else limit.capacity
        result.append(Limit(limit.name, limit.meter, max(1, int(capacity * headroom)), limit.period + padding))
    return tuple(result)


class Limiter:
    """Thread-safe: several threads of one worker may share a connection's limiter."""

    def __init__(self, limits: tuple[Limit, ...], clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._spent: dict[str, deque[tuple[float, int]]] = {limit.name: deque() for limit in limits}
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds slept, for reports and tests

    def acquire(self, cost: Mapping[str, int]) -> None:
        """Wait (on the clock) until every limit has room for `cost`, then spend it."""
        while True:
            with self._lock:
                now = self.clock.monotonic()
                wait = max(0.0, self._blocked_until - now)
                for limit in self.limits:
                    wait = max(wait, self._wait_for(limit, cost.get(limit.meter, 0), now))
                if wait <= 0:
                    for limit in self.limits:
                        units = cost.get(limit.meter, 0)
                        if units:
                            self._spent[limit.name].append((now, units))
                    return
            self.waited += wait
            self.clock.sleep(wait)

    def _wait_for(self, limit: Limit, units: int, now: float) -> float:
        if units <= 0:
            return 0.0
        log = self._spent[limit.name]
        while log and log[0][0] <= now - limit.period:
            log.popleft()
        used = sum(n for _, n in log)
        if used + units <= limit.capacity:
            return 0.0
        # Free the oldest entries until the new cost fits; wait until the last freed one ages out.
        excess = used + units - limit.capacity
        for at, n in log:
            excess -= n
            if excess <= 0:
                return at + limit.period - now
        return limit.period

    def block_for(self, seconds: float) -> None:
        """Nobody sends on this connection for `seconds` (a 429's Retry-After)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.clock.monotonic() + seconds)


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts of a Retriable request."""

    cap: float = 60.0
    base: float = 1.0
    throttle_default: float = 60.0  # Intuit: "wait 60 seconds before retrying" (§9)
    max_attempts: int = 5

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> Backoff:
        return cls(
            cap=float(options.get("backoff_cap", 60.0)),  # type: ignore[arg-type]
            max_attempts=int(options.get("max_attempts", 5)),  # type: ignore[call-overload]
        )

    def delay(self, attempt: int, retry_after: float | None, throttled: bool) -> float:
        """Seconds before attempt `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None:
            wanted = retry_after
        elif throttled:
            wanted = self.throttle_default
        else:
            wanted = self.base * (2 ** (attempt - 1))
        return max(0.0, min(self.cap, wanted))


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (an HTTP date is not used by these ledgers), or a remaining-calls
    header at zero with its reset (Xero's X-MinLimit-Remaining / X-Rate-Limit-Problem style)."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    for name in ("x-ratelimit-remaining", "x-minlimit-remaining", "x-rate-limit-remaining"):
        remaining = headers.get(name)
        if remaining is not None and remaining.strip() == "0":
            reset = headers.get("x-ratelimit-reset") or headers.get("x-rate-limit-reset")
            try:
                return max(0.0, float(reset)) if reset else None
            except ValueError:
                return None
    return None
