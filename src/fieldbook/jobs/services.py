"""What a person does to jobs, each in one transaction that bumps version and updated_at."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from fieldbook.catalogue.lines import BaseLineFormSet
from fieldbook.core.models import Organisation, Sequence
from fieldbook.jobs.forms import JobForm
from fieldbook.jobs.models import JOB_SEQUENCE, Job, job_number


class JobRefused(Exception):
    """An action the job's state does not allow; the message is for the user."""


def save_job(form: JobForm, lines: BaseLineFormSet) -> Job:
    """Create or edit a job with its lines. Editing a job already transferred to a ledger sets both
    flags again so that it reappears as an Update in the next Compare."""
    with transaction.atomic():
        job: Job = form.save(commit=False)
        if job.pk is None:
            job.number = job_number(Sequence.take(form.organisation, JOB_SEQUENCE))
        elif form.has_changed() or lines.has_changed():
            job.reflag_if_transferred()
        if job.pk is None or form.has_changed() or lines.has_changed():
            job.save()
        lines.instance = job
        lines.save_lines()
        if job.is_closed and not job.lines.exists():
            # Closing needs a line; an edit must not empty a closed job either (an empty invoice
            # would go to the ledger). Raising rolls the whole edit back.
            raise JobRefused(f"Job {job.number} is closed: it must keep at least one line.")
    return job


def close_job(job: Job) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.is_closed:
            raise JobRefused(f"Job {job.number} is already closed.")
        if not job.lines.exists():
            raise JobRefused(f"Job {job.number} has no lines: add what was done before closing it.")
        job.status = Job.Status.CLOSED
        job.closed_at = timezone.now()
        fields = ["status", "closed_at"]
        if job.organisation.flag_jobs_on_close:
            job.ready_for_invoice = job.transfer_to_accounts = True
            fields += ["ready_for_invoice", "transfer_to_accounts"]
        job.save(update_fields=fields)


def reopen_job(job: Job) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.is_closed:
            raise JobRefused(f"Job {job.number} is not closed.")
        job.status = Job.Status.OPEN
        job.closed_at = None
        job.save(update_fields=["status", "closed_at"])


def set_job_flags(organisation: Organisation, ids: Iterable[int], ready: bool, transfer: bool) -> int:
    """Set Flags on Closed Jobs: only this organisation's closed jobs; one transaction."""
    with transaction.atomic():
        return Job.objects.for_org(organisation).closed().filter(pk__in=list(ids)).set_flags(ready, transfer)
