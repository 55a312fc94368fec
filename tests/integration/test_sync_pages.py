"""Issue 11 "Pages": what Compare, the run page and the history say, through the real pages and
the QuickBooks Online sandbox."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbook.customers.models import Customer
from fieldbook.integration.models import ExternalLink
from fieldbook.jobs.models import Job
from tests.integration.test_customers_sync import COMPARE_DOWN, ledger_customer
from tests.integration.test_customers_sync import sync as sync_customers
from tests.integration.test_invoices_sync import compare, sync
from tests.web.isolation.catalogue import make_customer, make_job

pytestmark = pytest.mark.django_db
JOBS = reverse("integration:transfer", args=["quickbooks", "jobs"])


@pytest.fixture
def books(org_a, request):  # type: ignore[no-untyped-def]
    from tests.web.isolation.catalogue import tax_codes

    tax_codes(org_a)
    return request.getfixturevalue("connected")


def reprice(job: Job, price: str) -> None:
    job.refresh_from_db()
    line = job.lines.get()
    line.unit_price = Decimal(price)
    line.save()
    job.reflag_if_transferred()
    job.save()


def test_compare_formats_money_and_shows_the_ledgers_current_total(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=(("1", "1200.00", "VAT20"),), closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    reprice(job, "1500")
    row = compare(client_a, "jobs")[job.number]
    assert row["label"] == "Update"
    total = next(c for c in row["changes"] if c["name"] == "total")
    assert (total["ours"], total["theirs"]) == ("1,800.00", "1,440.00")
    lines = next(c for c in row["changes"] if c["name"] == "lines")
    assert "1 × 1,500.00 (" in lines["ours"] and "1 × 1,200.00 (" in lines["theirs"]  # noqa: RUF001
    # Totals: ours, and the ledger's invoice as it is now (not what it would compute for ours).
    assert row["amounts"]["ours"] == "1,800.00" and row["amounts"]["ledger"] == "1,440.00"
    page = client_a.get(JOBS, {"compare": "1"}).content.decode()
    assert "in the ledger 1,440.00" in page and "ours 1,800.00" in page
    assert not re.search(r">\s*(1800|1440)(\.0+)?\s*<", page)


def test_compare_shows_no_ledger_total_for_an_invoice_deleted_in_the_ledger(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=(("1", "300.00", "VAT20"),), closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(kind="invoice", local_number=job.number)
    sandbox.quickbooks.delete_invoice(sandbox.quickbooks.default_realm, link.ledger_id)
    Job.objects.filter(pk=job.pk).set_flags(True, True)
    row = compare(client_a, "jobs")[job.number]
    assert row["amounts"]["ours"] == "360.00" and row["amounts"]["ledger"] == ""
    page = client_a.get(JOBS, {"compare": "1"}).content.decode()
    row_html = page.split(f'data-key="{job.number}"', 1)[1].split("</tr>", 1)[0]
    assert "ours 360.00" in row_html and 'class="ledger"' not in row_html


def test_a_merge_update_names_the_old_customer_on_the_ledger_side(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from fieldbook.customers.merge import merge_customers

    duplicate = make_customer(org_a, "DUP-9", "Pen-y-Bont Plumbing")
    target = make_customer(org_a, "TGT-9", "Pen y Bont Plumbing Ltd")
    job = make_job(org_a, duplicate, closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    make_job(org_a, target, closed=True, flagged=False)  # the target is in the ledger too
    merge_customers(target, [duplicate])
    Job.objects.filter(pk=job.pk).set_flags(True, True)
    row = compare(client_a, "jobs")[job.number]
    change = next(c for c in row["changes"] if c["name"] == "customer_number")
    assert change["ours"] == "TGT-9 · Pen y Bont Plumbing Ltd"
    assert change["theirs"] == "DUP-9 · Pen-y-Bont Plumbing"


def test_run_page_names_a_downloaded_record_and_links_its_ledger_record(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    made = ledger_customer(sandbox, "Brynmawr Café Ltd")
    key = f"ledger:{made['Id']}"
    assert key in {r["key"] for r in client_a.get(COMPARE_DOWN).context["rows"]}
    run = sync_customers(client_a, [key], django_capture_on_commit_callbacks, direction="down")
    customer = Customer.objects.get(organisation=org_a, name="Brynmawr Café Ltd")
    page = client_a.get(reverse("integration:run", args=[run.pk])).content.decode()
    row = page.split(f'data-number="{customer.account_ref}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="{reverse("customers:detail", args=[customer.pk])}">{customer.account_ref}</a>' in row
    assert "Brynmawr Café Ltd" in row
    assert f'/quickbooks/books/{connected.company_id}#customer-{made["Id"]}"' in row


def test_run_and_history_name_the_run_and_count_the_failures(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="GOOD", name="Good Customer Ltd")
    for ref in ("BAD-1", "BAD-2"):  # addresses our form refuses; an import can still hold them
        Customer.objects.filter(pk=Customer.objects.create(organisation=org_a, account_ref=ref, name=ref).pk
                                ).update(email="accounts@nowhere")  # fmt: skip
    run = sync_customers(client_a, ["GOOD", "BAD-1", "BAD-2"], django_capture_on_commit_callbacks)
    assert run.state == "done" and run.counts == {"created": 1, "failed": 2}, run.counts
    from django.utils import timezone

    when = timezone.localtime(run.created_at, org_a.tzinfo)
    name = f"Customers · {when.day} {when:%b %Y, %H:%M}"
    page = client_a.get(reverse("integration:run", args=[run.pk])).content.decode()
    assert f"<title>Sync run: {name}" in page and f"<h1>Sync run: {name}" in page
    assert re.search(r'id="run-state">Done</strong><strong id="run-summary" class="error">, 2 failed<', page)
    history = client_a.get(reverse("integration:history")).content.decode()
    row = history.split(f'data-run="{run.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f">{name}</a>" in row and '<td class="state" data-label="State">done, 2 failed</td>' in row
