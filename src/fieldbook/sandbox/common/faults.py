"""Fault injection, ledger-neutral.

A fault is chosen once per request (by the transport in-process, by the server over real HTTP)
and applied where it belongs: network faults at the transport/socket, HTTP faults and token
faults inside the ledger's app. ``match`` restricts a fault to requests whose
``"<METHOD> <path>?<query>"`` contains the string (e.g. "/batch", "/invoice", "POST").
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

KINDS = frozenset({
    "latency",           # sleep `seconds` on the sandbox clock, then answer normally
    "throttle",          # 429 (variant "json" | "xml" | "legacy403")
    "http_500",          # 500 before processing: nothing committed
    "http_503",          # 503 before processing: nothing committed
    "reset_before",      # connection reset before the request is sent: nothing committed
    "commit_then_drop",  # the write commits, the client sees a timeout
    "reset_after",       # the write commits, the connection resets before the answer
    "expired_token",     # the realm's access tokens expire now: 401 (QBO 3200)
    "revoked",           # the realm's tokens are revoked: 401 now, invalid_grant on refresh
})
NETWORK_KINDS = frozenset({"reset_before", "commit_then_drop", "reset_after"})
# A fault for no ledger in particular fires on whichever ledger is asked next.
ANY_LEDGER = ""
THROTTLE_VARIANTS = frozenset({"json", "xml", "legacy403"})


@dataclass
class Fault:
    kind: str
    ledger: str = ANY_LEDGER
    count: int = 1
    match: str | None = None
    seconds: float = 0.0            # latency, and how long commit_then_drop holds a real socket
    variant: str = "json"           # throttle body variant
    retry_after: int | None = None  # Retry-After header on a throttle (UNCONFIRMED for QBO, ref §9)
    fired: int = 0

    def matches(self, ledger: str, target: str) -> bool:
        return self.ledger in (ANY_LEDGER, ledger) and (self.match is None or self.match in target)


@dataclass
class RandomSchedule:
    """Each matching request fails with probability `rate`, kind drawn from `kinds`."""

    seed: int
    rate: float
    kinds: tuple[str, ...]
    ledger: str = ANY_LEDGER
    match: str | None = None
    seconds: float = 0.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self, ledger: str, target: str) -> Fault | None:
        if self.ledger not in (ANY_LEDGER, ledger) or (self.match is not None and self.match not in target):
            return None
        # Two draws per request whatever the outcome, so the schedule depends only on the
        # sequence of matching requests.
        hit = self.rng.random() < self.rate
        kind = self.rng.choice(self.kinds)
        if not hit:
            return None
        return Fault(kind=kind, ledger=ledger, seconds=self.seconds, fired=1)


@dataclass(frozen=True)
class Fired:
    kind: str
    ledger: str
    target: str


DEFAULT_RANDOM_KINDS = ("http_500", "http_503", "throttle", "reset_before", "commit_then_drop", "reset_after")


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._schedules: list[RandomSchedule] = []
        self.log: list[Fired] = []

    def add(self, ledger: str = ANY_LEDGER, kind: str = "http_500", count: int = 1,
            match: str | None = None, seconds: float = 0.0, variant: str = "json",
            retry_after: int | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(KINDS)}")
        if kind == "throttle" and variant not in THROTTLE_VARIANTS:
            raise ValueError(f"unknown throttle variant {variant!r}")
        if count < 1:
            raise ValueError("count must be >= 1")
        fault = Fault(kind=kind, ledger=ledger, count=count, match=match, seconds=seconds,
                      variant=variant, retry_after=retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def random_schedule(self, seed: int, rate: float = 0.1, kinds: Iterable[str] = DEFAULT_RANDOM_KINDS,
                        ledger: str = ANY_LEDGER, match: str | None = None,
                        seconds: float = 0.0) -> RandomSchedule:
        chosen = tuple(kinds)
        unknown = set(chosen) - KINDS
        if unknown or not chosen:
            raise ValueError(f"bad kinds {sorted(unknown) or chosen}")
        schedule = RandomSchedule(seed=seed, rate=rate, kinds=chosen, ledger=ledger, match=match,
                                  seconds=seconds)
        with self._lock:
            self._schedules.append(schedule)
        return schedule

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._schedules.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def fired(self, kind: str | None = None) -> list[Fired]:
        with self._lock:
            return [entry for entry in self.log if kind is None or entry.kind == kind]

    def decide(self, ledger: str, method: str, target: str) -> Fault | None:
        """Consume and return the fault for this request, if any (explicit faults first)."""
        key = f"{method.upper()} {target}"
        with self._lock:
            for fault in self._faults:
                if fault.matches(ledger, key):
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self.log.append(Fired(fault.kind, ledger, key))
                    return fault
            for schedule in self._schedules:
                drawn = schedule.draw(ledger, key)
                if drawn is not None:
                    self.log.append(Fired(drawn.kind, ledger, key))
                    return drawn
        return None
