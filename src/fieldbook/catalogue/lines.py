"""Line forms shared by jobs and service contracts: items and tax codes of the user's organisation only,
blanks filled from the item, and the money rules (credit lines, discount) explained next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core.models import Organisation

LINE_FIELDS = ["item", "description", "quantity", "unit_price", "discount_percent", "tax_code", "is_credit"]
_SMALL = {"class": "small"}


class BaseLineForm(forms.ModelForm):
    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["item"].queryset = Item.objects.filter(organisation=organisation, active=True)  # type: ignore[attr-defined]
        tax_codes = TaxCode.objects.for_org(organisation).filter(active=True)
        if self.instance.pk and self.instance.tax_code_id:  # keep an inactive code the line already uses
            tax_codes = tax_codes | TaxCode.objects.filter(pk=self.instance.tax_code_id, organisation=organisation)
        self.fields["tax_code"].queryset = tax_codes  # type: ignore[attr-defined]
        self.fields["tax_code"].required = False  # filled from the item or the default tax code
        self.fields["unit_price"].required = False  # filled from the item
        self.fields["description"].widget = forms.TextInput(attrs={"size": 28})
        for name in ("quantity", "unit_price", "discount_percent"):
            self.fields[name].widget.attrs.update(_SMALL)
        for name in ("kind", "tax_code", "item"):  # selects must stay readable inside the scrolling table
            if name in self.fields:
                self.fields[name].widget.attrs["style"] = "min-width: 8rem"
        if not self.instance.pk:
            default = TaxCode.objects.default_for(organisation)
            self.fields["tax_code"].initial = default.pk if default else None

    def clean(self) -> dict[str, Any]:
        # Filling blanks in cleaned_data is enough: ModelForm copies it onto the line before validating it.
        cleaned = super().clean() or {}
        item: Item | None = cleaned.get("item")
        if item is not None:
            if not cleaned.get("description"):
                cleaned["description"] = item.name
            if cleaned.get("unit_price") is None and "unit_price" not in self.errors:
                cleaned["unit_price"] = item.unit_price
            if cleaned.get("tax_code") is None and "tax_code" not in self.errors:
                cleaned["tax_code"] = item.tax_code or TaxCode.objects.default_for(self.organisation)
        if not cleaned.get("description") and "description" not in self.errors:
            self.add_error("description", "Describe the line or choose an item.")
        if cleaned.get("unit_price") is None and "unit_price" not in self.errors:
            self.add_error("unit_price", "Enter a unit price or choose an item.")
        if cleaned.get("tax_code") is None and "tax_code" not in self.errors:
            self.add_error("tax_code", "Choose a tax code (add one under Tax codes first).")
        self._check_money(cleaned)
        return cleaned

    def _check_money(self, cleaned: dict[str, Any]) -> None:
        quantity, is_credit = cleaned.get("quantity"), cleaned.get("is_credit", False)
        if quantity is None:
            return
        if quantity < 0 and not is_credit:
            self.add_error("quantity", "A negative quantity is only allowed on a line marked as credit.")
        elif is_credit and quantity >= 0:
            self.add_error("quantity", "A credit line takes a negative quantity (e.g. -1).")


class BaseLineFormSet(BaseInlineFormSet):
    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        self.organisation = organisation
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "organisation": organisation}
        super().__init__(*args, **kwargs)

    def live_forms(self) -> list[forms.ModelForm]:
        """The forms that are (or become) lines: filled in and not marked for deletion."""
        return [
            f for f in self.forms
            if f.has_changed() or f.instance.pk
            if not (self.can_delete and getattr(f, "cleaned_data", {}).get("DELETE"))
        ]  # fmt: skip

    def save_lines(self) -> None:
        """Save in the order shown; positions follow the form order."""
        for position, form in enumerate(self.live_forms()):
            form.instance.position = position
        self.save()
