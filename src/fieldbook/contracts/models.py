"""Service contracts (the user's guide, "Raising Invoices for Contracts") and the service invoices
generated from them, one per contract and billing period (a database constraint, not a hope)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from fieldbook.catalogue.documents import DocumentLine, TrackedDocument, TrackedQuerySet
from fieldbook.core import money
from fieldbook.core.models import Organisation
from fieldbook.core.tracking import TrackedModel
from fieldbook.customers.models import Customer

INVOICE_PREFIX = "S"
INVOICE_SEQUENCE = "service_invoice"


def invoice_number(n: int) -> str:
    return f"{INVOICE_PREFIX}{n:04d}"


class ServiceContract(TrackedModel):
    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        SIX_MONTHLY = "six_monthly", "Six-monthly"
        ANNUALLY = "annually", "Annually"

    class Timing(models.TextChoices):
        ADVANCE = "advance", "In advance (invoice dated the first day of the period)"
        ARREARS = "arrears", "In arrears (invoice dated the last day of the period)"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="service_contracts")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_contracts")
    reference = models.CharField(max_length=40, blank=True, help_text="Your contract reference, if any.")
    description = models.CharField(max_length=200)
    site_address = models.TextField("Site address", blank=True)
    start_date = models.DateField("Start date")
    end_date = models.DateField("End date", null=True, blank=True, help_text="Leave blank for a rolling contract.")
    billing_frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY)
    billing_timing = models.CharField("Billed", max_length=8, choices=Timing.choices, default=Timing.ADVANCE)
    prices_include_tax = models.BooleanField("Prices include tax", default=False)
    active = models.BooleanField(default=True, help_text="Only active contracts are invoiced.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer__name", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="contract_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.reference or self.description

    def totals(self) -> money.Totals:
        """What each of its invoices comes to."""
        return money.totals((line.money_line() for line in self.lines.all()), self.prices_include_tax)


class ContractLine(DocumentLine):
    contract = models.ForeignKey(ServiceContract, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass


class ServiceInvoiceQuerySet(TrackedQuerySet):
    def for_org(self, organisation: Organisation) -> ServiceInvoiceQuerySet:
        return self.filter(organisation=organisation)

    def generated(self) -> ServiceInvoiceQuerySet:
        return self.filter(status=ServiceInvoice.Status.GENERATED)

    def qualifies_for_transfer(self) -> ServiceInvoiceQuerySet:
        """Both flags set (the user's guide, NOTES): generated ones to send, and voided ones whose
        void is still to reach the ledger (voiding a transferred invoice sets its flags)."""
        return self.filter(ready_for_invoice=True, transfer_to_accounts=True)


class ServiceInvoice(TrackedDocument):
    class Status(models.TextChoices):
        GENERATED = "generated", "Generated"
        VOIDED = "voided", "Voided"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="service_invoices")
    contract = models.ForeignKey(ServiceContract, on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_invoices")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GENERATED)
    period_start = models.DateField()
    period_end = models.DateField()
    # A local date in the organisation's time zone (advance: period start; arrears: period end).
    invoice_date = models.DateField()
    description = models.CharField(max_length=300, blank=True)
    generated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ServiceInvoiceQuerySet.as_manager()

    @property
    def is_voided(self) -> bool:
        return self.status == self.Status.VOIDED

    class Meta:
        ordering = ["-invoice_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="unique_service_invoice_number_per_org"),
            models.UniqueConstraint(fields=["contract", "period_start"], name="one_invoice_per_contract_period"),
        ]
        indexes = [
            models.Index(fields=["organisation", "invoice_date"]),
            models.Index(fields=["organisation", "updated_at"]),
        ]


class ServiceInvoiceLine(DocumentLine):
    invoice = models.ForeignKey(ServiceInvoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        pass
