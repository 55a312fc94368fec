from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms import inlineformset_factory

from fieldbook.catalogue.lines import LINE_FIELDS, BaseLineForm, BaseLineFormSet
from fieldbook.catalogue.models import TaxCode
from fieldbook.core import bounds
from fieldbook.core.models import Organisation
from fieldbook.customers.models import Customer
from fieldbook.jobs.models import Job, JobLine


def customer_choices(organisation: Organisation, current: Customer | None = None) -> Any:
    qs = Customer.objects.filter(organisation=organisation, active=True, merged_into__isnull=True)
    if current is not None:  # an inactive customer the document already has stays selectable
        qs = qs | Customer.objects.filter(pk=current.pk, organisation=organisation)
    return qs.only("id", "name", "account_ref")


class JobForm(forms.ModelForm[Job]):
    class Meta:
        model = Job
        fields = ["customer", "site_address", "description", "prices_include_tax"]
        widgets = {"site_address": forms.Textarea(attrs={"rows": 2}), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        current = self.instance.customer if self.instance.pk else None
        self.fields["customer"].queryset = customer_choices(organisation, current)  # type: ignore[attr-defined]
        if not self.instance.pk:
            default = TaxCode.objects.default_for(organisation)
            self.initial.setdefault("prices_include_tax", bool(default and default.prices_include_tax))
        self.fields["site_address"].help_text = "Where the work is done, when it is not the billing address."


class JobLineForm(BaseLineForm):
    class Meta:
        model = JobLine
        fields = ["kind", *LINE_FIELDS]


JobLineFormSet = cast("type[BaseLineFormSet]", inlineformset_factory(
    Job, JobLine, form=JobLineForm, formset=BaseLineFormSet, fields=["kind", *LINE_FIELDS], extra=3,
    can_delete=True,
))  # fmt: skip


class ClosedJobsFilter(forms.Form):
    FLAG_CHOICES = [("", "Any flags"), ("set", "Both flags set"), ("unset", "Not both set")]

    closed_from = forms.DateField(required=False, label="Closed from", widget=forms.DateInput(attrs={"type": "date"}),
                                  validators=[bounds.validate_date])  # fmt: skip
    closed_to = forms.DateField(required=False, label="Closed to", widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[bounds.validate_date])  # fmt: skip
    customer = forms.CharField(
        required=False, label="Customer", widget=forms.TextInput(attrs={"placeholder": "Name or reference"})
    )
    flags = forms.ChoiceField(required=False, choices=FLAG_CHOICES, label="Flags")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("closed_from"), cleaned.get("closed_to")
        if start and end and start > end:
            self.add_error("closed_to", "The end date is before the start date.")
        return cleaned


class SetFlagsForm(forms.Form):
    ready_for_invoice = forms.BooleanField(required=False, label="Ready for Invoice")
    transfer_to_accounts = forms.BooleanField(required=False, label="Transfer to Accounts")
