"""Service invoices corrected after their transfer, through the pages to the QuickBooks Online
sandbox: an edit goes up as an Update of the same ledger invoice; a void is offered on Compare
and voided in the ledger only when ticked there."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbook.contracts.billing import generate_invoices
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.integration.models import ExternalLink, SyncRun
from tests.integration.test_invoices_sync import books, compare, ledger_invoices, sync  # noqa: F401 (fixture)
from tests.web.isolation.catalogue import make_contract, make_customer
from tests.web.test_service_invoice_corrections import edit_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def transferred(client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]  # noqa: F811
    make_contract(org_a, make_customer(org_a, "CARE", "Heulwen Care Home"), start=date(2026, 1, 1))
    [invoice] = generate_invoices(org_a, date(2026, 1, 1), date(2026, 1, 31)).created
    run = sync(client_a, "contracts", [invoice.number], django_capture_on_commit_callbacks)
    assert run.counts == {"created": 2}, (run.counts, run.reason)
    invoice.refresh_from_db()
    return invoice


def test_an_edit_after_transfer_updates_the_same_ledger_invoice(
        client_a, org_a, transferred, sandbox, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from tests.web.isolation.catalogue import tax_codes

    invoice = transferred
    [before] = ledger_invoices(sandbox, invoice.number)
    data = edit_post(invoice, [{"description": "Planned visit, extended", "unit_price": "80.00",
                                "tax_code": tax_codes(org_a)["VAT20"].pk}],
                     invoice_date="2026-01-10", description="January visit (corrected)")  # fmt: skip
    assert client_a.post(reverse("contracts:invoice_edit", args=[invoice.pk]), data).status_code == 302
    row = compare(client_a, "contracts")[invoice.number]
    assert row["label"] == "Update"
    assert {c["name"] for c in row["changes"]} >= {"issue_date", "lines", "memo", "total"}
    run = sync(client_a, "contracts", [invoice.number], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.blocked)
    [after] = ledger_invoices(sandbox, invoice.number)
    assert after["Id"] == before["Id"] and after["TxnDate"] == "2026-01-10"
    assert Decimal(str(after["TotalAmt"])) == Decimal("96.00")
    assert after["CustomerMemo"]["value"] == "January visit (corrected)"
    assert compare(client_a, "contracts") == {}


def test_a_void_reaches_the_ledger_only_after_confirmation_on_compare(
        client_a, org_a, transferred, sandbox, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    invoice = transferred
    ledger_id = ExternalLink.objects.get(kind="invoice", local_number=invoice.number).ledger_id
    client_a.post(reverse("contracts:invoice_void", args=[invoice.pk]))
    row = compare(client_a, "contracts")[invoice.number]
    assert row["label"] == "Void" and row["selectable"] and row["tick"]["value"] == "void"
    page = client_a.get(reverse("integration:transfer", args=["quickbooks", "contracts"]), {"compare": "1"})
    assert f'name="confirm:{invoice.number}" value="void"' in page.content.decode()

    run = sync(client_a, "contracts", [invoice.number], django_capture_on_commit_callbacks)  # selected, not ticked
    assert run.counts == {} and "tick" in run.blocked[0]["reason"], (run.counts, run.blocked)
    assert "Voided" not in str(ledger_invoices(sandbox, invoice.number)[0].get("PrivateNote", ""))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("integration:start", args=["quickbooks", "contracts"]),
                                 {"selected": [invoice.number], f"confirm:{invoice.number}": "void"})  # fmt: skip
    run = SyncRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert run.counts == {"voided": 1}, (run.counts, run.blocked, [s.outcome for s in run.steps.all()])
    [voided] = ledger_invoices(sandbox, invoice.number)
    assert voided["Id"] == ledger_id and voided["PrivateNote"].startswith("Voided")
    assert Decimal(str(voided["TotalAmt"])) == 0
    invoice.refresh_from_db()
    assert invoice.is_voided and not invoice.flagged
    assert compare(client_a, "contracts") == {}
    assert ServiceInvoice.objects.filter(pk=invoice.pk, status="voided").exists()
