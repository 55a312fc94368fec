from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from fieldbook.core.tenancy import OrgScopedMixin, current_organisation
from fieldbook.jobs import services
from fieldbook.jobs.forms import JobForm, JobLineFormSet
from fieldbook.jobs.models import Job


def search_jobs(qs: QuerySet[Job], query: str) -> QuerySet[Job]:
    for term in query.split():
        qs = qs.filter(
            Q(number__iexact=term) | Q(customer__name__icontains=term) | Q(customer__account_ref__iexact=term)
            | Q(description__icontains=term) | Q(site_address__icontains=term)
        )  # fmt: skip
    return qs


class JobListView(OrgScopedMixin, ListView[Job]):
    model = Job
    paginate_by = 50
    template_name = "jobs/job_list.html"

    def get_queryset(self) -> QuerySet[Job]:
        qs = super().get_queryset().select_related("customer").prefetch_related("lines__tax_code")
        status = self.request.GET.get("status", "")
        if status in Job.Status.values:
            qs = qs.filter(status=status)
        query = self.request.GET.get("q", "").strip()
        return search_jobs(qs, query) if query else qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        get = self.request.GET
        return super().get_context_data(q=get.get("q", ""), status=get.get("status", ""), **kwargs)


class JobDetailView(OrgScopedMixin, DetailView[Job]):
    model = Job
    template_name = "jobs/job_detail.html"

    def get_queryset(self) -> QuerySet[Job]:
        return super().get_queryset().select_related("customer").prefetch_related("lines__tax_code", "lines__item")


def job_create(request: HttpRequest) -> HttpResponse:
    return _job_form(request, Job(organisation=current_organisation(request)))


def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _job_form(request, get_object_or_404(Job, pk=pk, organisation=current_organisation(request)))


def _job_form(request: HttpRequest, job: Job) -> HttpResponse:
    org = current_organisation(request)
    data = request.POST if request.method == "POST" else None
    creating = job.pk is None
    initial = {}
    if creating and request.GET.get("customer", "").isdigit():
        initial["customer"] = request.GET["customer"]  # validated against the org's customers on POST
    form = JobForm(data, instance=job, organisation=org, initial=initial)
    lines = JobLineFormSet(data, instance=job, organisation=org, prefix="lines")
    if data is not None and form.is_valid() and lines.is_valid():
        try:
            saved = services.save_job(form, lines)
        except services.JobRefused as exc:
            form.add_error(None, str(exc))  # shown at the top of the form; nothing was saved
        else:
            messages.success(request, f"Job {saved.number} {'created' if creating else 'saved'}.")
            return redirect("jobs:detail", pk=saved.pk)
    return render(request, "jobs/job_form.html", {"form": form, "lines": lines, "object": None if creating else job})


@require_POST
def job_close(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, organisation=current_organisation(request))
    try:
        services.close_job(job)
    except services.JobRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Job {job.number} closed.")
    return redirect("jobs:detail", pk=job.pk)


@require_POST
def job_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, organisation=current_organisation(request))
    try:
        services.reopen_job(job)
    except services.JobRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Job {job.number} reopened.")
    return redirect("jobs:detail", pk=job.pk)
