"""Service contracts: billing periods anchored on the start day, advance / arrears, generation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fieldbook.contracts import billing
from fieldbook.contracts.models import ServiceContract, ServiceInvoice
from fieldbook.core.models import Organisation
from tests.web.isolation.catalogue import make_contract, make_customer, tax_codes

pytestmark = pytest.mark.django_db
D = date


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 1, 31), 2, D(2026, 3, 31)),  # back to the 31st: anchored on the start day, no drift
        (D(2026, 1, 31), 3, D(2026, 4, 30)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(anchor: date, months: int, expected: date) -> None:
    assert billing.add_months(anchor, months) == expected


def test_monthly_periods_from_31_january(org_a):  # type: ignore[no-untyped-def]
    contract = make_contract(org_a, start=D(2026, 1, 31))
    got = [(p.start, p.end, p.invoice_date) for p in billing.periods(contract, until=D(2026, 4, 30))]
    assert got == [
        (D(2026, 1, 31), D(2026, 2, 27), D(2026, 1, 31)),
        (D(2026, 2, 28), D(2026, 3, 30), D(2026, 2, 28)),
        (D(2026, 3, 31), D(2026, 4, 29), D(2026, 3, 31)),
        (D(2026, 4, 30), D(2026, 5, 30), D(2026, 4, 30)),
    ]


def test_arrears_are_dated_the_last_day_and_the_end_date_cuts_the_last_period(org_a):  # type: ignore[no-untyped-def]
    contract = make_contract(org_a, start=D(2026, 1, 1), frequency="quarterly", timing="arrears", end=D(2026, 8, 15))
    got = [(p.start, p.end, p.invoice_date) for p in billing.periods(contract, until=D(2027, 1, 1))]
    assert got == [
        (D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 6, 30), D(2026, 6, 30)),
        (D(2026, 7, 1), D(2026, 8, 15), D(2026, 8, 15)),
    ]


@pytest.mark.parametrize(
    ("frequency", "timing", "window", "expected_dates"),
    [
        ("monthly", "advance", (D(2026, 2, 1), D(2026, 2, 28)), [D(2026, 2, 28)]),
        ("monthly", "arrears", (D(2026, 2, 1), D(2026, 2, 28)), [D(2026, 2, 27)]),
        ("six_monthly", "advance", (D(2026, 1, 1), D(2026, 12, 31)), [D(2026, 1, 31), D(2026, 7, 31)]),
        ("annually", "advance", (D(2027, 1, 1), D(2027, 12, 31)), [D(2027, 1, 31)]),
        ("annually", "arrears", (D(2026, 1, 1), D(2026, 12, 31)), []),
    ],
)
def test_due_periods(org_a, frequency, timing, window, expected_dates):  # type: ignore[no-untyped-def]
    contract = make_contract(org_a, start=D(2026, 1, 31), frequency=frequency, timing=timing)
    assert [p.invoice_date for p in billing.due_periods(contract, *window)] == expected_dates


def test_today_and_this_month_are_local_to_the_organisation(org_a):  # type: ignore[no-untyped-def]
    just_after_midnight_in_london = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # BST began 29 March
    assert billing.local_today(org_a, just_after_midnight_in_london) == D(2026, 4, 1)
    assert billing.current_month(org_a, just_after_midnight_in_london) == (D(2026, 4, 1), D(2026, 4, 30))
    auckland = Organisation(name="Kiwi", slug="kiwi", timezone="Pacific/Auckland")
    assert billing.local_today(auckland, datetime(2026, 1, 31, 11, 0, tzinfo=UTC)) == D(2026, 2, 1)


def test_generate_numbers_copies_lines_flags_and_is_idempotent(org_a):  # type: ignore[no-untyped-def]
    monthly = make_contract(org_a, start=D(2026, 1, 31))
    quarterly = make_contract(org_a, customer=make_customer(org_a, "Q1", "Quarterly Ltd"), start=D(2025, 12, 1),
                              frequency="quarterly", timing="arrears")  # fmt: skip
    result = billing.generate_invoices(org_a, D(2026, 2, 1), D(2026, 2, 28))
    assert [(i.number, i.contract, i.invoice_date) for i in result.created] == [
        ("S0001", monthly, D(2026, 2, 28)), ("S0002", quarterly, D(2026, 2, 28))
    ]
    inv = ServiceInvoice.objects.get(number="S0002")
    assert (inv.period_start, inv.period_end, inv.customer) == (D(2025, 12, 1), D(2026, 2, 28), quarterly.customer)
    assert inv.ready_for_invoice and inv.transfer_to_accounts and inv.version == 1
    assert [line.description for line in inv.lines.all()] == ["Planned maintenance visit"]
    assert inv.totals().total == Decimal("54.00")
    assert set(ServiceInvoice.objects.qualifies_for_transfer()) == set(result.created)
    again = billing.generate_invoices(org_a, D(2026, 2, 1), D(2026, 2, 28))
    assert again.created == [] and again.already == 2
    march = billing.generate_invoices(org_a, D(2026, 3, 1), D(2026, 3, 31))
    assert [i.number for i in march.created] == ["S0003"]


def test_generate_skips_inactive_and_ended_contracts_and_follows_the_preference(org_a):  # type: ignore[no-untyped-def]
    org_a.flag_service_invoices_on_generate = False
    org_a.save()
    make_contract(org_a, start=D(2026, 1, 1))
    inactive = make_contract(org_a, start=D(2026, 1, 1))
    ServiceContract.objects.filter(pk=inactive.pk).update(active=False)
    make_contract(org_a, start=D(2025, 1, 1), end=D(2025, 12, 31))
    created = billing.generate_invoices(org_a, D(2026, 3, 1), D(2026, 3, 31)).created
    assert len(created) == 1 and not created[0].ready_for_invoice and not created[0].transfer_to_accounts


def test_the_database_refuses_a_second_invoice_for_a_contract_period(org_a):  # type: ignore[no-untyped-def]
    contract = make_contract(org_a, start=D(2026, 1, 1))
    first = billing.generate_invoices(org_a, D(2026, 1, 1), D(2026, 1, 31)).created[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceInvoice.objects.create(organisation=org_a, number="S9999", contract=contract,
                                      customer=contract.customer, period_start=first.period_start,
                                      period_end=first.period_end, invoice_date=first.invoice_date)  # fmt: skip


def test_service_invoices_page_generates_for_the_chosen_period(client_a, org_a):  # type: ignore[no-untyped-def]
    make_contract(org_a, start=D(2026, 1, 31))
    period = {"period_from": "2026-02-01", "period_to": "2026-02-28"}
    response = client_a.post(reverse("contracts:generate"), period, follow=True)
    page = response.content.decode()
    assert "Generated 1 service invoice(s) (S0001 to S0001)" in page and "28 Feb 2026" in page
    again = client_a.post(reverse("contracts:generate"), period, follow=True).content.decode()
    assert "1 were already generated" in again and ServiceInvoice.objects.count() == 1


def test_generate_refuses_a_bad_period(client_a, org_a):  # type: ignore[no-untyped-def]
    make_contract(org_a, start=D(2026, 1, 31))
    bad = {"period_from": "2026-03-01", "period_to": "2026-02-01"}
    page = client_a.post(reverse("contracts:generate"), bad, follow=True).content.decode()
    assert "before its start" in page and not ServiceInvoice.objects.exists()


def test_page_defaults_to_this_month_in_the_organisations_time_zone(client_a, org_a, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(billing, "timezone", SimpleNamespace(now=lambda: datetime(2026, 3, 31, 23, 30, tzinfo=UTC)))
    form = client_a.get(reverse("contracts:invoices")).context["filter"]
    assert (form.cleaned_data["period_from"], form.cleaned_data["period_to"]) == (D(2026, 4, 1), D(2026, 4, 30))


def test_set_flags_on_service_invoices(client_a, org_a):  # type: ignore[no-untyped-def]
    make_contract(org_a, start=D(2026, 1, 1))
    a, b = billing.generate_invoices(org_a, D(2026, 1, 1), D(2026, 2, 28)).created
    response = client_a.post(reverse("contracts:set_flags"), {
        "selected": [a.pk], "period_from": "2026-01-01", "period_to": "2026-02-28",
    })  # fmt: skip
    assert response["Location"] == reverse("contracts:invoices") + "?period_from=2026-01-01&period_to=2026-02-28"
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.ready_for_invoice, a.transfer_to_accounts, a.version) == (False, False, 2)
    assert (b.ready_for_invoice, b.version) == (True, 1)
    listing = client_a.get(reverse("contracts:invoices"), {"period_from": "2026-01-01", "period_to": "2026-02-28",
                                                           "flags": "unset"})  # fmt: skip
    assert [i.number for i in listing.context["object_list"]] == [a.number]


def contract_post(customer, tax_code, **fields):  # type: ignore[no-untyped-def]
    return {
        "customer": customer.pk, "description": "Gas safety — landlord", "start_date": "2026-01-31",
        "billing_frequency": "monthly", "billing_timing": "advance", "active": "on",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-description": "Monthly visit",
        "lines-0-quantity": "1", "lines-0-unit_price": "45", "lines-0-discount_percent": "0",
        "lines-0-tax_code": tax_code.pk, **fields,
    }  # fmt: skip


def test_create_contract_with_lines(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.post(reverse("contracts:create"), contract_post(make_customer(org_a), tax_codes(org_a)["VAT5"]))
    assert response.status_code == 302
    contract = ServiceContract.objects.get(organisation=org_a)
    assert contract.start_date == D(2026, 1, 31) and contract.lines.get().unit_price == Decimal(45)
    assert "Monthly visit" in client_a.get(reverse("contracts:detail", args=[contract.pk])).content.decode()


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"end_date": "2026-01-01"}, "end_date", "cannot end before it starts"),
        ({"start_date": "31/31/2026"}, "start_date", "Enter a valid date"),
        ({"billing_frequency": "weekly"}, "billing_frequency", "Select a valid choice"),
        ({"lines-0-description": "", "lines-0-unit_price": "", "lines-0-tax_code": "", "lines-0-quantity": ""},
         "line", "Describe the line or choose an item"),
    ],
)
def test_bad_contract_is_explained_and_nothing_saved(client_a, org_a, fields, where, message):  # type: ignore[no-untyped-def]
    data = contract_post(make_customer(org_a), tax_codes(org_a)["VAT20"], **fields)
    response = client_a.post(reverse("contracts:create"), data)
    assert response.status_code == 200
    errors = response.context["lines"].forms[0].errors["description"] if where == "line" else \
        response.context["form"].errors[where]
    assert message in " ".join(errors)
    assert not ServiceContract.objects.exists()
