from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from fieldbook.catalogue.documents import tax_code_in_use
from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core.models import Organisation


class _OrgCodeForm(forms.ModelForm):
    """Organisation from the session, never from the POST; codes unique per organisation."""

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        model: type[models.Model] = self._meta.model
        clash = model._default_manager.filter(organisation=self.organisation, code__iexact=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"The code {code} is already in use.")
        return code


class TaxCodeForm(_OrgCodeForm):
    class Meta:
        model = TaxCode
        fields = ["code", "name", "rate", "prices_include_tax", "is_exempt", "is_default", "active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("is_exempt") and cleaned.get("rate"):
            self.add_error("rate", "An exempt tax code has a rate of 0.")
        # Lines price from their tax code's rate: changing it would silently change the totals of
        # closed jobs and generated invoices, some already in a ledger. A new rate is a new code.
        if self.instance.pk and "rate" in self.changed_data and tax_code_in_use(self.instance):
            self.add_error("rate", "This tax code is used on jobs or invoices, so its rate cannot change. "
                                   "Create a new tax code for the new rate and make this one inactive.")
        return cleaned

    def save(self, commit: bool = True) -> TaxCode:
        tax_code: TaxCode = super().save(commit)
        if commit and tax_code.is_default:  # one default per organisation
            TaxCode.objects.for_org(self.organisation).exclude(pk=tax_code.pk).update(is_default=False)
        return tax_code


class ItemForm(_OrgCodeForm):
    class Meta:
        model = Item
        fields = ["code", "name", "unit_price", "income_account_code", "tax_code", "active"]

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["tax_code"].queryset = TaxCode.objects.for_org(organisation)  # type: ignore[attr-defined]
