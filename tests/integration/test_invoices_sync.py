"""Invoice Jobs and Service Contracts through the pages, to the QuickBooks Online sandbox via the
real connector: the customer first, the invoice once, flags cleared, updates, ledger-side voids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbook.contracts.billing import generate_invoices
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.integration.models import ExternalLink, SyncRun
from fieldbook.jobs.models import Job
from tests.web.isolation.catalogue import make_contract, make_customer, make_job, tax_codes

pytestmark = pytest.mark.django_db


def compare(client, option):  # type: ignore[no-untyped-def]
    response = client.get(reverse("integration:transfer", args=["quickbooks", option]), {"compare": "1"})
    assert response.status_code == 200
    return {row["key"]: row for row in response.context.get("rows") or []}


def sync(client, option, keys, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = client.post(reverse("integration:start", args=["quickbooks", option]), {"selected": keys})
    assert response.status_code == 302, response.content
    return SyncRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def books(org_a, request):  # type: ignore[no-untyped-def]
    """UK VAT codes in Fieldbook, then connected (the tax mapping is suggested at Connect)."""
    tax_codes(org_a)
    return request.getfixturevalue("connected")


def ledger_invoices(sandbox, doc_number):  # type: ignore[no-untyped-def]
    return [i for i in sandbox.quickbooks.invoices() if i.get("DocNumber") == doc_number]


def test_invoice_job_creates_its_customer_first_then_the_invoice_once(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    customer = make_customer(org_a, "TEAROOM", "Tŷ Te Tearooms")
    job = make_job(org_a, customer, lines=(("1", "33.335", "VAT20"),) * 3, closed=True, flagged=True)
    make_job(org_a, customer, closed=True, flagged=False)  # closed but not flagged: not listed
    make_job(org_a, customer, closed=False, flagged=True)  # flagged but open: not listed
    rows = compare(client_a, "jobs")
    assert list(rows) == [job.number] and rows[job.number]["label"] == "Add"
    totals = rows[job.number]["totals"]
    # Fieldbook rounds tax per line (3 x 6.67 on 3 x 33.34); QBO left to itself per rate on the total
    # (20.00 on 100.02): we send our VAT per rate and the ledger keeps it, so nothing differs.
    assert totals.ours.total == Decimal("120.03") and totals.theirs.total == Decimal("120.03")
    assert not totals.differs and not totals.warning
    run = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert run.state == "done", run.reason
    assert run.counts == {"created": 2}, run.counts  # the customer, then the invoice
    steps = list(run.steps.values_list("kind", "status"))
    assert steps == [("customer", "created"), ("invoice", "created")]
    [invoice] = ledger_invoices(sandbox, job.number)
    [ledger_customer] = [c for c in sandbox.quickbooks.customers() if c["DisplayName"] == "Tŷ Te Tearooms"]
    assert invoice["CustomerRef"]["value"] == ledger_customer["Id"]
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("120.03")  # ours, as predict_totals said
    assert [Decimal(str(t["Amount"])) for t in invoice["TxnTaxDetail"]["TaxLine"]] == [Decimal("20.01")]
    assert f"fieldbook:alpha:{job.number}" in invoice["PrivateNote"]
    job.refresh_from_db()
    assert not job.ready_for_invoice and not job.transfer_to_accounts and job.transferred_version == job.version
    page = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert f"id {invoice['Id']}" in page and f"number {job.number}" in page
    assert compare(client_a, "jobs") == {}
    # Setting the flags again forces a re-send (the user's guide): an Update of the same ledger
    # invoice, never a second one.
    Job.objects.filter(pk=job.pk).set_flags(True, True)
    row = compare(client_a, "jobs")[job.number]
    assert row["label"] == "Update" and "flags were set again" in row["reason"]
    run = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.blocked)
    assert len(ledger_invoices(sandbox, job.number)) == 1
    assert compare(client_a, "jobs") == {}  # flags cleared by the transfer


def test_editing_a_transferred_job_reappears_as_an_update(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=(("1", "100.00", "VAT20"),), closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    job.refresh_from_db()
    line = job.lines.get()
    line.unit_price = Decimal("150.00")
    line.save()
    job.reflag_if_transferred()
    job.save()
    rows = compare(client_a, "jobs")
    assert rows[job.number]["label"] == "Update"
    run = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.reason)
    [invoice] = ledger_invoices(sandbox, job.number)
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("180.00")


def test_an_invoice_voided_in_the_ledger_is_shown_and_recreated_once_only_when_flagged_and_selected(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(kind="invoice", local_number=job.number)
    sandbox.quickbooks.void_invoice(sandbox.quickbooks.default_realm, link.ledger_id)
    assert compare(client_a, "jobs") == {}  # not flagged: nothing happens to it
    Job.objects.filter(pk=job.pk).set_flags(True, True)  # the user forces it into the next transfer
    rows = compare(client_a, "jobs")
    assert rows[job.number]["label"] == "Add" and rows[job.number]["selectable"]
    assert "voided in the ledger, and its flags were set again" in rows[job.number]["reason"]
    # Selected: QuickBooks keeps the voided copy under the number, so the re-create says
    # include=allowduplicatedocnum; its reply is lost (the write committed), and the lookup by
    # number finds the new invoice, never the voided one: created once.
    sandbox.faults.add(kind="commit_then_drop", count=1, match="/batch")
    run = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert run.counts == {"created": 1}, (run.counts, list(run.steps.values("outcome")))
    invoices = ledger_invoices(sandbox, job.number)
    assert len(invoices) == 2 and sandbox.faults.fired()
    [again] = [i for i in invoices if i["Id"] != link.ledger_id]
    assert not str(again.get("PrivateNote", "")).startswith("Voided")
    assert ExternalLink.objects.get(kind="invoice", local_number=job.number).ledger_id == again["Id"]
    assert compare(client_a, "jobs") == {}  # flags cleared: nothing more to send


def test_an_invoice_deleted_in_the_ledger_is_recreated_once_when_flagged_and_selected(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(kind="invoice", local_number=job.number)
    sandbox.quickbooks.delete_invoice(sandbox.quickbooks.default_realm, link.ledger_id)
    Job.objects.filter(pk=job.pk).set_flags(True, True)
    row = compare(client_a, "jobs")[job.number]
    assert row["label"] == "Add" and "deleted in the ledger" in row["reason"]
    run = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert run.counts == {"created": 1}, (run.counts, list(run.steps.values("outcome")))
    [again] = [i for i in ledger_invoices(sandbox, job.number) if i.get("_status") != "Deleted"]
    assert again["Id"] != link.ledger_id
    assert ExternalLink.objects.get(kind="invoice", local_number=job.number).ledger_id == again["Id"]


def test_service_contract_invoices_transfer(client_a, org_a, books, sandbox, immediate_tasks,
                                            django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    make_contract(org_a, make_customer(org_a, "CARE", "Heulwen Care Home"), start=date(2026, 1, 31))
    generate_invoices(org_a, date(2026, 2, 1), date(2026, 3, 31))
    numbers = sorted(ServiceInvoice.objects.filter(organisation=org_a).values_list("number", flat=True))
    assert len(numbers) == 2
    rows = compare(client_a, "contracts")
    assert sorted(rows) == numbers and {r["label"] for r in rows.values()} == {"Add"}
    run = sync(client_a, "contracts", numbers, django_capture_on_commit_callbacks)
    assert run.counts == {"created": 3}, (run.counts, run.reason)  # one customer, two invoices
    for number in numbers:
        [invoice] = ledger_invoices(sandbox, number)
        assert Decimal(str(invoice["TotalAmt"])) == Decimal("54.00")
    assert not ServiceInvoice.objects.filter(organisation=org_a, ready_for_invoice=True).exists()


def test_after_a_merge_later_invoices_go_to_the_targets_ledger_customer(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from fieldbook.customers.merge import merge_customers

    duplicate = make_customer(org_a, "DUP-1", "Pen-y-Bont Plumbing")
    target = make_customer(org_a, "TGT-1", "Pen y Bont Plumbing Ltd")
    first = make_job(org_a, duplicate, closed=True, flagged=True)
    second = make_job(org_a, target, closed=True, flagged=True)
    sync(client_a, "jobs", [first.number, second.number], django_capture_on_commit_callbacks)
    in_ledger = {c["DisplayName"]: c["Id"] for c in sandbox.quickbooks.customers()}
    assert {"Pen-y-Bont Plumbing", "Pen y Bont Plumbing Ltd"} <= set(in_ledger)

    merge_customers(target, [duplicate])
    later = make_job(org_a, Job.objects.get(pk=first.pk).customer, closed=True, flagged=True)
    assert later.customer_id == target.pk
    run = sync(client_a, "jobs", [later.number], django_capture_on_commit_callbacks)
    assert run.counts == {"created": 1}, (run.counts, run.reason, run.blocked)  # no customer step: the target is linked
    [invoice] = ledger_invoices(sandbox, later.number)
    assert invoice["CustomerRef"]["value"] == in_ledger["Pen y Bont Plumbing Ltd"]
    # The duplicate's link stays as history, and nothing was merged or deactivated in the ledger.
    assert ExternalLink.objects.filter(kind="customer", local_number="DUP-1").exists()
    ledger_names = {c["DisplayName"]: c.get("Active", True) for c in sandbox.quickbooks.customers()}
    assert ledger_names["Pen-y-Bont Plumbing"] is True


def test_a_job_whose_ledger_total_differs_shows_both(client_a, org_a, books, sandbox, immediate_tasks,
                                                     django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=(("1", "759.975", "VAT20"),), closed=True, flagged=True)
    sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(kind="invoice", local_number=job.number)
    assert link.ledger_values["total"] == link.local_values["total"] == "911.98"
    page = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Total in QuickBooks Online: 911.98 · ours: 911.98" in page and "they differ" not in page
    # Sent knowingly with the ledger's own figure (say the user accepted Compare's warning):
    link.ledger_values = {**link.ledger_values, "total": "911.97"}
    link.save()
    page = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Total in QuickBooks Online: 911.97 · ours: 911.98 — they differ" in page


def test_a_job_beyond_the_limits_every_ledger_accepts_cannot_be_sent(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    # Saved without the forms (before the limits existed, say): the adversarial pass's line.
    job = make_job(org_a, lines=(("999999999", "9999999999.9999", "VAT20"),), closed=True, flagged=True)
    row = compare(client_a, "jobs")[job.number]
    assert "quantity 999,999,999 is beyond the 999,999 every ledger accepts" in row["problem"]
    page = client_a.get(reverse("integration:transfer", args=["quickbooks", "jobs"]), {"compare": "1"})
    assert "Cannot be sent: Line 1" in page.content.decode()
    run = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert not run.steps.filter(kind="invoice").exists() and not ledger_invoices(sandbox, job.number)
    assert "999,999 every ledger accepts" in str(run.blocked)


def test_a_job_description_longer_than_the_ledgers_memo_is_refused_never_cut(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True, flagged=True, description="Boiler service. " * 62 + "Done")  # 996
    longer = make_job(org_a, closed=True, flagged=True, description="Boiler service. " * 63)  # 1,008 characters
    rows = compare(client_a, "jobs")
    assert not rows[job.number]["problem"]
    assert "memo (the job's description) is longer than the 1,000 characters" in rows[longer.number]["problem"]
    assert "(1,008 characters)" in rows[longer.number]["problem"]
    run = sync(client_a, "jobs", [job.number, longer.number], django_capture_on_commit_callbacks)
    assert run.counts == {"created": 2}, (run.counts, run.blocked)  # the customer and the shorter job
    [sent] = ledger_invoices(sandbox, job.number)
    assert sent["CustomerMemo"]["value"] == job.description  # whole
    assert not ledger_invoices(sandbox, longer.number)
    assert "1,000 characters" in str(run.blocked)
