"""Sliding-window request counting on the sandbox clock (ledger-neutral).

A request is admitted only when every rule it falls under still has room; admitted requests are
recorded against all of them, refused ones against none (so a client that backs off for a full
window always gets through again).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from fieldbook.sandbox.common.clock import Clock


@dataclass(frozen=True)
class Rule:
    key: str
    limit: int
    window: float  # seconds
    cost: int = 1


class SlidingWindowLimiter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._events: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def _used(self, rule: Rule, now: float) -> int:
        events = self._events.setdefault(rule.key, deque())
        # A nanosecond of slack: virtual time advanced in steps of 0.1 s must not lose a request
        # to float rounding at the exact boundary.
        while events and now - events[0][0] >= rule.window - 1e-9:
            events.popleft()
        return sum(cost for _, cost in events)

    def acquire(self, rules: list[Rule]) -> Rule | None:
        """Record the request and return None, or return the first rule it would break."""
        with self._lock:
            now = self.clock.monotonic()
            for rule in rules:
                if self._used(rule, now) + rule.cost > rule.limit:
                    return rule
            for rule in rules:
                self._events.setdefault(rule.key, deque()).append((now, rule.cost))
        return None

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
