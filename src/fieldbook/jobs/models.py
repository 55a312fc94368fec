"""Jobs: numbered J1001..., open -> closed (can be reopened), priced lines, the two invoice flags."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from fieldbook.catalogue.documents import DocumentLine, TrackedDocument, TrackedQuerySet
from fieldbook.core.models import Organisation
from fieldbook.customers.models import Customer

JOB_PREFIX = "J"
JOB_SEQUENCE = "job"
JOB_FIRST = 1000  # Sequence starts at 1: J1001 is the first job


def job_number(n: int) -> str:
    return f"{JOB_PREFIX}{JOB_FIRST + n}"


class JobQuerySet(TrackedQuerySet):
    def for_org(self, organisation: Organisation) -> JobQuerySet:
        return self.filter(organisation=organisation)

    def closed(self) -> JobQuerySet:
        return self.filter(status=Job.Status.CLOSED)

    def qualifies_for_transfer(self) -> JobQuerySet:
        """Closed, with both flags set (the user's guide, NOTES)."""
        return self.closed().filter(ready_for_invoice=True, transfer_to_accounts=True)


class Job(TrackedDocument):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="jobs")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="jobs")
    site_address = models.TextField("Site address", blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="unique_job_number_per_org"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="job_closed_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "closed_at"]),
            models.Index(fields=["organisation", "updated_at"]),
        ]

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class JobLine(DocumentLine):
    class Kind(models.TextChoices):
        LABOUR = "labour", "Labour"
        PART = "part", "Part"
        OTHER = "other", "Other"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LABOUR)

    class Meta(DocumentLine.Meta):
        pass
