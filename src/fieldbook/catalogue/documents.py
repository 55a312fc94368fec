"""The shared shape of jobs and service invoices: tracked documents with the two invoice flags, and
lines priced from the catalogue. Concrete models live in jobs/ and contracts/.

Every write path bumps `version` and `updated_at` in the same transaction (Compare relies on it):
`save()` does it for single rows, `update_tracked()` / `set_flags()` for bulk changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core import money
from fieldbook.core import tracking as core_tracking


class TrackedQuerySet(core_tracking.TrackedQuerySet[Any]):
    def set_flags(self, ready_for_invoice: bool, transfer_to_accounts: bool) -> int:
        return self.update_tracked(ready_for_invoice=ready_for_invoice, transfer_to_accounts=transfer_to_accounts)

    def filtered(self, customer: str = "", flags: str = "") -> TrackedQuerySet:
        """The Closed Jobs / Service Invoices filters: a customer (name, or exact account
        reference) and the two flags both set ("set") or not both set ("unset")."""
        qs = self
        if customer.strip():
            term = customer.strip()
            qs = qs.filter(Q(customer__name__icontains=term) | Q(customer__account_ref__iexact=term))
        if flags == "set":
            qs = qs.filter(ready_for_invoice=True, transfer_to_accounts=True)
        elif flags == "unset":
            qs = qs.exclude(ready_for_invoice=True, transfer_to_accounts=True)
        return qs

    def flagged(self) -> TrackedQuerySet:
        return self.filter(ready_for_invoice=True, transfer_to_accounts=True)


class TrackedDocument(core_tracking.TrackedModel):
    number = models.CharField(max_length=20, editable=False)
    prices_include_tax = models.BooleanField("Prices include tax", default=False)
    # The user's guide: documents are picked up by the next transfer when closed/generated and both
    # flags are set; the flags are cleared by the transfer and can be set again with Set Flags.
    ready_for_invoice = models.BooleanField("Ready for Invoice", default=False)
    transfer_to_accounts = models.BooleanField("Transfer to Accounts", default=False)
    # The version last transferred to a ledger (set by the integration); None = never transferred.
    transferred_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number

    @property
    def flagged(self) -> bool:
        return self.ready_for_invoice and self.transfer_to_accounts

    def reflag_if_transferred(self) -> None:
        """An edit to a document a ledger already has must reappear as an Update in Compare."""
        if self.transferred_version is not None:
            self.ready_for_invoice = True
            self.transfer_to_accounts = True

    def totals(self) -> money.Totals:
        lines = self.lines.all()  # type: ignore[attr-defined]
        return money.totals((line.money_line() for line in lines), self.prices_include_tax)


class DocumentLine(models.Model):
    position = models.PositiveIntegerField(default=0)
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=500, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, validators=[MinValueValidator(Decimal(0))])
    discount_percent = models.DecimalField(
        "Discount %", max_digits=5, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )  # fmt: skip
    tax_code = models.ForeignKey(TaxCode, on_delete=models.PROTECT, related_name="+")
    is_credit = models.BooleanField("Credit", default=False)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    def money_line(self) -> money.Line:
        return money.Line(
            quantity=self.quantity, unit_price=self.unit_price, tax_rate=self.tax_code.rate,
            discount_percent=self.discount_percent, is_credit=self.is_credit,
        )  # fmt: skip

    def amount(self) -> Decimal:
        """Quantity x price less discount, as entered (inclusive or exclusive of tax)."""
        return money.line_amount(self.money_line())


def _line_models(base: type[models.Model] = DocumentLine) -> list[type[models.Model]]:
    """Every concrete kind of document line (jobs', contracts', service invoices'), found through
    the abstract base they share: this module need not import the apps that build on it."""
    found = []
    for sub in base.__subclasses__():
        if not sub._meta.abstract:
            found.append(sub)
        found.extend(_line_models(sub))
    return found


def tax_code_in_use(code: TaxCode) -> bool:
    """On any job, contract or service invoice line."""
    return any(m._default_manager.filter(tax_code=code).exists() for m in _line_models())
