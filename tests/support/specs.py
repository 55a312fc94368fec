"""Where the official schemas live: FIELDBOOK_SPECS, default ../shared/specs from the repo root.

Without them, outside CI, a test whose point is the schemas skips, and a test that checks the
bodies it sends as a side line (the connector contract suite) runs without that check; both are
named in the run's summary (tests/conftest.py). In CI (CI set) either is a failure: there the
schemas must be present and every check must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOT_FOUND = "OFFICIAL SCHEMAS NOT FOUND"
# Node ids of the tests that ran without checking their bodies against the schemas.
unchecked: set[str] = set()


def specs_path() -> Path:
    return Path(os.environ.get("FIELDBOOK_SPECS", REPO_ROOT.parent / "shared" / "specs"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _message(path: Path) -> str:
    return f"{NOT_FOUND} at {path}: set FIELDBOOK_SPECS; schema tests did not run"


def specs_dir() -> Path:
    """The schemas' folder, for a test that needs them: skips (fails in CI) when absent."""
    path = specs_path()
    if not path.is_dir():
        if in_ci():
            pytest.fail(_message(path))
        pytest.skip(_message(path))
    return path


def schemas_present() -> bool:
    """For a schema check that is part of a test but not its point: True when the schemas are
    here. Outside CI without them: False, and the running test is recorded as unchecked."""
    path = specs_path()
    if path.is_dir():
        return True
    if in_ci():
        pytest.fail(_message(path))
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    if current:
        unchecked.add(current.rsplit(" (", 1)[0])
    return False
