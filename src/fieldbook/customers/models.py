"""Customers. Every write path bumps `version` and `updated_at` in the same transaction: the sync
engine's Compare relies on them to tell what changed since the last transfer."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from fieldbook.core.models import Organisation
from fieldbook.core.tracking import TrackedModel, TrackedQuerySet

account_ref_validator = RegexValidator(
    r"^[A-Za-z0-9-]{1,20}$", "Use up to 20 letters, digits or hyphens (no spaces)."
)


class CustomerQuerySet(TrackedQuerySet["Customer"]):
    def for_org(self, organisation: Organisation) -> CustomerQuerySet:
        return self.filter(organisation=organisation)


class Customer(TrackedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="customers")
    account_ref = models.CharField("Account reference", max_length=20, validators=[account_ref_validator])
    name = models.CharField(max_length=200)
    contact_first_name = models.CharField("Contact first name", max_length=100, blank=True)
    contact_last_name = models.CharField("Contact last name", max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    mobile = models.CharField(max_length=30, blank=True)
    address_line1 = models.CharField("Address line 1", max_length=200, blank=True)
    address_line2 = models.CharField("Address line 2", max_length=200, blank=True)
    address_line3 = models.CharField("Address line 3", max_length=200, blank=True)
    city = models.CharField("Town / city", max_length=100, blank=True)
    region = models.CharField("County / region", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    tax_number = models.CharField("Tax (VAT) number", max_length=40, blank=True)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    integrate = models.BooleanField("Integrate with accounts", default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "account_ref"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "account_ref"], name="unique_account_ref_per_org")
        ]
        indexes = [
            models.Index(fields=["organisation", "name"]),
            models.Index(fields=["organisation", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_ref})"

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}".strip()

    @property
    def address_lines(self) -> list[str]:
        parts = [self.address_line1, self.address_line2, self.address_line3, self.city, self.region]
        parts += [self.postcode, self.country]
        return [p for p in parts if p]
