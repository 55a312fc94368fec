from __future__ import annotations

from django.urls import reverse

from fieldbook.contracts import billing
from fieldbook.contracts.models import ServiceContract, ServiceInvoice
from tests.web.isolation.catalogue import make_contract, make_customer, tax_codes


def contract(org):  # type: ignore[no-untyped-def]
    row = make_contract(org)
    return row, {"pk": row.pk}


def invoice(org):  # type: ignore[no-untyped-def]
    row = _invoice_this_month(org, make_customer(org))
    return row, {"pk": row.pk}


def _invoice_this_month(org, customer):  # type: ignore[no-untyped-def]
    first, last = billing.current_month(org)
    make_contract(org, customer=customer, start=first)
    return billing.generate_invoices(org, first, last).created[0]


def contract_list_marker(org):  # type: ignore[no-untyped-def]
    make_contract(org, description="Zanzibar Alpha Contract")
    return "Zanzibar Alpha Contract"


def invoices_list_marker(org):  # type: ignore[no-untyped-def]
    _invoice_this_month(org, make_customer(org, "ZZ", "Zanzibar Alpha Invoiced"))
    return "Zanzibar Alpha Invoiced"


def create_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    customer, code = make_customer(org_a), tax_codes(org_a)["VAT20"]
    response = client_b.post(reverse("contracts:create"), {
        "customer": customer.pk, "description": "x", "start_date": "2026-01-01", "billing_frequency": "monthly",
        "billing_timing": "advance", "active": "on", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "x", "lines-0-quantity": "1", "lines-0-unit_price": "1", "lines-0-tax_code": code.pk,
    })  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors["customer"] + response.context["lines"].forms[0].errors["tax_code"]
    assert all("Select a valid choice" in e for e in errors) and len(errors) == 2
    assert not ServiceContract.objects.exists()


def generate_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    first, last = billing.current_month(org_a)
    make_contract(org_a, start=first)
    client_b.post(reverse("contracts:generate"), {"period_from": first.isoformat(), "period_to": last.isoformat()})
    assert not ServiceInvoice.objects.exists()


def set_flags_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    row, _ = invoice(org_a)
    client_b.post(reverse("contracts:set_flags"), {"selected": [row.pk]})  # would clear both flags
    row.refresh_from_db()
    assert (row.ready_for_invoice, row.transfer_to_accounts, row.version) == (True, True, 1)


OBJECTS = {
    "contracts:detail": (contract, ("GET",)),
    "contracts:edit": (contract, ("GET", "POST")),
    "contracts:invoice_detail": (invoice, ("GET",)),
    "contracts:invoice_edit": (invoice, ("GET", "POST")),
    "contracts:invoice_void": (invoice, ("GET", "POST")),
}
LISTS = {"contracts:list": contract_list_marker, "contracts:invoices": invoices_list_marker}
FOREIGN_POSTS = {
    "contracts:create": create_foreign,
    "contracts:generate": generate_foreign,
    "contracts:set_flags": set_flags_foreign,
}
