"""The sandbox clock keeps the client's clock protocol (now, monotonic, sleep, advance)."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldbook.sandbox import ScaledClock, VirtualClock, WallClock


def test_virtual_clock_moves_only_when_told() -> None:
    clock = VirtualClock(start=datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC) and clock.monotonic() == 0
    clock.sleep(1.5)
    clock.advance(60)
    assert clock.monotonic() == 61.5 and clock.now().tzinfo is not None
    assert clock.now() == datetime(2026, 1, 1, 0, 1, 1, 500000, tzinfo=UTC)


def test_scaled_and_wall_clocks_are_aware() -> None:
    scaled = ScaledClock(1000.0)
    scaled.advance(100)
    assert scaled.monotonic() >= 100 and scaled.now().tzinfo is not None
    assert WallClock().now().tzinfo is not None
