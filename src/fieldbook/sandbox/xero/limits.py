"""Xero's API limits (ref §7): per tenant 5 concurrent calls, 60 a minute and 5,000 a day; per
app 10,000 a minute across tenants. Windows slide on the sandbox clock (a call counts for 60 s /
24 h after it is admitted); a refused call counts against nothing.

Every API response says what is left (`X-MinLimit-Remaining`, `X-DayLimit-Remaining`,
`X-AppMinLimit-Remaining`); a refusal is 429 with `X-Rate-Limit-Problem` (`minute`, `day` as
observed; `concurrent` and `appminute` are UNCONFIRMED) and `Retry-After` in whole seconds.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from fieldbook.sandbox.common.clock import Clock
from fieldbook.sandbox.common.http import Response

MINUTE = 60.0
DAY = 86400.0
SLACK = 1e-9  # virtual time moved in float steps must not lose a call at the exact boundary


@dataclass
class Limits:
    per_minute: int = 60
    concurrent: int = 5
    per_day: int = 5000          # the daily budget (a control call sets it, e.g. 1,000 for Starter)
    app_per_minute: int = 10000
    factor: int = 1              # relaxed mode multiplies every limit
    enabled: bool = True


@dataclass(frozen=True)
class Refusal:
    problem: str
    retry_after: int


class Meter:
    def __init__(self, clock: Clock, limits: Limits) -> None:
        self.clock = clock
        self.limits = limits
        self._minute: dict[str, deque[float]] = {}
        self._day: dict[str, deque[float]] = {}
        self._app: dict[str, deque[float]] = {}
        self.in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def _window(self, table: dict[str, deque[float]], key: str, span: float, now: float) -> deque[float]:
        events = table.setdefault(key, deque())
        while events and now - events[0] >= span - SLACK:
            events.popleft()
        return events

    def enter(self, tenant: str, client: str) -> Refusal | None:
        """Admit a call (and hold a concurrency slot until `leave`) or say which limit refuses it."""
        lim, f = self.limits, self.limits.factor
        with self._lock:
            if not lim.enabled:
                self.in_flight[tenant] = self.in_flight.get(tenant, 0) + 1
                return None
            now = self.clock.monotonic()
            if self.in_flight.get(tenant, 0) >= lim.concurrent * f:
                return Refusal("concurrent", 1)
            checks = ((self._window(self._minute, tenant, MINUTE, now), lim.per_minute * f, MINUTE, "minute"),
                      (self._window(self._day, tenant, DAY, now), lim.per_day * f, DAY, "day"),
                      (self._window(self._app, client, MINUTE, now), lim.app_per_minute * f, MINUTE, "appminute"))
            for events, limit, span, name in checks:
                if len(events) >= limit:
                    wait = events[0] + span - now if events else span
                    return Refusal(name, max(1, math.ceil(wait - SLACK)))
            for events, _limit, _span, _name in checks:
                events.append(now)
            self.in_flight[tenant] = self.in_flight.get(tenant, 0) + 1
        return None

    def leave(self, tenant: str) -> None:
        with self._lock:
            self.in_flight[tenant] = max(0, self.in_flight.get(tenant, 0) - 1)

    def remaining(self, tenant: str, client: str) -> list[tuple[str, str]]:
        lim, f = self.limits, self.limits.factor
        with self._lock:
            now = self.clock.monotonic()
            minute = lim.per_minute * f - len(self._window(self._minute, tenant, MINUTE, now))
            day = lim.per_day * f - len(self._window(self._day, tenant, DAY, now))
            app = lim.app_per_minute * f - len(self._window(self._app, client, MINUTE, now))
        return [("X-DayLimit-Remaining", str(max(day, 0))), ("X-MinLimit-Remaining", str(max(minute, 0))),
                ("X-AppMinLimit-Remaining", str(max(app, 0)))]

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()


def too_many(refusal: Refusal, remaining: list[tuple[str, str]]) -> Response:
    # The body is UNCONFIRMED (ref §7): clients key on the status and the headers.
    return Response.json({"Title": "Too Many Requests", "Status": 429,
                          "Detail": f"Rate limit exceeded: {refusal.problem}"}, status=429,
                         headers=[("Retry-After", str(refusal.retry_after)),
                                  ("X-Rate-Limit-Problem", refusal.problem), *remaining])
