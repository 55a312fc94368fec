from __future__ import annotations

from typing import Any

from django import forms

from fieldbook.core import bounds
from fieldbook.core.models import Organisation
from fieldbook.customers.models import Customer


class CustomerForm(forms.ModelForm[Customer]):
    class Meta:
        model = Customer
        fields = [
            "account_ref", "name", "contact_first_name", "contact_last_name", "email", "phone", "mobile",
            "address_line1", "address_line2", "address_line3", "city", "region", "postcode", "country",
            "tax_number", "notes", "active", "integrate",
        ]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation

    def clean_account_ref(self) -> str:
        ref = self.cleaned_data["account_ref"].strip()
        bounds.validate_text(ref, "account reference")
        clash = Customer.objects.filter(organisation=self.organisation, account_ref__iexact=ref)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"Another customer already uses the account reference {ref}.")
        return ref

    def clean_active(self) -> bool:
        active = bool(self.cleaned_data.get("active"))
        if active and self.instance.merged_into_id:
            raise forms.ValidationError("This customer was merged into another; it stays inactive.")
        return active

    def clean_name(self) -> str:
        bounds.validate_text(self.cleaned_data["name"], "name")
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the customer's name.")
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for field in ("contact_first_name", "contact_last_name", "city", "address_line1"):
            if (message := bounds.text_error(cleaned.get(field) or "", "field")) and field not in self.errors:
                self.add_error(field, message)
        return cleaned


class CustomerMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Customer.objects.none(), label="Keep this customer (target)")
    duplicates = forms.ModelMultipleChoiceField(
        queryset=Customer.objects.none(), label="Merge these duplicates into it",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Customer.objects.filter(organisation=organisation, merged_into__isnull=True)
        self.fields["target"].queryset = active  # type: ignore[attr-defined]
        self.fields["duplicates"].queryset = active  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        target, duplicates = cleaned.get("target"), cleaned.get("duplicates")
        if target and duplicates and target in duplicates:
            self.add_error("duplicates", "The target cannot also be one of the duplicates.")
        return cleaned
