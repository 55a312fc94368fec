"""Issue 10 Done-when: two processes sharing one company's budget (kept in the database) never
exceed QuickBooks' limits, counted at the served sandbox with its real limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command

from fieldbook.connectors.limiter import Limiter
from fieldbook.connectors.quickbooks.profile import LIMITS as QBO_LIMITS
from fieldbook.core.clock import VirtualClock
from fieldbook.integration.budget import DatabaseBudgetStore
from fieldbook.integration.models import Connection, LedgerBudget
from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.server import start_in_thread
from tests.integration.test_worker import REPO, database_url

IN_FLIGHT = 3  # a lower cap than QBO's 10, so two processes of two threads would break it if unshared


class Counted:
    """Every API request as the sandbox saw it: arrival, answer, status, requests in flight."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.handle = sandbox.handle
        self.lock = threading.Lock()
        self.arrivals: list[float] = []
        self.statuses: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0

    def __call__(self, req: Any, fault: Any) -> Any:
        api = "/v3/company/" in req.path
        if api:
            with self.lock:
                self.arrivals.append(time.monotonic())
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = self.handle(req, fault)
        finally:
            if api:
                with self.lock:
                    self.in_flight -= 1
        if api:
            with self.lock:
                self.statuses.append(response.status)
        return response

    def most_in_any_second(self) -> int:
        times = sorted(self.arrivals)
        return max((sum(1 for t in times if t0 <= t < t0 + 1.0) for t0 in times), default=0)


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_budget_and_never_exceed_a_limit(org_a, tmp_path):  # type: ignore[no-untyped-def]
    sandbox = Sandbox.served()  # the real limits on the wall clock
    counted = Counted(sandbox)
    sandbox.handle = counted  # type: ignore[method-assign]
    url, sandbox, stop = start_in_thread(port=0, sandbox=sandbox, relaxed_limits=False)
    try:
        call_command("connect", "quickbooks", org=org_a.slug, local_sandbox=url)
        connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
        # Each answer takes 0.2 s: two threads in each of two processes would have four in flight.
        connection.options = {"max_in_flight": IN_FLIGHT, "limit_padding": 0.1}
        connection.save(update_fields=["options"])
        sandbox.faults.add(ledger="quickbooks", kind="latency", seconds=0.2, count=10_000, match="/query")
        counted.arrivals.clear()
        counted.statuses.clear()
        start_at = time.time() + 3.0
        env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "fieldbook.settings",
               "DEBUG": "0", "LOG_LEVEL": "WARNING"}  # fmt: skip
        command = [sys.executable, "-m", "tests.integration.budget_client", str(connection.pk), str(start_at), "2", "6"]
        procs = [subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]  # fmt: skip
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()[-3000:]
            reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        stop()
    assert len(counted.statuses) == sum(r["calls"] for r in reports) == 48
    assert set(counted.statuses) == {200}  # not one 429
    assert counted.most_in_any_second() <= 10  # QBO: 10 a second per realm and app
    assert counted.most_in_flight <= IN_FLIGHT
    # The two really ran at the same time (each alone would have stayed under the limits anyway).
    first, second = sorted(reports, key=lambda r: r["first"])
    assert second["first"] < first["last"]
    assert LedgerBudget.objects.count() == 1  # one budget row for the one company


@pytest.mark.django_db
def test_the_database_budget_is_one_budget_for_every_limiter() -> None:
    clock = VirtualClock()
    store = DatabaseBudgetStore()
    a = Limiter(QBO_LIMITS, clock, store, key="quickbooks:connection-1")
    b = Limiter(QBO_LIMITS, clock, DatabaseBudgetStore(), key="quickbooks:connection-1")
    for _ in range(5):
        a.acquire({"calls": 1, "items": 1})
        b.acquire({"calls": 1, "items": 1})
    assert clock.monotonic() == 0.0
    b.acquire({"calls": 1, "items": 1})
    assert clock.monotonic() == pytest.approx(1.0)  # the eleventh call in a second waited
    assert LedgerBudget.objects.count() == 1
