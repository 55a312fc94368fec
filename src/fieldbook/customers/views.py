from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from fieldbook.core.tenancy import OrgScopedMixin, current_organisation
from fieldbook.customers.forms import CustomerForm, CustomerMergeForm
from fieldbook.customers.merge import merge_customers
from fieldbook.customers.models import Customer


def search_customers(qs: QuerySet[Customer], query: str) -> QuerySet[Customer]:
    for term in query.split():
        qs = qs.filter(
            Q(name__icontains=term) | Q(account_ref__icontains=term) | Q(email__icontains=term)
            | Q(postcode__icontains=term)
        )  # fmt: skip
    return qs


class CustomerListView(OrgScopedMixin, ListView[Customer]):
    model = Customer
    paginate_by = 50
    template_name = "customers/customer_list.html"

    def get_queryset(self) -> QuerySet[Customer]:
        qs = super().get_queryset().only(
            "id", "account_ref", "name", "email", "phone", "postcode", "active", "integrate", "merged_into_id"
        )
        query = self.request.GET.get("q", "").strip()
        if query:
            qs = search_customers(qs, query)
        if self.request.GET.get("show") != "all":
            qs = qs.filter(active=True)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        context["show"] = self.request.GET.get("show", "")
        return context


class CustomerDetailView(OrgScopedMixin, DetailView[Customer]):
    model = Customer
    template_name = "customers/customer_detail.html"


NUMBERED_REF = re.compile(r"^(.*?)(\d+)$")


def next_account_ref(refs: list[str]) -> str:
    """The reference after the organisation's own numbering (C00041 after C00040): the prefix
    most of its references use, one past the highest number, as wide, and not yet taken. Only
    a suggestion: the user can type any reference."""
    numbered = [(m.group(1), m.group(2)) for m in map(NUMBERED_REF.match, refs) if m]
    if not numbered:
        prefix, width, n = "C", 5, 1
    else:
        prefix = Counter(p for p, _ in numbered).most_common(1)[0][0]
        digits = [d for p, d in numbered if p == prefix]
        width, n = max(len(d) for d in digits), max(int(d) for d in digits) + 1
    taken = {r.casefold() for r in refs}
    while f"{prefix}{n:0{width}d}".casefold() in taken:
        n += 1
    return f"{prefix}{n:0{width}d}"


class CustomerCreateView(OrgScopedMixin, CreateView[Customer, CustomerForm]):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_initial(self) -> dict[str, Any]:
        refs = Customer.objects.for_org(current_organisation(self.request)).values_list("account_ref", flat=True)
        return {**super().get_initial(), "account_ref": next_account_ref(list(refs))}

    def get_form(self, form_class: Any = None) -> CustomerForm:
        form = super().get_form(form_class)
        form.fields["account_ref"].help_text = "Suggested: the next in your numbering. Change it if you like."
        return form

    def get_success_url(self) -> str:
        return _saved(self.request, self.object)


class CustomerUpdateView(OrgScopedMixin, UpdateView[Customer, CustomerForm]):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_success_url(self) -> str:
        return _saved(self.request, self.object)


def _saved(request: HttpRequest, customer: Customer | None) -> str:
    assert customer is not None
    messages.success(request, f"Customer {customer} saved.")
    return reverse("customers:detail", args=[customer.pk])


@require_POST
def customer_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk, organisation=current_organisation(request))
    wanted = request.POST.get("active") == "1"  # the state asked for, so a double click cannot flip it back
    if wanted and customer.merged_into_id:
        messages.error(request, f"{customer} was merged into {customer.merged_into}: it stays inactive.")
        return redirect("customers:detail", pk=customer.pk)
    if customer.active != wanted:
        customer.active = wanted
        customer.save(update_fields=["active"])
    state = "reactivated" if customer.active else "deactivated"
    messages.success(request, f"Customer {customer} {state}.")
    return redirect("customers:detail", pk=customer.pk)


BULK_ACTIONS = {
    "deactivate": {"active": False},
    "activate": {"active": True},
    "integrate_on": {"integrate": True},
    "integrate_off": {"integrate": False},
}


@require_POST
def customer_bulk(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    action = request.POST.get("action", "")
    ids = [int(i) for i in request.POST.getlist("selected") if i.isdigit()]
    if action not in BULK_ACTIONS or not ids:
        messages.error(request, "Choose an action and at least one customer.")
        return redirect("customers:list")
    with transaction.atomic():
        count = Customer.objects.filter(organisation=org, pk__in=ids).update_tracked(**BULK_ACTIONS[action])
    messages.success(request, f"{count} customer(s) updated.")
    return redirect("customers:list")


def customer_merge(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    # From the list's "Merge selected…" (a POST of the ticked rows): show the form prefilled.
    prefill = request.method == "POST" and "target" not in request.POST
    data = None if prefill else (request.POST or None)
    form = CustomerMergeForm(data, organisation=org, initial=_merge_initial(request, org))
    if data is not None and form.is_valid():
        target = form.cleaned_data["target"]
        duplicates = list(form.cleaned_data["duplicates"])
        moved = merge_customers(target, duplicates)
        names = ", ".join(str(d) for d in duplicates)
        messages.success(request, f"Merged {names} into {target}; {moved} record(s) moved.")
        return HttpResponseRedirect(reverse("customers:detail", args=[target.pk]))
    return render(request, "customers/customer_merge.html", {"form": form})


def _merge_initial(request: HttpRequest, org: Any) -> dict[str, Any]:
    ids = [int(i) for i in request.POST.getlist("selected") if i.isdigit()]
    return {"duplicates": Customer.objects.filter(organisation=org, pk__in=ids)} if ids else {}
