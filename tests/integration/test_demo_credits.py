"""The demo data through the pages to the QuickBooks sandbox: every job and service invoice with a
credit line transfers, and every transferred invoice's total, VAT per rate and customer balance
in the ledger (read from the sandbox's own store) equal ours. A 0.00 invoice goes only when the
user ticks "Send anyway"."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from fieldbook.connectors.records import InvoiceRecord
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.integration.models import SyncRun
from fieldbook.integration.records import invoice_records
from fieldbook.jobs.models import Job, JobLine

pytestmark = pytest.mark.django_db


def compare(client, option):  # type: ignore[no-untyped-def]
    response = client.get(reverse("integration:transfer", args=["quickbooks", option]), {"compare": "1"})
    assert response.status_code == 200
    return {row["key"]: row for row in response.context.get("rows") or []}, response.content.decode()


def sync(client, option, keys, capture, accept=()):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"selected": list(keys), **{f"accept:{k}": "1" for k in accept}}
    with capture(execute=True):
        response = client.post(reverse("integration:start", args=["quickbooks", option]), data)
    assert response.status_code == 302, response.content
    return SyncRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def vat_by_rate(record: InvoiceRecord) -> dict[Decimal, Decimal]:
    out: Counter[Decimal] = Counter()
    for line in record.lines:
        out[line.tax_rate] += line.tax_amount  # type: ignore[assignment]
    return dict(out)


def ledger_vat_by_rate(company: Any, invoice: dict[str, Any]) -> dict[Decimal, Decimal]:
    out: Counter[Decimal] = Counter()
    for tax_line in invoice["TxnTaxDetail"]["TaxLine"]:
        rate = company.get("TaxRate", tax_line["TaxLineDetail"]["TaxRateRef"]["value"])
        out[Decimal(str(rate["RateValue"]))] += Decimal(str(tax_line["Amount"]))  # type: ignore[assignment]
    return dict(out)


def test_demo_credit_lines_and_totals_reach_the_ledger_to_the_penny(
        client_a, org_a, sandbox, request, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    call_command("demo_data", customers=25, jobs=120, contracts=8, seed=5, org=org_a.slug, existing=True,
                 as_of=date(2026, 6, 30),
                 stdout=StringIO())  # fmt: skip
    # J1062 in the demo: one line of quantity 0, so a 0.00 invoice.
    zero_job = Job.objects.filter(organisation=org_a).qualifies_for_transfer().order_by("number")[3]
    zero_job.lines.all().delete()
    JobLine.objects.create(job=zero_job, position=0, description="Call-out, no charge", quantity=Decimal(0),
                           unit_price=Decimal("65.00"), tax_code=org_a.tax_codes.get(code="VAT20"))  # fmt: skip
    request.getfixturevalue("connected")
    ours: dict[str, InvoiceRecord] = {}
    for option, model in (("jobs", Job), ("contracts", ServiceInvoice)):
        records = {r.number: r for r in invoice_records(model, org_a)}
        credited = {n for n, r in records.items() if any(line.is_credit for line in r.lines)}
        zero = {n for n, r in records.items() if r.total == 0}
        assert credited, option
        rows, page = compare(client_a, option)
        assert set(rows) == set(records)
        for number in credited:
            # Compare shows how the credit will appear in the ledger, and nothing stops it.
            assert rows[number]["label"] == "Add" and not rows[number]["problem"], rows[number]
            assert "discount line" in rows[number]["ledger_form"]
            assert rows[number]["ledger_form"] in page  # and the page says it
        assert {k for k, row in rows.items() if row["warning"]} == zero
        assert (option == "jobs") == (zero == {zero_job.number})
        assert "Send anyway" in page if zero else True

        run = sync(client_a, option, rows, django_capture_on_commit_callbacks)
        assert run.state == "done", run.reason
        assert {b["key"] for b in run.blocked} == zero  # selected, but not knowingly
        assert not run.steps.filter(status="failed").exists(), list(run.steps.filter(status="failed").values())
        if zero:
            run = sync(client_a, option, zero, django_capture_on_commit_callbacks, accept=zero)
            assert run.counts == {"created": len(zero)}, (run.counts, run.blocked)
        ours.update(records)

    qb = sandbox.quickbooks
    company = qb.company(qb.default_realm)
    in_ledger = {i["DocNumber"]: i for i in qb.invoices() if i.get("_status") != "Deleted"}
    assert set(in_ledger) == set(ours)
    owed: Counter[str] = Counter()
    for number, record in ours.items():
        invoice = in_ledger[number]
        assert Decimal(str(invoice["TotalAmt"])) == record.total, number
        assert ledger_vat_by_rate(company, invoice) == vat_by_rate(record), number
        assert all(Decimal(str(line["Amount"])) >= 0 for line in invoice["Line"]), number
        owed[invoice["CustomerRef"]["value"]] += record.total  # type: ignore[assignment]
    for customer in qb.customers():
        assert Decimal(str(customer.get("Balance", 0))) == owed.get(customer["Id"], 0), customer["DisplayName"]
    # The job page shows the ledger's total beside ours.
    credited_job = next(j for j in Job.objects.filter(organisation=org_a, number__in=ours) if j.lines.filter(
        is_credit=True).exists())  # fmt: skip
    page = client_a.get(reverse("jobs:detail", args=[credited_job.pk])).content.decode()
    total = f"{ours[credited_job.number].total:,.2f}"
    assert f"Total in QuickBooks Online: {total} · ours: {total}" in page and "they differ" not in page
