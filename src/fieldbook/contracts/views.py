"""Service contracts: list, create and edit with lines, detail with the invoices generated so far."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, ListView

from fieldbook.contracts.forms import ContractLineFormSet, ServiceContractForm
from fieldbook.contracts.models import ServiceContract
from fieldbook.core.tenancy import OrgScopedMixin, current_organisation


class ServiceContractListView(OrgScopedMixin, ListView[ServiceContract]):
    model = ServiceContract
    paginate_by = 50
    template_name = "contracts/contract_list.html"

    def get_queryset(self) -> QuerySet[ServiceContract]:
        qs = super().get_queryset().select_related("customer")
        query = self.request.GET.get("q", "").strip()
        for term in query.split():
            qs = qs.filter(
                Q(customer__name__icontains=term) | Q(reference__icontains=term) | Q(description__icontains=term)
            )
        if self.request.GET.get("show") != "all":
            qs = qs.filter(active=True)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        get = self.request.GET
        return super().get_context_data(q=get.get("q", ""), show=get.get("show", ""), **kwargs)


class ServiceContractDetailView(OrgScopedMixin, DetailView[ServiceContract]):
    model = ServiceContract
    template_name = "contracts/contract_detail.html"

    def get_queryset(self) -> QuerySet[ServiceContract]:
        return super().get_queryset().select_related("customer").prefetch_related("lines__tax_code", "lines__item")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        invoices = self.object.invoices.order_by("-period_start")[:24]
        return super().get_context_data(invoices=invoices, **kwargs)


def contract_create(request: HttpRequest) -> HttpResponse:
    return _contract_form(request, ServiceContract(organisation=current_organisation(request)))


def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = current_organisation(request)
    return _contract_form(request, get_object_or_404(ServiceContract, pk=pk, organisation=org))


def _contract_form(request: HttpRequest, contract: ServiceContract) -> HttpResponse:
    org = current_organisation(request)
    data = request.POST if request.method == "POST" else None
    creating = contract.pk is None
    initial = {}
    if creating and request.GET.get("customer", "").isdigit():
        initial["customer"] = request.GET["customer"]  # validated against the org's customers on POST
    form = ServiceContractForm(data, instance=contract, organisation=org, initial=initial)
    lines = ContractLineFormSet(data, instance=contract, organisation=org, prefix="lines")
    if data is not None and form.is_valid() and lines.is_valid():
        with transaction.atomic():
            saved = form.save()
            lines.instance = saved
            lines.save_lines()
        messages.success(request, f"Service contract {saved} {'created' if creating else 'saved'}.")
        return redirect("contracts:detail", pk=saved.pk)
    context = {"form": form, "lines": lines, "object": None if creating else contract}
    return render(request, "contracts/contract_form.html", context)
