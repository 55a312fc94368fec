"""The sandboxes' state: one JSON-able tree per ledger, guarded by one lock, optionally persisted.

Ledger-neutral: each ledger keeps its own sub-tree under ``ledgers[<name>]``. When a state file
is given, the whole tree is written after each write (atomically, via a temporary file), so the
served demo and QBO ``requestid`` replays survive a restart (ref §10).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from fieldbook.sandbox.common import jsonutil

STATE_VERSION = 1


class Store:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        # Re-entrant: a control call made while handling a request must not deadlock.
        self.lock = threading.RLock()
        self.data: dict[str, Any] = {"version": STATE_VERSION, "ledgers": {}}
        if self.path is not None and self.path.exists() and self.path.stat().st_size > 0:
            loaded = jsonutil.state_loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and loaded.get("version") == STATE_VERSION:
                self.data = loaded

    def ledger(self, name: str) -> dict[str, Any]:
        ledgers: dict[str, Any] = self.data.setdefault("ledgers", {})
        tree: dict[str, Any] = ledgers.setdefault(name, {})
        return tree

    def save(self) -> None:
        if self.path is None:
            return
        with self.lock:
            text = jsonutil.state_dumps(self.data)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
