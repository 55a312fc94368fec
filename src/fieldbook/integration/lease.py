"""One run per connection: the lease on the Connection row, taken by compare-and-set (works on
SQLite and PostgreSQL), and the claim on a run whose worker died (its heartbeat went stale)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from fieldbook.integration import ledgers
from fieldbook.integration.models import Connection, SyncRun
from fieldbook.sync.store import RunState

# The task that carries out a run (integration/tasks.py), as the database queue names it: the queue
# is looked into here without importing the task, which imports the run's execution.
RUN_TASK_PATH = "fieldbook.integration.tasks.execute_run"
RUN_TASK_BACKEND = "default"


class AlreadyRunning(Exception):
    def __init__(self, run: SyncRun) -> None:
        who = run.started_by.get_username() if run.started_by else "the scheduler"
        super().__init__(
            f"A sync is already running on this connection (run {run.id[:8]}, started by {who} at "
            f"{timezone.localtime(run.created_at):%d %b %Y %H:%M}). Wait for it to finish."
        )
        self.run = run


class TakenOver(AlreadyRunning):
    """The run holding the connection had stopped beating (its process was killed): it is ours now,
    to finish from its journal before a new run starts (issue 10 §4)."""

    def __init__(self, run: SyncRun) -> None:
        super().__init__(run)
        self.args = (
            f"An earlier sync (run {run.id[:8]}) had stopped without finishing: its process ended. Fieldbook is "
            f"finishing it now from its journal (nothing is sent twice). Start Sync again when it is done.",
        )


def take_lease(connection: Connection, run_id: str) -> None:
    """One run per connection, by compare-and-set (works on SQLite and PostgreSQL). A lease held
    by a finished or paused run is free."""
    if Connection.objects.filter(pk=connection.pk, run_lease="").update(run_lease=run_id):
        return
    holder_id = Connection.objects.values_list("run_lease", flat=True).get(pk=connection.pk)
    holder = SyncRun.objects.filter(pk=holder_id).select_related("started_by").first()
    if holder is not None and holder.state in (RunState.PENDING, RunState.RUNNING):
        if claim_stale(holder):
            raise TakenOver(holder)
        raise AlreadyRunning(holder)
    if not Connection.objects.filter(pk=connection.pk, run_lease=holder_id).update(run_lease=run_id):
        take_lease(connection, run_id)  # someone else moved it meanwhile: judge again


def claim_stale(run: SyncRun) -> bool:
    """Claim a run whose heartbeat is older than the staleness threshold, by compare-and-set on
    the heartbeat (a sweeper or another process never claims it too). A run whose task still
    waits in the queue is not stale: a worker will start it."""
    now = ledgers.clock_factory().now()
    cutoff = now - timedelta(seconds=float(settings.FIELDBOOK_HEARTBEAT_STALE_SECONDS))
    if run.heartbeat_at is not None and run.heartbeat_at >= cutoff:
        return False
    if run.state == RunState.PENDING and queued(run.pk):
        return False
    return bool(SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(heartbeat_at=now))


def release_lease(connection_id: int | str, run_id: str) -> None:
    Connection.objects.filter(pk=connection_id, run_lease=run_id).update(run_lease="")


def stale_runs(threshold_seconds: float) -> list[str]:
    """Runs that should be making progress but whose heartbeat stopped: their worker died."""
    now = ledgers.clock_factory().now()  # the engine stamps heartbeats on this clock
    cutoff = now - timedelta(seconds=threshold_seconds)
    qs = SyncRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING]).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    claimed = []
    for run in qs:
        # Compare-and-set on the heartbeat: two sweepers never resume the same run.
        if SyncRun.objects.filter(pk=run.pk, heartbeat_at=run.heartbeat_at).update(heartbeat_at=now):
            claimed.append(run.pk)
    return claimed


def queued(run_id: str) -> bool:
    """Whether the database queue already holds a not-yet-started task for this run."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[RUN_TASK_BACKEND]
    if not isinstance(backend, DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.ready().filter(backend_name=backend.alias, task_path=RUN_TASK_PATH)
    return any((row.args_kwargs or {}).get("args") == [run_id] for row in waiting.only("args_kwargs"))
