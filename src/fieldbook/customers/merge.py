"""Merge customers (the user's guide, "Merging Customers"): everything that points at a duplicate
moves to the target in one transaction; duplicates are deactivated and remember the target.
Nothing is deleted, and nothing is merged in any ledger."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from fieldbook.core.tracking import TrackedModel
from fieldbook.customers.models import Customer


def _moving_relations() -> list[models.ForeignKey[Customer, Customer]]:
    """Every foreign key to Customer, except the merge pointer itself and models that keep
    history on purpose (a ledger link stays with the record it described: MERGE_KEEPS)."""
    relations = []
    for rel in Customer._meta.related_objects:
        field = rel.field
        if not isinstance(field, models.ForeignKey) or field.name == "merged_into":
            continue
        if getattr(rel.related_model, "MERGE_KEEPS", False):
            continue
        relations.append(field)
    return relations


def merge_customers(target: Customer, duplicates: Iterable[Customer]) -> int:
    """Returns the number of rows moved. All of it or none of it."""
    dupes = [d for d in duplicates if d.pk != target.pk]
    if any(d.organisation_id != target.organisation_id for d in dupes):
        raise ValueError("Customers of different organisations cannot be merged.")
    moved = 0
    with transaction.atomic():
        ids = [d.pk for d in dupes]
        for field in _moving_relations():
            model = field.model
            qs = model._default_manager.filter(**{f"{field.name}__in": ids})
            update: dict[str, Any] = {field.name: target}
            if issubclass(model, TrackedModel):
                update.update(version=F("version") + 1, updated_at=timezone.now())
            moved += qs.update(**update)
        Customer.objects.filter(pk__in=ids).update_tracked(active=False, merged_into=target)
        Customer.objects.filter(pk=target.pk).update_tracked()
    return moved
