"""Bounds every ledger accepts, on every form, filter and command; no input gives a 500 (issue 18, Bounds)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from fieldbook.contracts.models import ServiceContract
from fieldbook.customers.models import Customer
from fieldbook.jobs.models import Job
from tests.web.isolation.catalogue import make_contract, make_customer, make_job, tax_codes
from tests.web.test_contracts import contract_post
from tests.web.test_jobs import job_post

pytestmark = pytest.mark.django_db


def customer_post(**fields: str) -> dict[str, str]:
    return {"account_ref": "C900", "name": "Evans Dental", "country": "United Kingdom", "active": "on",
            "integrate": "on", **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        ("999999999", "9999999999.9999", "at most"),  # the adversarial pass's line
        ("1000000", "1", "A quantity can be at most"),
        ("1", "100000000", "A unit price can be at most"),
        ("999999", "1000", "comes to more than 99,999,999.99"),
    ],
)
def test_a_line_beyond_what_every_ledger_accepts_is_refused(client_a, org_a, quantity, price, message):  # type: ignore[no-untyped-def]
    codes = tax_codes(org_a)
    line = {"description": "Huge", "quantity": quantity, "unit_price": price, "tax_code": codes["VAT20"].pk}
    response = client_a.post(reverse("jobs:create"), job_post(make_customer(org_a), [line]))
    assert response.status_code == 200
    assert message in str(response.context["lines"].forms[0].errors)
    assert not Job.objects.exists()


def test_a_document_total_beyond_the_limit_is_refused(client_a, org_a):  # type: ignore[no-untyped-def]
    codes = tax_codes(org_a)
    line = {"description": "Big", "quantity": "1", "unit_price": "60000000", "tax_code": codes["VAT20"].pk}
    response = client_a.post(reverse("jobs:create"), job_post(make_customer(org_a), [line, line]))
    assert response.status_code == 200
    assert "every ledger accepts at most 99,999,999.99" in str(response.context["lines"].non_form_errors())
    assert not Job.objects.exists()
    # The largest line every ledger takes is accepted.
    line["unit_price"] = "83333333.32"  # 99,999,999.98 with VAT
    assert client_a.post(reverse("jobs:create"), job_post(make_customer(org_a), [line])).status_code == 302


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2100-01-01"])
def test_contract_dates_out_of_range_are_refused(client_a, org_a, day):  # type: ignore[no-untyped-def]
    data = contract_post(make_customer(org_a), tax_codes(org_a)["VAT20"], start_date=day)
    response = client_a.post(reverse("contracts:create"), data)
    assert response.status_code == 200
    assert "Enter a date between 01/01/1900 and 31/12/2099" in str(response.context["form"].errors["start_date"])
    assert not ServiceContract.objects.exists()


def test_generating_for_year_9999_says_so_instead_of_a_500(client_a, org_a):  # type: ignore[no-untyped-def]
    make_contract(org_a)
    response = client_a.post(reverse("contracts:generate"), {"period_from": "9999-06-01", "period_to": "9999-11-30"},
                             follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "Enter a date between 01/01/1900 and 31/12/2099" in response.content.decode()


@pytest.mark.parametrize("params", [
    {"closed_from": "0001-01-01", "closed_to": "9999-12-31"},
    {"closed_from": "9999-12-31"},
    {"closed_to": "0001-01-01"},
])  # fmt: skip
def test_closed_jobs_filter_out_of_range_says_so_instead_of_a_500(client_a, org_a, params):  # type: ignore[no-untyped-def]
    make_job(org_a, closed=True)
    response = client_a.get(reverse("jobs:closed"), params)
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()


def test_service_invoices_filter_out_of_range_says_so(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.get(reverse("contracts:invoices"), {"period_from": "0001-01-01", "period_to": "0001-02-01"})
    assert response.status_code == 200 and "Enter a date between" in response.content.decode()


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "not-a-date"])
def test_demo_data_as_of_out_of_range_is_an_error_not_a_traceback(db, as_of):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match=r"Enter a date between|is not a date"):
        call_command("demo_data", customers=2, jobs=2, as_of=as_of, stdout=StringIO())


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "\u202e\u202e"), ("name", "Smith\u202eesreveR"), ("name", "\u200b\u2060"), ("account_ref", "C\u202e1"),
     ("account_ref", "\u200b")],
)
def test_names_need_a_visible_character_and_no_direction_controls(client_a, org_a, field, value):  # type: ignore[no-untyped-def]
    response = client_a.post(reverse("customers:create"), customer_post(**{field: value}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Customer.objects.exists()


def test_a_contract_reference_with_direction_controls_is_refused(client_a, org_a):  # type: ignore[no-untyped-def]
    data = contract_post(make_customer(org_a), tax_codes(org_a)["VAT20"], reference="REF\u2066-1")
    response = client_a.post(reverse("contracts:create"), data)
    assert response.status_code == 200 and "reference" in response.context["form"].errors


def test_ordinary_international_names_are_accepted(client_a, org_a):  # type: ignore[no-untyped-def]
    for n, name in enumerate(["Siân Ó Súilleabháin", "Zoë & Łukasz Ltd", "مكتب الخدمات", "שירותי שרברבות"]):
        response = client_a.post(reverse("customers:create"), customer_post(account_ref=f"C9{n}", name=name))
        assert response.status_code == 302, response.context["form"].errors
