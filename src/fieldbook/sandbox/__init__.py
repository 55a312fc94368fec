"""Local emulators of the ledgers Fieldbook syncs with (DESIGN "Sandboxes").

Pure: imports nothing from Django, fieldbook.connectors, fieldbook.sync or fieldbook.core
(DESIGN principles 6-7; tests/sandbox/test_independence.py enforces it).
"""

from fieldbook.sandbox.app import Sandbox
from fieldbook.sandbox.common.clock import ScaledClock, VirtualClock, WallClock

__all__ = ["Sandbox", "ScaledClock", "VirtualClock", "WallClock"]
