"""Tenancy: organisations, their members and preferences. Every other row hangs off one."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/London).")


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True)
    home_currency = models.CharField(
        max_length=3, default="GBP", validators=[RegexValidator(r"^[A-Z]{3}$", "Use a 3-letter ISO code.")]
    )
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    # Preferences (the user's guide: flags set "as soon as a Job is closed or a Contract Invoice is
    # generated (depending upon your company preferences)").
    flag_jobs_on_close = models.BooleanField("Set invoice flags when a job is closed", default=True)
    flag_service_invoices_on_generate = models.BooleanField(
        "Set invoice flags when service invoices are generated", default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Sequence(models.Model):
    """Per-organisation number sequences (J for jobs, S for service invoices). Numbers are taken
    with an atomic UPDATE ... SET next = next + 1 so two requests never get the same one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=20)
    next_value = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="one_sequence_per_name")]

    @classmethod
    def take(cls, organisation: Organisation, name: str, count: int = 1) -> int:
        """Reserve `count` numbers and return the first. Call inside the transaction that uses it."""
        cls.objects.get_or_create(organisation=organisation, name=name)
        cls.objects.filter(organisation=organisation, name=name).update(next_value=F("next_value") + count)
        value = cls.objects.values_list("next_value", flat=True).get(organisation=organisation, name=name)
        return int(value) - count
