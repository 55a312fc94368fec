"""Two generation runs at the same time still give each contract-period exactly one invoice."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from fieldbook.contracts import billing
from fieldbook.contracts.models import ServiceInvoice
from tests.web.isolation.catalogue import make_contract, make_customer


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_generation_runs_never_duplicate_an_invoice(org_a):  # type: ignore[no-untyped-def]
    assert connection.vendor == "postgresql"
    for i in range(8):
        make_contract(org_a, customer=make_customer(org_a, f"C{i}", f"Customer {i}"), start=date(2026, 1, 31))
    runs: list[billing.GenerationResult] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            barrier.wait()
            runs.append(billing.generate_invoices(org_a, date(2026, 1, 1), date(2026, 6, 30)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection; don't leave it open

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    invoices = ServiceInvoice.objects.filter(organisation=org_a)
    assert invoices.count() == 8 * 6  # 8 contracts x Jan..Jun
    assert sum(len(r.created) for r in runs) == 48 and sum(r.already for r in runs) == 2 * 48
    assert len(set(invoices.values_list("contract_id", "period_start"))) == 48
    assert sorted(invoices.values_list("number", flat=True)) == [f"S{n:04d}" for n in range(1, 49)]
