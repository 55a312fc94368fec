"""`fieldbook run` (what `make run` calls): migrate, load demo data when empty, then serve the
web app with the background worker and the local ledger sandboxes beside it."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldbook.site.demo import DEMO_PASSWORD, DEMO_USER


class Command(BaseCommand):
    help = "Run Fieldbook on the embedded defaults: web app, worker and local sandboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8765)

    def handle(self, *args: Any, **opts: Any) -> None:
        # The local sandboxes run beside the app here: their environment is allowed (children inherit it).
        os.environ.setdefault("FIELDBOOK_ALLOW_LOCAL_SANDBOX", "1")
        call_command("migrate", verbosity=0)
        call_command("demo_data", if_empty=True, jobs=60, contracts=12, verbosity=0)
        _prefill_settings(f"http://127.0.0.1:{opts['sandbox_port']}")
        # SIGTERM (kill, a service manager) must stop the children as Ctrl-C does; by default it
        # would end this process alone and leave web, worker and sandbox running as orphans.
        previous = signal.getsignal(signal.SIGINT), signal.signal(signal.SIGTERM, _stop)
        children: list[tuple[str, subprocess.Popen[bytes]]] = []
        exited = ""
        try:
            self._start(children, opts)
            exited = self._watch(children)
        except (KeyboardInterrupt, _Stopped):
            pass
        finally:
            _stop_all(children)
            for signum, handler in zip((signal.SIGINT, signal.SIGTERM), previous, strict=True):
                if handler is not None:  # None: set outside Python, nothing to restore
                    signal.signal(signum, handler)
        if exited:
            raise CommandError(f"{exited}; stopped the others.")

    def _start(self, children: list[tuple[str, subprocess.Popen[bytes]]], opts: dict[str, Any]) -> None:
        fieldbook = [sys.executable, "-m", "fieldbook"]
        sandbox_url = ""
        if _has_module("fieldbook.sandbox.cli"):
            state = settings.VAR_DIR / "sandbox.json"
            children.append(("sandbox", subprocess.Popen(
                [*fieldbook, "sandbox", "--port", str(opts["sandbox_port"]), "--state", str(state)])))
            sandbox_url = f"http://127.0.0.1:{opts['sandbox_port']}/"
        if "worker" in get_commands():
            children.append(("worker", subprocess.Popen([*fieldbook, "worker"])))
        children.append(("web", subprocess.Popen(
            [*fieldbook, "runserver", f"127.0.0.1:{opts['port']}", "--noreload", "--insecure"])))
        time.sleep(1.5)
        self.stdout.write(self.style.SUCCESS(f"\nFieldbook is running at http://127.0.0.1:{opts['port']}/"))
        self.stdout.write(f"  demo login: {DEMO_USER} / {DEMO_PASSWORD}")
        if sandbox_url:
            self.stdout.write(f"  ledger sandboxes (their books and forms for test records): {sandbox_url}")
        self.stdout.write("  Ctrl-C stops everything.\n")

    def _watch(self, children: list[tuple[str, subprocess.Popen[bytes]]]) -> str:
        """Until stopped, or until one child exits (e.g. its port is taken): then say which."""
        while True:
            for name, child in children:
                code = child.poll()
                if code is not None:
                    return f"The {name} process exited ({code})"
            time.sleep(0.2)


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def _stop_all(children: list[tuple[str, subprocess.Popen[bytes]]], grace: float = 10.0) -> None:
    # A second Ctrl-C or SIGTERM must not cut this short and leave a child behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _, child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for _, child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _prefill_settings(sandbox_url: str) -> None:
    """Settings pre-filled for the local sandboxes, so a newcomer can press Connect at once."""
    from fieldbook.integration.ledgers import LOCAL_SANDBOX_APPS
    from fieldbook.integration.models import Connection, Environment
    from fieldbook.site.demo import ensure_demo_org

    org = ensure_demo_org()
    for ledger, (client_id, secret) in LOCAL_SANDBOX_APPS.items():
        connection, created = Connection.objects.get_or_create(organisation=org, ledger=ledger)
        if created or not connection.client_id:
            connection.environment, connection.local_url = Environment.LOCAL, sandbox_url
            connection.client_id, connection.client_secret = client_id, secret
            connection.save()
