"""Merging customers moves their jobs, service contracts and service invoices, bumping versions."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from fieldbook.contracts import billing
from tests.web.isolation.catalogue import make_contract, make_customer, make_job

pytestmark = pytest.mark.django_db


def test_merge_moves_jobs_contracts_and_service_invoices(client_a, org_a):  # type: ignore[no-untyped-def]
    target, dupe = make_customer(org_a, "T1", "Target Ltd"), make_customer(org_a, "D1", "Target Limited")
    job = make_job(org_a, customer=dupe, closed=True)
    kept = make_job(org_a, customer=target)
    contract = make_contract(org_a, customer=dupe, start=date(2026, 1, 1))
    invoice = billing.generate_invoices(org_a, date(2026, 1, 1), date(2026, 1, 31)).created[0]
    response = client_a.post(reverse("customers:merge"), {"target": target.pk, "duplicates": [dupe.pk]})
    assert response.status_code == 302
    for row in (job, kept, contract, invoice):
        row.refresh_from_db()
    assert job.customer == target and job.version == 2
    assert contract.customer == target and contract.version == 2
    assert invoice.customer == target and invoice.version == 2
    assert kept.version == 1
    assert set(target.jobs.all()) == {job, kept} and not dupe.jobs.exists()
    page = client_a.get(reverse("customers:detail", args=[target.pk])).content.decode()
    assert job.number in page and invoice.number in page
