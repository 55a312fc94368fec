"""Background work through Django's tasks API (django-tasks; the database worker by default)."""

from __future__ import annotations

from django_tasks import task

from fieldbook.integration.runs import execute


@task()
def execute_run(run_id: str) -> str:
    return execute(run_id).state
