from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import BaseModelForm
from django.http import HttpResponse
from django.urls import reverse
from django.views.generic import CreateView, ListView, UpdateView

from fieldbook.catalogue.forms import ItemForm, TaxCodeForm
from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core.tenancy import OrgScopedMixin


class _SavedMixin:
    list_url = ""
    request: Any
    object: Any

    def form_valid(self, form: BaseModelForm[Model]) -> HttpResponse:
        with transaction.atomic():
            response: HttpResponse = super().form_valid(form)  # type: ignore[misc]
        messages.success(self.request, f"{self.object} saved.")
        return response

    def get_success_url(self) -> str:
        return reverse(self.list_url)


class TaxCodeListView(OrgScopedMixin, ListView[TaxCode]):
    model = TaxCode
    template_name = "catalogue/taxcode_list.html"


class TaxCodeCreateView(_SavedMixin, OrgScopedMixin, CreateView[TaxCode, TaxCodeForm]):
    model = TaxCode
    form_class = TaxCodeForm
    template_name = "catalogue/form.html"
    list_url = "catalogue:taxcode_list"
    extra_context = {"kind": "tax code"}


class TaxCodeUpdateView(_SavedMixin, OrgScopedMixin, UpdateView[TaxCode, TaxCodeForm]):
    model = TaxCode
    form_class = TaxCodeForm
    template_name = "catalogue/form.html"
    list_url = "catalogue:taxcode_list"
    extra_context = {"kind": "tax code"}


class ItemListView(OrgScopedMixin, ListView[Item]):
    model = Item
    paginate_by = 50
    template_name = "catalogue/item_list.html"

    def get_queryset(self) -> QuerySet[Item]:
        qs = super().get_queryset().select_related("tax_code")
        query = self.request.GET.get("q", "").strip()
        if query:
            qs = qs.filter(name__icontains=query) | qs.filter(code__icontains=query)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(q=self.request.GET.get("q", ""), **kwargs)


class ItemCreateView(_SavedMixin, OrgScopedMixin, CreateView[Item, ItemForm]):
    model = Item
    form_class = ItemForm
    template_name = "catalogue/form.html"
    list_url = "catalogue:item_list"
    extra_context = {"kind": "item"}


class ItemUpdateView(_SavedMixin, OrgScopedMixin, UpdateView[Item, ItemForm]):
    model = Item
    form_class = ItemForm
    template_name = "catalogue/form.html"
    list_url = "catalogue:item_list"
    extra_context = {"kind": "item"}
