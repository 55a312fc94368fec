"""The injectable clock: wall time in production, virtual time in tests, scaled time in bench/.

Everything that waits (rate limiter, back-off, heartbeats) asks a clock rather than `time`, so a
test can run an hour of throttling in milliseconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """Time that moves only when someone sleeps or advances it; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._elapsed += seconds


class ScaledClock:
    """Wall time sped up `factor` times: a minute of rate limits in a second of bench."""

    def __init__(self, factor: float, start: datetime | None = None) -> None:
        self.factor = factor
        self._start = start or datetime.now(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return (time.monotonic() - self._t0) * self.factor

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.factor)
