"""Service Invoices (the user's guide, "Raising Invoices for Contracts"): choose a period, generate
the invoices due in it, and Set Flags in bulk as on Closed Jobs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from fieldbook.contracts import billing
from fieldbook.contracts.forms import PeriodForm, ServiceInvoiceFilter, SetFlagsForm
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.core.models import Organisation
from fieldbook.core.tenancy import OrgScopedMixin, current_organisation

FILTER_KEYS = ("period_from", "period_to", "customer", "flags")


def filter_invoices(org: Organisation, form: ServiceInvoiceFilter) -> QuerySet[ServiceInvoice]:
    qs = ServiceInvoice.objects.for_org(org).select_related("customer", "contract").order_by("invoice_date", "id")
    data = form.cleaned_data
    qs = qs.filter(invoice_date__gte=data["period_from"], invoice_date__lte=data["period_to"])
    return qs.filtered(data.get("customer") or "", data.get("flags") or "")


def service_invoices(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    first, last = billing.current_month(org)
    params: dict[str, Any] = {"period_from": first.isoformat(), "period_to": last.isoformat()}
    params.update({k: v for k, v in request.GET.items() if k in FILTER_KEYS and v})
    form = ServiceInvoiceFilter(params)
    invoices = filter_invoices(org, form) if form.is_valid() else ServiceInvoice.objects.none()
    page = Paginator(invoices.prefetch_related("lines__tax_code"), 50).get_page(request.GET.get("page"))
    return render(request, "contracts/service_invoices.html", {
        "filter": form, "flags_form": SetFlagsForm(), "page_obj": page, "object_list": page.object_list,
        "paginator": page.paginator, "is_paginated": page.has_other_pages(),
    })  # fmt: skip


def _back(request: HttpRequest) -> HttpResponse:
    back = urlencode([(k, v) for k, v in request.POST.items() if k in FILTER_KEYS and v])
    return redirect(f"{reverse('contracts:invoices')}?{back}" if back else reverse("contracts:invoices"))


@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"Choose a valid period to generate: {errors}")
        return _back(request)
    start, end = form.cleaned_data["period_from"], form.cleaned_data["period_to"]
    result = billing.generate_invoices(org, start, end)
    if result.created:
        numbers = f"{result.created[0].number} to {result.created[-1].number}"
        messages.success(request, f"Generated {len(result.created)} service invoice(s) ({numbers}).")
    else:
        messages.success(request, "No service invoices were due that had not already been generated.")
    if result.already:
        messages.info(request, f"{result.already} were already generated for this period and were left as they are.")
    return _back(request)


@require_POST
def set_flags(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    ids = [int(i) for i in request.POST.getlist("selected") if i.isdigit()]
    form = SetFlagsForm(request.POST)
    if not ids or not form.is_valid():
        messages.error(request, "Select at least one service invoice, then Set Flags.")
        return _back(request)
    ready, transfer = form.cleaned_data["ready_for_invoice"], form.cleaned_data["transfer_to_accounts"]
    with transaction.atomic():
        count = ServiceInvoice.objects.for_org(org).generated().filter(pk__in=ids).set_flags(ready, transfer)
    messages.success(
        request, f"Set Flags on {count} service invoice(s): Ready for Invoice {'on' if ready else 'off'}, "
        f"Transfer to Accounts {'on' if transfer else 'off'}.",
    )  # fmt: skip
    return _back(request)


class ServiceInvoiceDetailView(OrgScopedMixin, DetailView[ServiceInvoice]):
    model = ServiceInvoice
    template_name = "contracts/invoice_detail.html"

    def get_queryset(self) -> QuerySet[ServiceInvoice]:
        qs = super().get_queryset().select_related("customer", "contract")
        return qs.prefetch_related("lines__tax_code", "lines__item")
