"""The operators' Django admin edits lines too: its job and contract inlines refuse what the
pages' line forms refuse (issue 18, Bounds: limits enforced everywhere a value comes in)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from fieldbook.contracts.models import ContractLine
from fieldbook.jobs.models import JobLine
from tests.web.isolation.catalogue import make_contract, make_job

pytestmark = pytest.mark.django_db


def change_form(client: Any, url: str) -> dict[str, Any]:
    """The admin change form's data as the browser would post it back unchanged."""
    context = client.get(url).context
    data: dict[str, Any] = {}
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = value
    return data


def line_field(data: dict[str, Any], name: str) -> str:
    [key] = [k for k in data if k.endswith(f"-0-{name}")]
    return key


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        ("999999999", "1", "A quantity can be at most 999,999"),
        ("1", "100000000", "A unit price can be at most 99,999,999.99"),
        ("999999", "1000", "comes to more than 99,999,999.99"),
    ],
)
@pytest.mark.parametrize("document", ["job", "contract"])
def test_the_admin_line_inlines_refuse_a_line_beyond_the_bounds(admin_client, org_a, document, quantity, price,
                                                                message):  # type: ignore[no-untyped-def]
    if document == "job":
        owner, model = make_job(org_a), JobLine
        url = reverse("admin:jobs_job_change", args=[owner.pk])
    else:
        owner, model = make_contract(org_a), ContractLine
        url = reverse("admin:contracts_servicecontract_change", args=[owner.pk])
    data = change_form(admin_client, url)
    data[line_field(data, "quantity")] = quantity
    data[line_field(data, "unit_price")] = price
    response = admin_client.post(url, data)
    assert response.status_code == 200, "saved"
    errors = " ".join(str(inline.formset.errors) for inline in response.context["inline_admin_formsets"])
    assert message in errors
    line = model.objects.get()
    assert line.quantity * line.unit_price < Decimal("1000000")  # nothing saved


def test_the_admin_refuses_a_document_total_beyond_the_bounds(admin_client, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, lines=(("1", "40000000", "VAT20"),) * 2)  # 96,000,000.00 with VAT
    url = reverse("admin:jobs_job_change", args=[job.pk])
    data = change_form(admin_client, url)
    assert admin_client.post(url, data).status_code == 302  # a line within every bound saves
    data = change_form(admin_client, url)
    data[line_field(data, "quantity")] = "1.5"  # each line within bounds, 120,000,000.00 in all
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = " ".join(str(inline.formset.non_form_errors()) for inline in response.context["inline_admin_formsets"])
    assert "every ledger accepts at most 99,999,999.99" in errors
    assert [line.quantity for line in JobLine.objects.all()] == [1, 1]
