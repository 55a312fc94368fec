"""Links belong to records, not to their numbers (issue 11): a changed account reference keeps
the ledger link and goes up as an Update; a merged duplicate keeps its ledger record in view as
merged, and can make it inactive from Compare; a name clash is flagged before the sync."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fieldbook.customers.models import Customer
from fieldbook.integration.models import ExternalLink
from tests.integration.test_customers_sync import COMPARE_DOWN, compare_rows, sync

pytestmark = pytest.mark.django_db


def ledger_copy(sandbox, ledger_id):  # type: ignore[no-untyped-def]
    return next(c for c in sandbox.quickbooks.customers() if c["Id"] == ledger_id)


def edit_customer(client, customer, **changes):  # type: ignore[no-untyped-def]
    """Through the customer's Edit page, as a user would."""
    page = client.get(reverse("customers:edit", args=[customer.pk]))
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data = {k: v for k, v in data.items() if v is not False}
    data.update(changes)
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 302, response.context["form"].errors


def test_a_changed_account_reference_keeps_the_link_and_is_an_update(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(organisation=org_a, account_ref="C00003", name="Evans Dental Practice")
    sync(client_a, ["C00003"], django_capture_on_commit_callbacks)
    ledger_id = ExternalLink.objects.get(kind="customer", local_number="C00003").ledger_id
    in_ledger = len(sandbox.quickbooks.customers())

    edit_customer(client_a, customer, account_ref="EVANS-DENT")

    page = client_a.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Not transferred to a ledger yet" not in page and f"id {ledger_id}" in page
    rows = compare_rows(client_a)
    assert set(rows) == {"EVANS-DENT"} and rows["EVANS-DENT"]["label"] == "Update"
    change = rows["EVANS-DENT"]["changes"][0]
    assert (change["name"], change["ours"], change["theirs"]) == ("number", "EVANS-DENT", "C00003")
    down = compare_rows(client_a, COMPARE_DOWN)
    assert all("no longer exists" not in r["reason"] and r["label"] != "Add" for r in down.values()), down

    run = sync(client_a, ["EVANS-DENT"], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.blocked)
    assert len(sandbox.quickbooks.customers()) == in_ledger  # nothing created
    assert "fieldbook:alpha:EVANS-DENT" in ledger_copy(sandbox, ledger_id)["Notes"]
    link = ExternalLink.objects.get(kind="customer", ledger_id=ledger_id)
    assert (link.local_number, link.local_id, link.synced_number) == ("EVANS-DENT", customer.pk, "")
    assert compare_rows(client_a) == {}
    assert "no longer exists" not in str(compare_rows(client_a, COMPARE_DOWN))
