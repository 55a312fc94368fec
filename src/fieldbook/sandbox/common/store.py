"""The sandboxes' state: one JSON-able tree per ledger, guarded by one lock, optionally persisted.

Ledger-neutral: each ledger keeps its own sub-tree under ``ledgers[<name>]``. When a state file
is given, the whole tree is written after each write (atomically, via a temporary file), so the
served demo and QBO ``requestid`` replays survive a restart (ref §10).

Several processes may share one state file: the served sandbox and `fieldbook sandbox token`,
or two served sandboxes. ``Store.lock`` is then also an exclusive ``flock`` on a lock file beside
the state file, taken for the outermost acquisition only; on taking it the tree is reloaded when
another process replaced the file since this one last read or wrote it. Every read-modify-write
happens under the lock, so no process ever writes a tree that lacks another's committed writes.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from fieldbook.sandbox.common import jsonutil

STATE_VERSION = 1
_Signature = tuple[int, int, int] | None  # (inode, size, mtime_ns) of the file last seen


class StateLock:
    """Re-entrant across this process's threads; exclusive across processes while a file is used."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._threads = threading.RLock()
        self._depth = 0

    def __enter__(self) -> StateLock:
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                self._store._take_file()
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._depth == 1:
                self._store._drop_file()
        finally:
            self._depth -= 1
            self._threads.release()


class Store:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.lock = StateLock(self)
        self.data: dict[str, Any] = {"version": STATE_VERSION, "ledgers": {}}
        self._seen: _Signature = None
        self._lock_file: IO[bytes] | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.lock:
                pass  # the first acquisition loads the file

    @property
    def lock_path(self) -> Path | None:
        return self.path.with_name(f".{self.path.name}.lock") if self.path is not None else None

    def ledger(self, name: str) -> dict[str, Any]:
        ledgers: dict[str, Any] = self.data.setdefault("ledgers", {})
        tree: dict[str, Any] = ledgers.setdefault(name, {})
        return tree

    def save(self) -> None:
        if self.path is None:
            return
        with self.lock:
            text = jsonutil.state_dumps(self.data)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
            self._seen = _signature(self.path)

    # ---- called by StateLock with the thread lock held ----
    def _take_file(self) -> None:
        if self.path is None or self.lock_path is None:
            return
        # Opened per acquisition (a few microseconds) so that no Store keeps a descriptor open.
        self._lock_file = self.lock_path.open("ab")
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX)
            self._reload_if_changed()
        except BaseException:
            self._drop_file()
            raise

    def _drop_file(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor releases the flock
            self._lock_file = None

    def _reload_if_changed(self) -> None:
        assert self.path is not None
        current = _signature(self.path)
        if current == self._seen:
            return
        self._seen = current
        if current is None or current[1] == 0:
            return
        loaded = jsonutil.state_loads(self.path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict) and loaded.get("version") == STATE_VERSION:
            # In place: the ledgers look their trees up through `data` on every request.
            self.data.clear()
            self.data.update(loaded)


def _signature(path: Path) -> _Signature:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns
