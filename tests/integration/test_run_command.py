"""`fieldbook run` (what `make run` runs) stops its children — web app, worker, sandbox — when it
is stopped: SIGTERM (a service manager, `kill`) or Ctrl-C (SIGINT to the terminal's process group)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sandbox.served import FIELDBOOK, free_port

# `fieldbook run` makes its own SQLite database (as `make run` does), never the test database's:
# one run in CI is enough.
pytestmark = pytest.mark.pure


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _up(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.TransportError:
        return False
    return True


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One var/ for both tests: the second start finds the database migrated and the demo loaded."""
    return tmp_path_factory.mktemp("run-var")


def _start(var_dir: Path, log: Path, web: int, sandbox: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FIELDBOOK_VAR": str(var_dir), "PYTHONUNBUFFERED": "1",
           "DATABASE_URL": f"sqlite:///{var_dir / 'run.sqlite3'}"}
    env.pop("FIELDBOOK_TASKS_BACKEND", None)  # the database queue, as `make run` has it
    with log.open("wb") as out:
        return subprocess.Popen([*FIELDBOOK, "run", "--port", str(web), "--sandbox-port", str(sandbox)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture
def started(var_dir: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], list[int], Path]]:
    web, sandbox = free_port(), free_port()
    log = tmp_path / "run.log"
    proc = _start(var_dir, log, web, sandbox)
    try:
        deadline = time.monotonic() + 120
        while not (_up(f"http://127.0.0.1:{web}/") and _up(f"http://127.0.0.1:{sandbox}/control/time")
                   and len(_children(proc.pid)) >= 3):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"fieldbook run did not start\n{log.read_text()}"
            time.sleep(0.2)
        children = _children(proc.pid)
        yield proc, children, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)


def _assert_all_stopped(proc: subprocess.Popen[bytes], children: list[int], log: Path) -> None:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"fieldbook run did not exit\n{log.read_text()}")
    deadline = time.monotonic() + 5  # reparented orphans would live on: give a dying child a moment
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in children if _alive(pid)] == [], log.read_text()


def test_sigterm_stops_web_worker_and_sandbox(started: tuple[subprocess.Popen[bytes], list[int], Path]) -> None:
    proc, children, log = started
    assert len(children) == 3  # sandbox, worker, web
    proc.send_signal(signal.SIGTERM)
    _assert_all_stopped(proc, children, log)


def test_ctrl_c_stops_everything(started: tuple[subprocess.Popen[bytes], list[int], Path]) -> None:
    proc, children, log = started
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    _assert_all_stopped(proc, children, log)
    assert proc.returncode == 0 or proc.returncode == -signal.SIGINT or proc.returncode == 130


def test_a_child_that_cannot_start_stops_the_others(var_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        web = free_port()
        proc = _start(var_dir, log, web, taken.getsockname()[1])  # the sandbox's port is in use
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"fieldbook run kept running without its sandbox\n{log.read_text()}")
    assert proc.returncode == 1 and "The sandbox process exited" in log.read_text()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", web))  # the web app no longer holds its port
