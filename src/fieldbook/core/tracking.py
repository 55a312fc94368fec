"""Change tracking shared by customers, jobs, contracts and service invoices: every write path
bumps `version` and `updated_at` in the same transaction, because Compare decides what changed
since the last transfer from them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import F
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


class TrackedQuerySet(models.QuerySet[M]):
    def update_tracked(self, **fields: Any) -> int:
        """Bulk update that still bumps version and updated_at (bulk actions, Set Flags, merge)."""
        return self.update(version=F("version") + 1, updated_at=timezone.now(), **fields)


class TrackedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self.version = (self.version or 0) + 1
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)
