"""`fieldbook demo-data` with jobs and contracts: deterministic, and as varied as real books."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from fieldbook.contracts.models import ServiceContract, ServiceInvoice
from fieldbook.core.models import Organisation
from fieldbook.jobs.models import Job, JobLine

pytestmark = pytest.mark.django_db


def load(slug: str, seed: int = 5, customers: int = 40) -> Organisation:
    call_command("demo_data", customers=customers, jobs=120, contracts=8, seed=seed, org=slug, as_of=date(2026, 6, 30),
                 stdout=StringIO())  # fmt: skip
    return Organisation.objects.get(slug=slug)


def fingerprint(org: Organisation) -> list[tuple[object, ...]]:
    jobs = Job.objects.for_org(org).select_related("customer").prefetch_related("lines__tax_code").order_by("number")
    rows: list[tuple[object, ...]] = [
        (j.number, j.customer.account_ref, j.status, j.closed_at, j.flagged, j.totals()) for j in jobs
    ]
    invoices = ServiceInvoice.objects.for_org(org).order_by("number")
    rows += invoices.values_list("number", "invoice_date", "customer__account_ref")
    return rows


def test_same_seed_same_books_different_seed_different_books() -> None:
    assert fingerprint(load("one")) == fingerprint(load("two"))
    assert fingerprint(load("three", seed=6)) != fingerprint(Organisation.objects.get(slug="one"))


def test_demo_books_are_realistic() -> None:
    org = load("demo", customers=100)  # customer 97 has a very long name
    jobs = Job.objects.for_org(org)
    lines = JobLine.objects.filter(job__organisation=org)
    assert jobs.count() == 120 and jobs.first().number.startswith("J1")  # type: ignore[union-attr]
    assert jobs.qualifies_for_transfer().exists() and jobs.filter(status="open").exists()
    assert jobs.closed().exclude(ready_for_invoice=True).exists()  # some closed jobs not flagged
    assert lines.values("tax_code__rate").distinct().count() >= 3
    assert lines.filter(discount_percent__gt=0).exists() and lines.filter(is_credit=True, quantity__lt=0).exists()
    assert any(not name.isascii() for name in org.customers.values_list("name", flat=True))
    assert any(len(name) > 80 for name in org.customers.values_list("name", flat=True))
    assert ServiceContract.objects.filter(organisation=org).count() == 8
    assert ServiceInvoice.objects.for_org(org).filter(number="S0001").exists()


def test_if_empty_does_nothing_the_second_time() -> None:
    org = load("demo")
    out = StringIO()
    call_command("demo_data", if_empty=True, jobs=60, contracts=12, org="demo", stdout=out)
    assert "already present" in out.getvalue() and Job.objects.for_org(org).count() == 120
