"""A per-company limiter and back-off, on the injectable clock, over a shared budget.

DESIGN principle 4: stay under each ledger's published limits on the client side instead of
finding them with 429s, with one budget for every thread and process serving one ledger company
(the web server's threads, the worker, a cron `fieldbook sync`). The budget lives in a
`BudgetStore`: the integration app keeps it in the database; `MemoryBudgetStore` serves pure
tests and benches. Each limit is a sliding window (a log of what was spent in the last `period`
seconds), which keeps us under the ledger whether it counts in fixed or sliding windows.
Each ledger's limits are data in its profile (`LedgerProfile.limits`, `concurrency`).

Times in the budget are epoch seconds from the clock's `now()`: comparable across processes.

A web request must never wait on the ledger: a limiter with `patience` raises `Throttled` as soon
as the wait would be longer than that, so the page answers with what it has. Background work
waits what the ledger says.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from fieldbook.connectors.errors import Retriable
from fieldbook.core.clock import Clock

T = TypeVar("T")
State = dict[str, Any]


@dataclass(frozen=True)
class Limit:
    """At most `capacity` units of `meter` in any `period` seconds."""

    name: str
    meter: str
    capacity: int
    period: float


# Meters: "calls" = HTTP requests, "items" = metered units (a batch counts its items),
# "batches" = batch requests. Each ledger's own limits are in its profile.
# A holder that died mid-request frees its slot after this long (QBO times requests out at 120 s).
SLOT_SECONDS = 130.0
SLOT_POLL = 0.05  # seconds between looks for a free request slot


class Throttled(Retriable):
    """Our budget (or the ledger's 429) says wait longer than the caller may: nothing was sent."""


class BudgetStore(Protocol):
    """Where one company's budget lives. `update` reads the state stored under `key` (an empty
    dict the first time), calls `change(state)` -> (new state, result) and stores the new state,
    atomically with respect to every other caller of any process sharing the store; a new state
    of None stores nothing (a look, or a wait: no write). `change` is pure and may be called
    again if a concurrent update won the race."""

    def update(self, key: str, change: Callable[[State], tuple[State | None, T]]) -> T: ...


class MemoryBudgetStore:
    """A budget shared by the threads of one process only: for pure tests and benches."""

    def __init__(self) -> None:
        self._states: dict[str, State] = {}
        self._lock = threading.Lock()

    def update(self, key: str, change: Callable[[State], tuple[State | None, T]]) -> T:
        with self._lock:
            state, result = change(_copy(self._states.get(key, {})))
            if state is not None:
                self._states[key] = state
            return result


def _copy(state: State) -> State:
    return {
        "spent": {name: [list(e) for e in log] for name, log in (state.get("spent") or {}).items()},
        "blocked_until": float(state.get("blocked_until", 0.0)),
        "slots": dict(state.get("slots") or {}),
    }


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
    """One company's limits over a shared budget. Thread-safe (the store is).

    `patience` None waits as long as the budget needs; a number raises `Throttled` instead of
    waiting longer than that many seconds in all (a web request)."""

    def __init__(self, limits: tuple[Limit, ...], clock: Clock, store: BudgetStore | None = None,
                 key: str = "default", concurrency: int = 0, patience: float | None = None,
                 ledger: str = "The ledger") -> None:  # fmt: skip
        """`ledger`: how the messages name the ledger the budget is for."""
        self.limits = limits
        self.ledger = ledger
        self.clock = clock
        self.store: BudgetStore = store if store is not None else MemoryBudgetStore()
        self.key = key
        self.concurrency = concurrency  # 0: no cap on requests in flight
        self.patience = patience
        self.waited = 0.0  # total seconds slept by this limiter, for reports and tests
        self._waited_lock = threading.Lock()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def acquire(self, cost: Mapping[str, int]) -> str:
        """Wait (on the clock) until every limit has room for `cost` and a request slot is free,
        then spend it. Returns the token to `release` when the answer is in."""
        slot = uuid.uuid4().hex
        waited = 0.0
        while True:
            wait = self.store.update(self.key, lambda state: self._try(state, cost, slot))
            if wait <= 0:
                return slot
            if self.patience is not None and waited + wait > self.patience:
                raise Throttled(
                    f"{self.ledger} asked us to slow down: too many requests for this company just now.",
                    code="throttled", retry_after=wait,
                    fix="What Fieldbook already holds is shown; try again in a few seconds.",
                )  # fmt: skip
            waited += wait
            with self._waited_lock:
                self.waited += wait
            self.clock.sleep(wait)

    def _try(self, state: State, cost: Mapping[str, int], slot: str) -> tuple[State | None, float]:
        now = self._now()
        spent: dict[str, list[list[Any]]] = state.setdefault("spent", {})  # [time, units, token]
        for limit in self.limits:
            log = spent.setdefault(limit.name, [])
            spent[limit.name] = [e for e in log if e[0] > now - limit.period]
        wait = max(0.0, float(state.get("blocked_until", 0.0)) - now)
        for limit in self.limits:
            wait = max(wait, _wait_for(limit, spent[limit.name], cost.get(limit.meter, 0), now))
        slots: dict[str, float] = {k: v for k, v in (state.get("slots") or {}).items() if v > now}
        state["slots"] = slots
        if self.concurrency and len(slots) >= self.concurrency:
            # Poll soon: a slot frees when a request in flight is answered.
            wait = max(wait, SLOT_POLL)
        if wait > 0:
            return None, wait  # nothing spent: nothing to store
        for limit in self.limits:
            units = cost.get(limit.meter, 0)
            if units:
                spent[limit.name].append([now, units, slot])
        if self.concurrency:
            slots[slot] = now + SLOT_SECONDS
        return state, 0.0

    def release(self, slot: str) -> None:
        """The answer is in: free the request slot, and count what it spent from now. The ledger
        counted the request somewhere between our send and its answer; counting it at the answer
        keeps our windows behind the ledger's however long the request queued on the way."""
        if not slot:
            return
        now = self._now()

        def free(state: State) -> tuple[State | None, None]:
            (state.get("slots") or {}).pop(slot, None)
            for log in (state.get("spent") or {}).values():
                for entry in log:
                    if len(entry) > 2 and entry[2] == slot:
                        entry[0] = max(entry[0], now)
            return state, None

        self.store.update(self.key, free)

    @contextmanager
    def spending(self, cost: Mapping[str, int]) -> Iterator[None]:
        """Hold a request slot for the duration of one exchange."""
        slot = self.acquire(cost)
        try:
            yield
        finally:
            self.release(slot)

    def block_for(self, seconds: float) -> None:
        """Nobody sends for this company for `seconds` (a 429's Retry-After)."""
        until = self._now() + seconds

        def block(state: State) -> tuple[State | None, None]:
            state["blocked_until"] = max(float(state.get("blocked_until", 0.0)), until)
            return state, None

        self.store.update(self.key, block)

    def blocked_for(self) -> float:
        """Seconds left of a ledger-imposed pause (0 when none)."""
        now = self._now()
        return self.store.update(self.key, lambda s: (None, max(0.0, float(s.get("blocked_until", 0.0)) - now)))

    def throttle_wait(self, attempt: int, default: float) -> float:
        """How long to wait after a 429 without Retry-After. If our own count of a per-minute
        window is near its capacity, the minute is what tripped: wait until it frees (or the
        ledger's "60 seconds"). Otherwise it was the per-second rule (or a burst from elsewhere):
        about a second, doubling on repeats."""
        now = self._now()

        def peek(state: State) -> tuple[State | None, float]:
            longest = 0.0
            for limit in self.limits:
                if limit.period < 60:
                    continue
                log = [e for e in (state.get("spent") or {}).get(limit.name, []) if e[0] > now - limit.period]
                if sum(e[1] for e in log) >= 0.9 * limit.capacity:
                    longest = max(longest, (min(e[0] for e in log) + limit.period - now) if log else default)
            return None, longest

        minute = self.store.update(self.key, peek)
        if minute > 0:
            return min(default, max(1.0, minute))
        return min(default, 1.0 * 2 ** (attempt - 1))


def _wait_for(limit: Limit, log: list[list[Any]], units: int, now: float) -> float:
    if units <= 0:
        return 0.0
    used = sum(e[1] for e in log)
    if used + units <= limit.capacity:
        return 0.0
    # Free the oldest entries until the new cost fits; wait until the last freed one ages out
    # (re-stamped entries are out of order: sort by time).
    excess = used + units - limit.capacity
    for entry in sorted(log, key=lambda e: e[0]):
        excess -= entry[1]
        if excess <= 0:
            return entry[0] + limit.period - now
    return limit.period


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
