"""`fieldbook worker` and its sweeper: stale runs are resumed from their journal, a queued run is
never queued twice, and a worker killed with SIGKILL mid-run loses nothing (the issue's Done-when)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection as db
from django_tasks_db.models import DBTaskResult

from fieldbook.customers.models import Customer
from fieldbook.integration import service
from fieldbook.integration.models import Connection, ExternalLink, JournalRequest, SyncRun, SyncStep
from fieldbook.integration.sweeper import sweep_once
from fieldbook.sandbox.server import start_in_thread
from fieldbook.sync.plan import Selection

REPO = Path(__file__).resolve().parents[2]
SUCCEEDED = {"created", "linked"}


def make_customers(org, n: int, prefix: str) -> list[Customer]:  # type: ignore[no-untyped-def]
    return [
        Customer.objects.create(
            organisation=org,
            account_ref=f"{prefix}{i:03}",
            name=f"{prefix} Customer {i:03}",
            email=f"{prefix.lower()}{i:03}@example.co.uk",
        )
        for i in range(n)
    ]


def start(connection: Connection, customers: list[Customer]) -> SyncRun:
    return service.start_sync(connection, "customers", Selection(keys=frozenset(c.account_ref for c in customers)))


def assert_each_once_in_the_ledger(sandbox, run: SyncRun, customers: list[Customer]) -> None:  # type: ignore[no-untyped-def]
    names = Counter(c["DisplayName"] for c in sandbox.quickbooks.customers())
    assert {c.name: names[c.name] for c in customers} == {c.name: 1 for c in customers}
    steps = list(SyncStep.objects.filter(run=run))
    assert len(steps) == len(customers) and {s.status for s in steps} <= SUCCEEDED, Counter(s.status for s in steps)
    assert all(s.outcome for s in steps)
    links = ExternalLink.objects.filter(connection=run.connection, kind="customer",
                                        local_number__in=[c.account_ref for c in customers])  # fmt: skip
    assert links.count() == len(customers) == len({link.ledger_id for link in links})


@pytest.mark.django_db
def test_the_sweeper_resumes_a_run_whose_heartbeat_went_stale(org_a, connected, sandbox, clock, immediate_tasks):  # type: ignore[no-untyped-def]
    immediate_tasks.FIELDBOOK_HEARTBEAT_STALE_SECONDS = 60
    customers = make_customers(org_a, 6, "SW")
    run = start(connected, customers)  # planned and queued on commit, which never comes: no worker ran it
    assert SyncRun.objects.get(pk=run.pk).state == "pending"

    clock.advance(30)
    assert sweep_once().resumed == []  # its heartbeat is fresh: someone may still be on it
    assert SyncRun.objects.get(pk=run.pk).state == "pending"

    clock.advance(31)
    report = sweep_once()
    assert report.resumed == [run.pk]  # queued again, and the immediate backend ran it
    run.refresh_from_db()
    assert run.state == "done" and run.counts == {"created": 6}, (run.state, run.counts, run.reason)
    assert_each_once_in_the_ledger(sandbox, run, customers)
    assert Connection.objects.get(pk=connected.pk).run_lease == ""

    clock.advance(3600)
    assert sweep_once().resumed == []  # a finished run is never resumed


@pytest.mark.django_db(transaction=True)
def test_worker_once_sweeps_then_runs_the_queue_without_queueing_a_run_twice(  # type: ignore[no-untyped-def]
    org_a, connected, sandbox, clock, settings
):
    settings.FIELDBOOK_HEARTBEAT_STALE_SECONDS = 60
    first = make_customers(org_a, 3, "QA")
    run = start(connected, first)  # committed at once: its task waits in the database queue
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    clock.advance(120)  # stale, but only because no worker was free: its task is still waiting
    call_command("worker", "--once", "--no-startup-delay", "--interval", "0", verbosity=0)
    run.refresh_from_db()
    assert run.state == "done" and run.counts == {"created": 3}, (run.state, run.counts, run.reason)
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]

    # A task its worker died on stays RUNNING in django-tasks-db and is never run again: the sweeper
    # queues the run anew.
    second = make_customers(org_a, 4, "QB")
    run = start(connected, second)
    DBTaskResult.objects.filter(status="READY").update(status="RUNNING", worker_ids=["killed-worker"])
    clock.advance(120)
    call_command("worker", "--once", "--no-startup-delay", "--interval", "0", verbosity=0)
    run.refresh_from_db()
    assert run.state == "done" and run.counts == {"created": 4}, (run.state, run.counts, run.reason)
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["RUNNING", "SUCCESSFUL", "SUCCESSFUL"]
    assert_each_once_in_the_ledger(sandbox, run, second)


# --- SIGKILL -------------------------------------------------------------------------------------


def database_url() -> str:
    """The test database, for a worker in another process."""
    s = db.settings_dict
    if db.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    assert db.vendor == "postgresql", db.vendor
    auth = f"{s['USER']}:{s['PASSWORD']}" if s.get("PASSWORD") else s["USER"]
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Real `fieldbook worker` processes, their output kept in files shown on failure."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, stale_seconds: float) -> subprocess.Popen[bytes]:
        env = {
            **os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "fieldbook.settings",
            "FIELDBOOK_HEARTBEAT_STALE_SECONDS": str(stale_seconds), "FIELDBOOK_SWEEP_SECONDS": "0.5",
            "DEBUG": "0", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        env.pop("FIELDBOOK_TASKS_BACKEND", None)  # the database queue, whatever the caller's shell says
        log = self.tmp_path / f"worker-{len(self.procs) + 1}.log"
        with log.open("wb") as out:
            command = [sys.executable, "-m", "fieldbook", "worker", "--interval", "0.1", "--no-startup-delay"]
            proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        self.logs.append(log)
        return proc

    def output(self) -> str:
        return "\n".join(f"--- {log.name} ---\n{log.read_text(errors='replace')[-6000:]}" for log in self.logs)

    def wait_for(self, done: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if done():
                return
            if self.procs and self.procs[-1].poll() is not None:
                pytest.fail(f"the worker exited ({self.procs[-1].returncode}) before {what}\n{self.output()}")
            time.sleep(0.02)
        pytest.fail(f"not {what} within {seconds} s\n{self.output()}")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_loses_nothing(org_a, tmp_path):  # type: ignore[no-untyped-def]
    url, sandbox, stop_sandbox = start_in_thread(port=0, relaxed_limits=True)
    workers = Workers(tmp_path)
    try:
        call_command("connect", "quickbooks", org=org_a.slug, local_sandbox=url)
        connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
        # Eight batches sent one at a time, so there is a middle to kill it in.
        connection.options = {"batch_size": 5, "concurrency": 1}
        connection.save(update_fields=["options"])
        customers = make_customers(org_a, 40, "KILL")
        # Every batch takes 0.4 s in the ledger: the worker is killed while one may be in flight.
        sandbox.faults.add(ledger="quickbooks", kind="latency", seconds=0.4, count=1000, match="/batch")
        run = start(connection, customers)
        assert DBTaskResult.objects.filter(status="READY").count() == 1

        first = workers.start(stale_seconds=60)
        journal = JournalRequest.objects.filter(run=run)
        # Killed with two batches answered and the third in the ledger's hands (it has arrived and
        # waits out its latency): the ledger commits it after the worker is gone, so only a lookup
        # by our marker can tell what happened to it.
        def in_flight() -> bool:
            answered = journal.filter(state="done").count()
            arrived = len(sandbox.faults.fired("latency"))
            return answered >= 2 and arrived > answered and journal.filter(state="sent").exists()

        workers.wait_for(in_flight, 30, "two batches answered and a third in flight")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        finished = SyncStep.objects.filter(run=run).exclude(status="").count()
        assert SyncRun.objects.get(pk=run.pk).state == "running" and finished < 40, finished
        assert journal.filter(state="sent").count() == 1
        # django-tasks-db will never run that task again: it stays RUNNING, owned by a dead worker.
        assert DBTaskResult.objects.get().status == "RUNNING"

        workers.start(stale_seconds=3)  # a new worker; its sweeper sees the heartbeat go stale
        workers.wait_for(lambda: SyncRun.objects.get(pk=run.pk).state == "done", 60, "the run done")
        workers.stop_all()

        run.refresh_from_db()
        assert run.counts.get("created", 0) + run.counts.get("linked", 0) == 40, (run.counts, workers.output())
        assert_each_once_in_the_ledger(sandbox, run, customers)
        # The dead worker's task is still RUNNING; the sweeper's own task finished the run.
        tasks = Counter(DBTaskResult.objects.values_list("status", flat=True))
        assert tasks["RUNNING"] == 1 and tasks["SUCCESSFUL"] >= 1 and not tasks["FAILED"], tasks
        assert Connection.objects.get(pk=connection.pk).run_lease == ""
    finally:
        workers.stop_all()
        stop_sandbox()
