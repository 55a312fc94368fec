"""Line forms shared by jobs and service contracts: items and tax codes of the user's organisation only,
blanks filled from the item, and the money rules (credit lines, discount) explained next to the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core import bounds, money
from fieldbook.core.models import Organisation

LINE_FIELDS = ["item", "description", "quantity", "unit_price", "discount_percent", "tax_code", "is_credit"]
_SMALL = {"class": "small"}


class MoneyChecks(forms.ModelForm):
    """The bounds every ledger accepts (core/bounds), on every form that edits a line: the pages'
    and the admin's."""

    def _check_money(self, cleaned: dict[str, Any]) -> None:
        quantity, is_credit = cleaned.get("quantity"), cleaned.get("is_credit", False)
        price, discount = cleaned.get("unit_price"), cleaned.get("discount_percent") or Decimal(0)
        if price is not None and price > bounds.MAX_UNIT_PRICE and "unit_price" not in self.errors:
            self.add_error("unit_price", f"A unit price can be at most {bounds.money_text(bounds.MAX_UNIT_PRICE)}.")
            price = None
        if quantity is None:
            return
        if abs(quantity) > bounds.MAX_QUANTITY:
            most = f"{bounds.MAX_QUANTITY:,}"
            self.add_error("quantity", f"A quantity can be at most {most} (or -{most} on a credit line).")
        elif quantity < 0 and not is_credit:
            self.add_error("quantity", "A negative quantity is only allowed on a line marked as credit.")
        elif is_credit and quantity >= 0:
            self.add_error("quantity", "A credit line takes a negative quantity (e.g. -1).")
        elif price is not None and abs(quantity * price * (100 - discount) / 100) > bounds.MAX_AMOUNT:
            self.add_error("quantity", f"This line comes to more than {bounds.money_text(bounds.MAX_AMOUNT)}, "
                                       "the most every ledger accepts: split it over several documents.")  # fmt: skip


class BaseLineForm(MoneyChecks):
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
            if name in self.fields:  # a class, not a style attribute: the Content-Security-Policy blocks those
                self.fields[name].widget.attrs["class"] = "select-wide"
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

class TotalCheck(BaseInlineFormSet):
    """A document's total within the bounds every ledger accepts, from its live lines."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        include = bool(getattr(self.instance, "prices_include_tax", False))
        try:
            lines = [
                money.Line(quantity=d["quantity"], unit_price=d["unit_price"], tax_rate=d["tax_code"].rate,
                           discount_percent=d.get("discount_percent") or Decimal(0),
                           is_credit=d.get("is_credit", False))
                for f in self.live_forms() if (d := f.cleaned_data) and d.get("tax_code") is not None
            ]  # fmt: skip
            total = money.totals(lines, include)
        except (money.MoneyError, KeyError, TypeError):
            return  # the line forms say what is wrong
        if abs(total.total) > bounds.MAX_AMOUNT:
            raise forms.ValidationError(
                f"The document totals {bounds.money_text(total.total)}: every ledger accepts at most "
                f"{bounds.money_text(bounds.MAX_AMOUNT)}. Split the lines over several documents."
            )

    def live_forms(self) -> list[forms.ModelForm]:
        """The forms that are (or become) lines: filled in and not marked for deletion."""
        return [
            f for f in self.forms
            if f.has_changed() or f.instance.pk
            if not (self.can_delete and getattr(f, "cleaned_data", {}).get("DELETE"))
        ]  # fmt: skip


class AdminLineForm(MoneyChecks):
    """A line in the Django admin's inlines: the same limits as the pages' line forms."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_money(cleaned)
        return cleaned


class BaseLineFormSet(TotalCheck):
    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        self.organisation = organisation
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "organisation": organisation}
        super().__init__(*args, **kwargs)

    def save_lines(self) -> None:
        """Save in the order shown; positions follow the form order."""
        for position, form in enumerate(self.live_forms()):
            form.instance.position = position
        self.save()
