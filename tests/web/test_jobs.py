"""Jobs: numbers, lines and totals, close / reopen, the two invoice flags and versions."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fieldbook.catalogue.models import Item
from fieldbook.core.money import Totals
from fieldbook.jobs.models import Job
from tests.web.isolation.catalogue import make_customer, make_job, tax_codes

pytestmark = pytest.mark.django_db


def job_post(customer: Any, lines: list[dict[str, Any]], job: Job | None = None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"customer": customer.pk, "description": "Annual boiler service", "site_address": "",
                            **fields}  # fmt: skip
    existing = list(job.lines.all()) if job else []
    data.update({"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(len(existing))})
    for i, line in enumerate(lines):
        if i < len(existing):
            data[f"lines-{i}-id"] = existing[i].pk
        for key, value in {"kind": "labour", "quantity": "1", "discount_percent": "0", **line}.items():
            data[f"lines-{i}-{key}"] = value
    return data


def test_create_job_with_lines_numbers_and_totals(client_a, org_a):  # type: ignore[no-untyped-def]
    codes, customer = tax_codes(org_a), make_customer(org_a)
    lines = [
        {"description": "Labour", "quantity": "2", "unit_price": "50", "tax_code": codes["VAT20"].pk},
        {"kind": "part", "description": "Valve", "unit_price": "33.335", "tax_code": codes["VAT20"].pk},
        {"kind": "other", "description": "Loyalty credit", "quantity": "-1", "unit_price": "10",
         "tax_code": codes["VAT20"].pk, "is_credit": "on"},
        {"kind": "part", "description": "Child seat", "unit_price": "20", "discount_percent": "10",
         "tax_code": codes["VAT5"].pk},
    ]  # fmt: skip
    response = client_a.post(reverse("jobs:create"), job_post(customer, lines))
    assert response.status_code == 302
    job = Job.objects.get(organisation=org_a)
    assert job.number == "J1001" and job.status == "open" and job.version == 1
    assert [line.kind for line in job.lines.all()] == ["labour", "part", "other", "part"]
    # 100.00 + 33.34 - 10.00 at 20 % (20.00 + 6.67 - 2.00) and 18.00 at 5 % (0.90)
    assert job.totals() == Totals(Decimal("141.34"), Decimal("25.57"), Decimal("166.91"))
    page = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "166.91" in page and "33.335" in page
    client_a.post(reverse("jobs:create"), job_post(customer, lines[:1]))
    assert Job.objects.filter(organisation=org_a).order_by("id").last().number == "J1002"  # type: ignore[union-attr]


def test_item_fills_blank_description_price_and_tax_code(client_a, org_a):  # type: ignore[no-untyped-def]
    codes = tax_codes(org_a)
    item = Item.objects.create(organisation=org_a, code="GAS", name="Gas safety check", unit_price=Decimal("72.50"),
                               tax_code=codes["VAT5"])  # fmt: skip
    response = client_a.post(reverse("jobs:create"), job_post(make_customer(org_a), [{"item": item.pk}]))
    assert response.status_code == 302
    line = Job.objects.get().lines.get()
    assert (line.description, line.unit_price, line.tax_code, line.item) == ("Gas safety check", Decimal("72.5"),
                                                                            codes["VAT5"], item)  # fmt: skip


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": "-1"}, "quantity", "only allowed on a line marked as credit"),
        ({"is_credit": "on"}, "quantity", "credit line takes a negative quantity"),
        ({"unit_price": "-5"}, "unit_price", "greater than or equal to 0"),
        ({"discount_percent": "120"}, "discount_percent", "less than or equal to 100"),
        ({"unit_price": ""}, "unit_price", "Enter a unit price or choose an item"),
        ({"description": ""}, "description", "Describe the line or choose an item"),
        ({"quantity": "lots"}, "quantity", "Enter a number"),
    ],
)
def test_bad_line_is_explained_next_to_the_field_and_nothing_saved(client_a, org_a, line, field, message):  # type: ignore[no-untyped-def]
    vat = tax_codes(org_a)["VAT20"]
    good = {"description": "Labour", "unit_price": "10", "tax_code": vat.pk}
    response = client_a.post(reverse("jobs:create"), job_post(make_customer(org_a), [good, {**good, **line}]))
    assert response.status_code == 200
    assert message in " ".join(response.context["lines"].forms[1].errors[field])
    assert f'id="lines-1-{field}-error"' in response.content.decode()
    assert not Job.objects.exists()


def test_edit_bumps_version_and_a_no_op_save_does_not(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a)
    url = reverse("jobs:edit", args=[job.pk])
    line = job.lines.get()
    same = [{"description": line.description, "unit_price": "100.0000", "quantity": "1.000", "discount_percent":
             "0.00", "tax_code": line.tax_code_id}]  # fmt: skip
    client_a.post(url, job_post(job.customer, same, job=job, description=job.description))
    job.refresh_from_db()
    assert job.version == 1
    before = job.updated_at
    client_a.post(url, job_post(job.customer, [{**same[0], "unit_price": "120"}], job=job,
                                description=job.description))  # fmt: skip
    job.refresh_from_db()
    assert job.version == 2 and job.updated_at > before and job.totals().total == Decimal("144.00")


def test_deleting_a_line(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=[("1", "10", "VAT20"), ("1", "20", "VAT20")])
    lines = [{"description": line.description, "unit_price": str(line.unit_price), "tax_code": line.tax_code_id}
             for line in job.lines.all()]  # fmt: skip
    lines[0]["DELETE"] = "on"
    client_a.post(reverse("jobs:edit", args=[job.pk]), job_post(job.customer, lines, job=job))
    assert [line.unit_price for line in job.lines.all()] == [Decimal("20")]


def test_editing_a_transferred_job_sets_both_flags_again(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True)
    Job.objects.filter(pk=job.pk).update(transferred_version=1)  # as the integration does after a transfer
    line = job.lines.get()
    data = job_post(job.customer, [{"description": "Changed", "unit_price": "100", "tax_code": line.tax_code_id}],
                    job=job)  # fmt: skip
    client_a.post(reverse("jobs:edit", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.ready_for_invoice and job.transfer_to_accounts and job.version == 2 and job.transferred_version == 1
    assert list(Job.objects.qualifies_for_transfer()) == [job]


def test_close_refuses_a_job_with_no_lines(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=[])
    response = client_a.post(reverse("jobs:close", args=[job.pk]), follow=True)
    assert "has no lines" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "open" and job.closed_at is None and job.version == 1


def test_close_sets_both_flags_by_preference_then_reopen(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a)
    client_a.post(reverse("jobs:close", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "closed" and job.closed_at is not None and job.closed_at.tzinfo is not None
    assert job.ready_for_invoice and job.transfer_to_accounts and job.version == 2
    assert list(Job.objects.for_org(org_a).qualifies_for_transfer()) == [job]
    client_a.post(reverse("jobs:reopen", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "open" and job.closed_at is None and job.version == 3
    assert not Job.objects.qualifies_for_transfer().exists()


def test_close_without_the_preference_leaves_flags_off(client_a, org_a):  # type: ignore[no-untyped-def]
    org_a.flag_jobs_on_close = False
    org_a.save()
    job = make_job(org_a)
    client_a.post(reverse("jobs:close", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "closed" and not job.ready_for_invoice and not job.transfer_to_accounts


def test_closing_twice_is_refused_kindly(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True)
    response = client_a.post(reverse("jobs:close", args=[job.pk]), follow=True)
    assert "already closed" in response.content.decode()
    job.refresh_from_db()
    assert job.version == 1


def test_job_list_search_and_status(client_a, org_a):  # type: ignore[no-untyped-def]
    make_job(org_a, customer=make_customer(org_a, "S1", "Siân's Café & Bistro"))
    make_job(org_a, customer=make_customer(org_a, "K1", "Kowalski Garage"), closed=True)
    listing = client_a.get(reverse("jobs:list"), {"q": "café"}).content.decode()
    assert "Siân&#x27;s Café &amp; Bistro" in listing and "Kowalski" not in listing
    closed = client_a.get(reverse("jobs:list"), {"status": "closed"}).content.decode()
    assert "Kowalski" in closed and "Siân" not in closed


def test_job_list_query_count_does_not_grow_with_rows(client_a, org_a, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    for i in range(12):
        make_job(org_a, customer=make_customer(org_a, f"Q{i}", f"Customer {i}"), lines=[("1", "5", "VAT20")] * 3)
    with django_assert_max_num_queries(12):
        assert client_a.get(reverse("jobs:list")).status_code == 200


def test_customer_panel_lists_jobs(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a)
    page = client_a.get(reverse("customers:detail", args=[job.customer.pk])).content.decode()
    assert job.number in page


def test_post_without_csrf_token_is_refused(alice, org_a):  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    job = make_job(org_a)
    assert client.post(reverse("jobs:close", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == "open"


def test_an_edit_cannot_remove_every_line_of_a_closed_job(client_a, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True)
    line = job.lines.get()
    data = job_post(job.customer, [{"description": line.description, "unit_price": str(line.unit_price),
                                    "tax_code": line.tax_code_id, "DELETE": "on"}], job=job)  # fmt: skip
    response = client_a.post(reverse("jobs:edit", args=[job.pk]), data)
    assert response.status_code == 200 and "must keep at least one line" in response.content.decode()
    job.refresh_from_db()
    assert job.lines.count() == 1 and job.version == 1  # nothing half-saved


def test_pages_show_times_in_the_organisations_time_zone(client_a, org_a):  # type: ignore[no-untyped-def]
    from datetime import datetime

    org_a.timezone = "Pacific/Auckland"
    org_a.save()
    job = make_job(org_a, closed=True)
    Job.objects.filter(pk=job.pk).update(closed_at=datetime(2026, 3, 4, 12, 30, tzinfo=UTC))
    page = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "5 Mar 2026 01:30" in page  # 12:30 UTC on 4 March is 01:30 on 5 March in Auckland (NZDT)
