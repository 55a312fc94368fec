"""The sandbox's injectable clock: virtual in in-process tests, wall time when served, scaled in bench/.

Written here rather than imported from fieldbook.core (DESIGN principle 7: the sandbox stands
alone), with exactly the same method names so a test can hand ONE VirtualClock to both the
client and the sandbox and move them together.
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

    def advance(self, seconds: float) -> None:
        # Wall time cannot be moved; advancing is a no-op so control calls stay harmless.
        return None


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
        self._offset = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return (time.monotonic() - self._t0) * self.factor + self._offset

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.factor)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._offset += seconds
