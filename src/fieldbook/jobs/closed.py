"""Closed Jobs (the user's guide, NOTES): filter, select many, Set Flags in bulk."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fieldbook.core.models import Organisation
from fieldbook.core.tenancy import current_organisation
from fieldbook.jobs import services
from fieldbook.jobs.forms import ClosedJobsFilter, SetFlagsForm
from fieldbook.jobs.models import Job

FILTER_KEYS = ("closed_from", "closed_to", "customer", "flags", "page")


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local calendar day begins in the organisation's time zone."""
    return datetime.combine(day, time.min, tzinfo=tz)


def filter_closed_jobs(org: Organisation, form: ClosedJobsFilter) -> QuerySet[Job]:
    qs = Job.objects.for_org(org).closed().select_related("customer").order_by("-closed_at", "-id")
    if not form.is_valid():
        return qs
    data, tz = form.cleaned_data, org.tzinfo
    if data.get("closed_from"):
        qs = qs.filter(closed_at__gte=local_day_start(data["closed_from"], tz))
    if data.get("closed_to"):
        qs = qs.filter(closed_at__lt=local_day_start(data["closed_to"] + timedelta(days=1), tz))
    return qs.filtered(data.get("customer") or "", data.get("flags") or "")


def closed_jobs(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    form = ClosedJobsFilter(request.GET or None)
    page = Paginator(filter_closed_jobs(org, form).prefetch_related("lines__tax_code"), 50).get_page(
        request.GET.get("page")
    )
    query = urlencode([(k, v) for k, v in request.GET.items() if k in FILTER_KEYS])
    return render(request, "jobs/closed_jobs.html", {
        "filter": form, "flags_form": SetFlagsForm(), "page_obj": page, "object_list": page.object_list,
        "paginator": page.paginator, "is_paginated": page.has_other_pages(), "query": query,
    })  # fmt: skip


@require_POST
def set_flags(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    ids = [int(i) for i in request.POST.getlist("selected") if i.isdigit()]
    form = SetFlagsForm(request.POST)
    if not ids or not form.is_valid():
        messages.error(request, "Select at least one closed job, then Set Flags.")
    else:
        ready, transfer = form.cleaned_data["ready_for_invoice"], form.cleaned_data["transfer_to_accounts"]
        count = services.set_job_flags(org, ids, ready, transfer)
        messages.success(
            request, f"Set Flags on {count} job(s): Ready for Invoice {'on' if ready else 'off'}, "
            f"Transfer to Accounts {'on' if transfer else 'off'}.",
        )  # fmt: skip
    # Back to the same filtered page; only known filter keys are carried over.
    back = urlencode([(k, v) for k, v in request.POST.items() if k in FILTER_KEYS and k != "page"])
    return redirect(f"{reverse('jobs:closed')}?{back}" if back else reverse("jobs:closed"))
