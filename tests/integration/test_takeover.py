"""Issue 10 §4: a `fieldbook sync` killed mid-run (cron, no worker) leaves its run holding the
connection; the next `fieldbook sync` (or Start Sync) takes it over once its heartbeat is stale
and finishes it from its journal: nothing lost, nothing twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from fieldbook.customers.models import Customer
from fieldbook.integration import ledgers, service
from fieldbook.integration.models import Connection, SyncRun
from fieldbook.sync.plan import Selection
from tests.integration.test_cli import QBO, as_json, failing, named

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The process died here (SIGKILL): nothing after this point ran."""


def killed_after_the_ledger_committed(connection: Connection, keys: set[str]) -> SyncRun:
    """A run whose process died just after its first batch reached the ledger: RUNNING, its
    request SENT in the journal, the lease held."""
    run = service.start_sync(connection, "customers", Selection(keys=frozenset(keys)), enqueue=False)
    real = ledgers.connector_for

    def dying(*args: Any, **kw: Any) -> Any:
        connector = real(*args, **kw)
        send = connector.send

        def send_then_die(request: Any) -> Any:
            send(request)
            raise Killed

        connector.send = send_then_die  # type: ignore[method-assign]
        return connector

    ledgers.connector_for = dying  # type: ignore[assignment]
    try:
        with pytest.raises(Killed):
            service.execute(run.pk)
    finally:
        ledgers.connector_for = real  # type: ignore[assignment]
    run.refresh_from_db()
    assert run.state == "running" and Connection.objects.get(pk=connection.pk).run_lease == run.pk
    return run


@pytest.fixture
def acme(org_a):  # type: ignore[no-untyped-def]
    for n in (1, 2):
        Customer.objects.create(organisation=org_a, account_ref=f"ACME-{n}", name=f"Acme {n} Ltd")


def test_the_next_sync_takes_over_a_killed_run_and_finishes_it(org_a, connected, sandbox, clock, acme):  # type: ignore[no-untyped-def]
    dead = killed_after_the_ledger_committed(connected, {"ACME-1", "ACME-2"})
    Customer.objects.create(organisation=org_a, account_ref="ACME-3", name="Acme 3 Ltd")
    error, _ = failing("sync", "customers", *QBO, "--all")  # its heartbeat is fresh: it may be alive
    assert "already running" in str(error)

    clock.advance(75)  # the "still refused 75 s after"
    data = as_json("sync", "customers", *QBO, "--all")
    dead.refresh_from_db()
    assert dead.state == "done" and dead.counts == {"created": 2}, (dead.reason, dead.counts)  # by lookup
    assert data["run"]["state"] == "done"
    outcomes = {r["number"]: r["status"] for r in data["records"]}
    assert outcomes["ACME-3"] == "created"
    assert all(len(named(sandbox, f"Acme {n} Ltd")) == 1 for n in (1, 2, 3))  # each once
    assert Connection.objects.get(pk=connected.pk).run_lease == ""


def test_start_sync_takes_over_a_killed_run_for_the_worker(client_a, connected, sandbox, clock, acme,
                                                           immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    dead = killed_after_the_ledger_committed(connected, {"ACME-1"})
    clock.advance(75)
    with django_capture_on_commit_callbacks(execute=True):
        page = client_a.post(reverse("integration:start", args=["quickbooks", "customers"]),
                             {"selected": ["ACME-2"]}, follow=True)  # fmt: skip
    assert "finishing it now from its journal" in page.content.decode()
    dead.refresh_from_db()
    assert dead.state == "done" and dead.counts == {"created": 1}
    assert len(named(sandbox, "Acme 1 Ltd")) == 1
    assert Connection.objects.get(pk=connected.pk).run_lease == ""


def test_the_lease_looks_into_the_queue_under_the_run_tasks_own_name() -> None:
    """lease.py names the task by its path (importing it would import the run's execution)."""
    from fieldbook.integration import lease, tasks

    assert tasks.execute_run.module_path == lease.RUN_TASK_PATH
    assert tasks.execute_run.backend == lease.RUN_TASK_BACKEND
