"""The layering contracts of pyproject's [tool.importlinter], run as .ci/run runs them: integration
above sync above connectors, the ledger packages independent, the sandbox and the client code
apart, no Django in connectors/sync/sandbox, and no import cycle anywhere in src/ (function-level
imports count). They replace the hand-written AST checks of the sandbox and connector boundaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout and "No import cycles KEPT\n" in done.stdout  # and none ignored
