"""Background work through Django's tasks API (django-tasks; the database worker by default)."""

from __future__ import annotations

from django_tasks import task


@task()
def execute_run(run_id: str) -> str:
    from fieldbook.integration.service import execute

    return execute(run_id).state
