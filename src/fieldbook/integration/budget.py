"""The limiter's budget in the database: one row per ledger company, updated by compare-and-set,
so the web server's threads, the worker and a cron `fieldbook sync` spend from one budget
(connectors.limiter.BudgetStore)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from fieldbook.integration.models import LedgerBudget

T = TypeVar("T")
MAX_RACES = 10_000  # lost compare-and-sets before giving up: only under a pathological storm


class DatabaseBudgetStore:
    def update(self, key: str, change: Callable[[dict[str, Any]], tuple[dict[str, Any] | None, T]]) -> T:
        for _ in range(MAX_RACES):
            row = LedgerBudget.objects.filter(key=key).values_list("version", "state").first()
            if row is None:
                state, result = change({})
                if state is None:
                    return result
                try:
                    with transaction.atomic():
                        LedgerBudget.objects.create(key=key, state=state, version=1)
                except IntegrityError:
                    continue  # another process created it first: judge again on its row
                return result
            version, stored = row
            state, result = change(dict(stored or {}))
            if state is None:
                return result
            if LedgerBudget.objects.filter(key=key, version=version).update(state=state, version=version + 1):
                return result
        raise RuntimeError(f"Could not update the rate budget {key!r}: too much contention.")
