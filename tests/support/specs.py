"""Where the official schemas live: FIELDBOOK_SPECS, default ../shared/specs from the repo root.

In CI a missing folder fails the test; elsewhere it skips with a loud message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def specs_dir() -> Path:
    path = Path(os.environ.get("FIELDBOOK_SPECS", REPO_ROOT.parent / "shared" / "specs"))
    if not path.is_dir():
        message = f"OFFICIAL SCHEMAS NOT FOUND at {path}: set FIELDBOOK_SPECS; schema tests did not run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
