from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models
from django.forms import inlineformset_factory

from fieldbook.catalogue.lines import LINE_FIELDS, BaseLineForm, BaseLineFormSet
from fieldbook.catalogue.models import TaxCode
from fieldbook.contracts.models import ContractLine, ServiceContract, ServiceInvoice, ServiceInvoiceLine
from fieldbook.core import bounds
from fieldbook.core.models import Organisation
from fieldbook.jobs.forms import SetFlagsForm, customer_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_order(form: forms.BaseForm, cleaned: dict[str, Any], start_field: str, end_field: str,
                 message: str) -> dict[str, Any]:
    """`cleaned`, with `message` put on the end field when that date is before the start."""
    start, end = cleaned.get(start_field), cleaned.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, message)
    return cleaned


class ServiceContractForm(forms.ModelForm[ServiceContract]):
    class Meta:
        model = ServiceContract
        fields = [
            "customer", "reference", "description", "site_address", "start_date", "end_date", "billing_frequency",
            "billing_timing", "prices_include_tax", "active",
        ]  # fmt: skip
        widgets = {"site_address": forms.Textarea(attrs={"rows": 2}), "start_date": DATE, "end_date": DATE}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        current = self.instance.customer if self.instance.pk else None
        self.fields["customer"].queryset = customer_choices(organisation, current)  # type: ignore[attr-defined]
        if not self.instance.pk:
            default = TaxCode.objects.default_for(organisation)
            self.initial.setdefault("prices_include_tax", bool(default and default.prices_include_tax))
        for name in ("start_date", "end_date"):
            self.fields[name].validators.append(bounds.validate_date)

    def clean_reference(self) -> str:
        reference: str = self.cleaned_data.get("reference") or ""
        bounds.validate_text(reference, "reference")
        return reference

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        return _check_order(self, cleaned, "start_date", "end_date", "The contract cannot end before it starts.")


def _line_formset(parent: type[models.Model], model: type[models.Model], extra: int) -> type[BaseLineFormSet]:
    """The lines of a contract or of a service invoice: at least one, each one deletable."""
    return cast("type[BaseLineFormSet]", inlineformset_factory(
        parent, model, form=BaseLineForm, formset=BaseLineFormSet, fields=LINE_FIELDS, extra=extra,
        can_delete=True, min_num=1, validate_min=True,
    ))  # fmt: skip


ContractLineFormSet = _line_formset(ServiceContract, ContractLine, extra=2)


class ServiceInvoiceForm(forms.ModelForm[ServiceInvoice]):
    """Correcting a generated service invoice: its dates and memo (its lines in the formset)."""

    class Meta:
        model = ServiceInvoice
        fields = ["invoice_date", "period_start", "period_end", "description", "prices_include_tax"]
        labels = {"description": "Memo (description on the invoice)"}
        widgets = {"invoice_date": DATE, "period_start": DATE, "period_end": DATE}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        return _check_order(self, cleaned, "period_start", "period_end", "The period cannot end before it starts.")


ServiceInvoiceLineFormSet = _line_formset(ServiceInvoice, ServiceInvoiceLine, extra=1)


class PeriodForm(forms.Form):
    """The period on the Service Invoices page: invoices dated within it (local dates)."""

    period_from = forms.DateField(label="Period from", widget=DATE, validators=[bounds.validate_date])
    period_to = forms.DateField(label="Period to", widget=DATE, validators=[bounds.validate_date])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", "The end of the period is before its start.")
        elif start and end and (end - start).days > 366:
            self.add_error("period_to", "Choose a period of at most a year.")
        return cleaned


class ServiceInvoiceFilter(PeriodForm):
    FLAG_CHOICES = [("", "Any flags"), ("set", "Both flags set"), ("unset", "Not both set")]

    customer = forms.CharField(
        required=False, label="Customer", widget=forms.TextInput(attrs={"placeholder": "Name or reference"})
    )
    flags = forms.ChoiceField(required=False, choices=FLAG_CHOICES, label="Flags")


__all__ = [
    "ContractLineFormSet", "PeriodForm", "ServiceContractForm", "ServiceInvoiceFilter", "ServiceInvoiceForm",
    "ServiceInvoiceLineFormSet", "SetFlagsForm",
]  # fmt: skip
