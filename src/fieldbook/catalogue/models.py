"""Reference data of an organisation: tax codes and items (what jobs and contracts are priced with)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from fieldbook.core.models import Organisation

code_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{1,20}$", "Use up to 20 letters, digits, dots, hyphens or underscores."
)


class TaxCodeQuerySet(models.QuerySet["TaxCode"]):
    def for_org(self, organisation: Organisation) -> TaxCodeQuerySet:
        return self.filter(organisation=organisation)

    def default_for(self, organisation: Organisation) -> TaxCode | None:
        """The organisation's default tax code: the one marked default, else the first active one."""
        return self.filter(organisation=organisation, active=True).order_by("-is_default", "code").first()


class TaxCode(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tax_codes")
    code = models.CharField(max_length=20, validators=[code_validator])
    name = models.CharField(max_length=100)
    rate = models.DecimalField(
        "Rate (%)", max_digits=6, decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )  # fmt: skip
    prices_include_tax = models.BooleanField(
        "Prices include tax by default", default=False,
        help_text="New jobs and contracts whose default tax code this is start with prices inclusive of tax.",
    )  # fmt: skip
    is_exempt = models.BooleanField("Exempt (outside the scope of tax)", default=False)
    is_default = models.BooleanField("Default for new lines", default=False)
    active = models.BooleanField(default=True)

    objects = TaxCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="unique_tax_code_per_org")]

    def __str__(self) -> str:
        return f"{self.code} ({self.rate.normalize():f} %)" if not self.is_exempt else f"{self.code} (exempt)"


class Item(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=20, validators=[code_validator])
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(
        max_digits=14, decimal_places=4, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    income_account_code = models.CharField(
        "Income account code", max_length=20, blank=True, help_text="The ledger's income (sales) account, e.g. 200."
    )
    tax_code = models.ForeignKey(
        TaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="items",
        help_text="Used for new lines with this item.",
    )  # fmt: skip
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="unique_item_code_per_org")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"
