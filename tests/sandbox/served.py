"""The sandbox as a user runs it: `fieldbook sandbox ...` in its own process, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
FIELDBOOK = [str(BIN / "fieldbook")] if (BIN / "fieldbook").exists() else [sys.executable, "-m", "fieldbook"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def env() -> dict[str, str]:
    out = {**os.environ, "PYTHONUNBUFFERED": "1"}
    out.pop("FIELDBOOK_VAR", None)  # the commands' own default: var/ under the working directory
    return out


def fieldbook(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """One `fieldbook ...` command, as typed in a shell in `cwd`."""
    return subprocess.run([*FIELDBOOK, *args], cwd=cwd, env=env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the sandbox exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/control/time", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"the sandbox did not answer at {url} within {seconds} s")


@contextmanager
def served_sandbox(cwd: Path, *args: str) -> Iterator[str]:
    """`fieldbook sandbox --port <free> [args]` started in `cwd`; yields its base URL."""
    port = free_port()
    log = (cwd / f"sandbox-{port}.log").open("wb")
    proc = subprocess.Popen([*FIELDBOOK, "sandbox", "--port", str(port), *args], cwd=cwd, env=env(),
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
