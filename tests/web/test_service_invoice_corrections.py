"""Service invoices can be corrected (issue 11): Edit (lines, dates, memo) before and after
transfer, and Void. An invoice a ledger has is flagged again (Update / Void on the next Compare)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from fieldbook.contracts import billing
from fieldbook.contracts.models import ServiceInvoice
from tests.web.isolation.catalogue import make_contract, tax_codes

pytestmark = pytest.mark.django_db


def generated(org: Any, flag: bool = False) -> ServiceInvoice:
    make_contract(org, start=date(2026, 1, 1))
    invoice = billing.generate_invoices(org, date(2026, 1, 1), date(2026, 1, 31)).created[0]
    ServiceInvoice.objects.filter(pk=invoice.pk).update(ready_for_invoice=flag, transfer_to_accounts=flag)
    invoice.refresh_from_db()
    return invoice


def edit_post(invoice: ServiceInvoice, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"invoice_date": "2026-01-05", "period_start": "2026-01-01", "period_end": "2026-01-31",
                            "description": "Planned maintenance, January", **fields}  # fmt: skip
    existing = list(invoice.lines.all())
    data.update({"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(len(existing))})
    for i, line in enumerate(lines):
        if i < len(existing):
            data[f"lines-{i}-id"] = existing[i].pk
        for key, value in {"quantity": "1", "discount_percent": "0", **line}.items():
            data[f"lines-{i}-{key}"] = value
    return data


def test_edit_lines_dates_and_memo_before_transfer(client_a, org_a):  # type: ignore[no-untyped-def]
    invoice = generated(org_a)
    detail = client_a.get(reverse("contracts:invoice_detail", args=[invoice.pk])).content.decode()
    assert reverse("contracts:invoice_edit", args=[invoice.pk]) in detail
    vat = tax_codes(org_a)["VAT20"].pk
    data = edit_post(invoice, [{"description": "Planned visit", "unit_price": "60.00", "tax_code": vat},
                               {"description": "Filter", "unit_price": "12.50", "tax_code": vat}])  # fmt: skip
    response = client_a.post(reverse("contracts:invoice_edit", args=[invoice.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    invoice.refresh_from_db()
    assert invoice.invoice_date == date(2026, 1, 5) and invoice.description == "Planned maintenance, January"
    assert [(ln.description, ln.unit_price) for ln in invoice.lines.all()] == [
        ("Planned visit", Decimal("60.0000")), ("Filter", Decimal("12.5000"))]
    assert invoice.version == 2 and not invoice.flagged  # never transferred: flags left as they were


def test_edit_after_transfer_flags_it_for_an_update(client_a, org_a):  # type: ignore[no-untyped-def]
    invoice = generated(org_a)
    ServiceInvoice.objects.filter(pk=invoice.pk).update(transferred_version=invoice.version)
    page = client_a.get(reverse("contracts:invoice_edit", args=[invoice.pk])).content.decode()
    assert "already in your ledger" in page
    vat = tax_codes(org_a)["VAT20"].pk
    data = edit_post(invoice, [{"description": "Planned visit", "unit_price": "50.00", "tax_code": vat}])
    response = client_a.post(reverse("contracts:invoice_edit", args=[invoice.pk]), data, follow=True)
    assert "flagged to go to the ledger again as an Update" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.ready_for_invoice and invoice.transfer_to_accounts and invoice.version > invoice.transferred_version


def test_an_edit_must_keep_a_line_and_a_valid_period(client_a, org_a):  # type: ignore[no-untyped-def]
    invoice = generated(org_a)
    data = edit_post(invoice, [{"description": "x", "unit_price": "1", "tax_code": tax_codes(org_a)["VAT20"].pk,
                                "DELETE": "on"}], period_end="2025-12-01")  # fmt: skip
    response = client_a.post(reverse("contracts:invoice_edit", args=[invoice.pk]), data)
    assert response.status_code == 200
    assert "The period cannot end before it starts." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.version == 1 and invoice.lines.count() == 1


def test_void_before_transfer_is_local_only_and_final(client_a, org_a):  # type: ignore[no-untyped-def]
    invoice = generated(org_a, flag=True)
    page = client_a.get(reverse("contracts:invoice_void", args=[invoice.pk])).content.decode()
    assert "No ledger has this invoice yet" in page
    client_a.post(reverse("contracts:invoice_void", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.is_voided and not invoice.flagged  # nothing will ever be transferred
    assert not ServiceInvoice.objects.filter(pk=invoice.pk).qualifies_for_transfer().exists()
    response = client_a.get(reverse("contracts:invoice_edit", args=[invoice.pk]), follow=True)
    assert "is voided: it can no longer be changed" in response.content.decode()
    response = client_a.post(reverse("contracts:invoice_void", args=[invoice.pk]), follow=True)
    assert "already voided" in response.content.decode()


def test_void_after_transfer_flags_it_for_the_ledger(client_a, org_a):  # type: ignore[no-untyped-def]
    invoice = generated(org_a)
    ServiceInvoice.objects.filter(pk=invoice.pk).update(transferred_version=invoice.version)
    page = client_a.get(reverse("contracts:invoice_void", args=[invoice.pk])).content.decode()
    assert "only when you tick it there" in page
    response = client_a.post(reverse("contracts:invoice_void", args=[invoice.pk]), follow=True)
    assert "voided in the ledger at the next Service Contracts sync" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.is_voided and invoice.flagged
    assert ServiceInvoice.objects.filter(pk=invoice.pk).qualifies_for_transfer().exists()


def test_only_an_admin_voids(client, bob, org_a):  # type: ignore[no-untyped-def]
    invoice = generated(org_a)
    client.force_login(bob)
    assert "Only an admin can void" in client.get(reverse("contracts:invoice_void", args=[invoice.pk])).content.decode()
    assert client.post(reverse("contracts:invoice_void", args=[invoice.pk])).status_code == 403
    invoice.refresh_from_db()
    assert not invoice.is_voided
