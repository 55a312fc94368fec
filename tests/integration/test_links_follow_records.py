"""Links belong to records, not to their numbers (issue 11): a changed account reference keeps
the ledger link and goes up as an Update; a merged duplicate keeps its ledger record in view as
merged, and can make it inactive from Compare; a name clash is flagged before the sync."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fieldbook.customers.models import Customer
from fieldbook.integration.models import ExternalLink
from tests.integration.test_customers_sync import COMPARE_DOWN, COMPARE_UP, compare_rows, sync
from tests.integration.test_invoices_sync import books  # noqa: F401 (fixture)

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



def test_a_merged_duplicate_keeps_its_ledger_record_in_view_and_can_make_it_inactive(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    target = Customer.objects.create(organisation=org_a, account_ref="C00011", name="Jones Hotel Ltd")
    dupe = Customer.objects.create(organisation=org_a, account_ref="C00029", name="Jones Hotel (Old)")
    sync(client_a, ["C00011", "C00029"], django_capture_on_commit_callbacks)
    dupe_id = ExternalLink.objects.get(kind="customer", local_number="C00029").ledger_id
    in_ledger = len(sandbox.quickbooks.customers())
    client_a.post(reverse("customers:merge"), {"target": target.pk, "duplicates": [dupe.pk]})

    page = client_a.get(reverse("customers:detail", args=[dupe.pk])).content.decode()
    assert f"id {dupe_id}" in page and "merged into C00011" in page
    down = compare_rows(client_a, COMPARE_DOWN)
    assert [r["label"] for r in down.values()] == ["Merged"], down
    row = down["C00029"]
    assert "merged into C00011" in row["reason"] and "inactive" in row["reason"] and row["selectable"]
    assert all(r["label"] != "Add" for r in down.values())

    run = sync(client_a, ["C00029"], django_capture_on_commit_callbacks, direction="down")
    # What the run reports is what happened, read back from the ledger and from Fieldbook.
    assert run.counts == {"updated": 1}, (run.counts, run.blocked, run.reason)
    assert ledger_copy(sandbox, dupe_id)["Active"] is False
    assert len(sandbox.quickbooks.customers()) == in_ledger
    assert Customer.objects.filter(organisation=org_a).count() == 2
    # Done: the merged record no longer asks for anything, up or down, and never comes back as Add.
    assert compare_rows(client_a, COMPARE_DOWN) == {}
    assert compare_rows(client_a) == {}


def test_downloading_an_already_linked_ledger_customer_creates_nothing_and_says_so(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from fieldbook.connectors.records import CustomerRecord
    from fieldbook.integration.records import AlreadyLinked, DjangoLocalSide

    Customer.objects.create(organisation=org_a, account_ref="LINKED", name="Linked Ltd")
    sync(client_a, ["LINKED"], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(kind="customer", local_number="LINKED")
    local = DjangoLocalSide(org_a, connected.pk)
    with pytest.raises(AlreadyLinked, match="already linked to our customer LINKED: nothing was created"):
        local.create_customer(CustomerRecord(number="", name="Linked Ltd", ledger_id=link.ledger_id))
    assert Customer.objects.filter(organisation=org_a).count() == 1


def test_a_customer_left_out_of_integration_is_never_offered_for_re_creation(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(organisation=org_a, account_ref="LEFT", name="Left Out Ltd")
    sync(client_a, ["LEFT"], django_capture_on_commit_callbacks)
    Customer.objects.filter(pk=customer.pk).update_tracked(integrate=False)
    assert compare_rows(client_a, COMPARE_DOWN) == {}
    assert compare_rows(client_a) == {}


def test_a_name_clash_is_flagged_on_compare_naming_both_customers_and_the_fix_works(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="C00001", name="Jones Hotel Ltd")
    sync(client_a, ["C00001"], django_capture_on_commit_callbacks)
    dup = Customer.objects.create(organisation=org_a, account_ref="TDUPNAME", name="Jones Hotel Ltd")
    other = Customer.objects.create(organisation=org_a, account_ref="TDUP2", name="jones  hotel ltd")

    rows = compare_rows(client_a)
    row = rows["TDUPNAME"]
    assert row["label"] == "Conflict" and row["selectable"]
    assert "C00001" in row["reason"] and "TDUPNAME" in row["reason"] and "Jones Hotel Ltd" in row["reason"]
    assert row["tick"]["value"] == "Jones Hotel Ltd (TDUPNAME)"
    page = client_a.get(COMPARE_UP).content.decode()
    assert 'name="confirm:TDUPNAME" value="Jones Hotel Ltd (TDUPNAME)"' in page

    # Unticked: not sent (and not failed in the ledger).
    run = sync(client_a, ["TDUPNAME"], django_capture_on_commit_callbacks)
    assert run.counts == {} and run.blocked[0]["key"] == "TDUPNAME", (run.counts, run.blocked)
    # Fix one: the unique ledger name the user saw, ticked.
    run = sync(client_a, ["TDUPNAME"], django_capture_on_commit_callbacks,
               **{"confirm:TDUPNAME": "Jones Hotel Ltd (TDUPNAME)"})  # fmt: skip
    assert run.counts == {"created": 1}, (run.counts, run.blocked)
    names = [c["DisplayName"] for c in sandbox.quickbooks.customers()]
    assert names.count("Jones Hotel Ltd") == 1 and "Jones Hotel Ltd (TDUPNAME)" in names
    assert dup.name == Customer.objects.get(pk=dup.pk).name == "Jones Hotel Ltd"  # Fieldbook keeps its name
    assert "TDUPNAME" not in compare_rows(client_a)
    # A later change of ours goes up without clashing again: the ledger name is kept.
    Customer.objects.filter(pk=dup.pk).update_tracked(email="rooms@joneshotel.example")
    run = sync(client_a, ["TDUPNAME"], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.blocked, list(run.steps.values("outcome")))

    # Fix two: rename in Fieldbook, then it is a plain Add.
    assert compare_rows(client_a)["TDUP2"]["label"] == "Conflict"
    Customer.objects.filter(pk=other.pk).update_tracked(name="Jones Hotel Annexe")
    assert compare_rows(client_a)["TDUP2"]["label"] == "Add"
    assert sync(client_a, ["TDUP2"], django_capture_on_commit_callbacks).counts == {"created": 1}


def test_a_name_taken_after_compare_fails_naming_the_name_and_our_customer_holding_it(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from fieldbook.integration import service
    from fieldbook.sync.plan import Selection

    Customer.objects.create(organisation=org_a, account_ref="TDUPNAME", name="Jones Hotel Ltd")
    seen = service.run_compare(connected, "customers")  # what the user saw: a plain Add
    assert {c.key: c.action.value for c in seen.listed} == {"TDUPNAME": "add"}
    Customer.objects.create(organisation=org_a, account_ref="C00001", name="Jones Hotel Ltd")
    # Meanwhile C00001 reaches the ledger under that name (a run planned before TDUPNAME existed).
    before = service.run_compare(connected, "customers")
    run = service.start_sync(connected, "customers", Selection(keys=frozenset({"C00001"})), result=before,
                             enqueue=False)  # fmt: skip
    assert service.execute(run.pk).counts == {"created": 1}
    run = service.start_sync(connected, "customers", Selection(keys=frozenset({"TDUPNAME"})), result=seen,
                             enqueue=False)  # fmt: skip
    run = service.execute(run.pk)
    outcome = run.steps.get(local_number="TDUPNAME").outcome
    assert outcome["code"] == "6240" and outcome["status"] == "conflict"
    assert "customer named 'Jones Hotel Ltd': our customer C00001" in outcome["message"]
    assert "did not create" not in outcome["message"] and "TDUPNAME" in outcome["fix"]


def test_a_renumbered_customers_invoices_keep_their_links_and_customer(
        client_a, org_a, books, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]  # noqa: F811
    from fieldbook.jobs.models import Job
    from tests.integration.test_invoices_sync import compare, ledger_invoices
    from tests.integration.test_invoices_sync import sync as sync_option
    from tests.web.isolation.catalogue import make_customer, make_job

    customer = make_customer(org_a, "C00003", "Evans Dental Practice")
    job = make_job(org_a, customer, closed=True, flagged=True)
    assert sync_option(client_a, "jobs", [job.number], django_capture_on_commit_callbacks).counts == {"created": 2}
    Customer.objects.filter(pk=customer.pk).update_tracked(account_ref="EVANS-DENT")
    Job.objects.filter(pk=job.pk).set_flags(True, True)
    row = compare(client_a, "jobs")[job.number]
    # Only re-sent because its flags were set again: the customer is the same one, renumbered.
    assert row["label"] == "Update" and row["changes"] == [] and "flags were set again" in row["reason"]
    run = sync_option(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.blocked)  # no second customer created
    [invoice] = ledger_invoices(sandbox, job.number)
    customer_link = ExternalLink.objects.get(kind="customer", local_id=customer.pk)
    assert invoice["CustomerRef"]["value"] == customer_link.ledger_id
    assert len(sandbox.quickbooks.customers()) == 1


def test_a_ledger_customer_with_our_marker_for_a_merged_or_left_out_customer_is_never_downloaded_again(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    target = Customer.objects.create(organisation=org_a, account_ref="C00011", name="Jones Hotel Ltd")
    dupe = Customer.objects.create(organisation=org_a, account_ref="C00029", name="Jones Hotel (Old)")
    left = Customer.objects.create(organisation=org_a, account_ref="LEFT", name="Left Out Ltd")
    sync(client_a, ["C00011", "C00029", "LEFT"], django_capture_on_commit_callbacks)
    dupe_id = ExternalLink.objects.get(kind="customer", local_number="C00029").ledger_id
    client_a.post(reverse("customers:merge"), {"target": target.pk, "duplicates": [dupe.pk]})
    Customer.objects.filter(pk=left.pk).update_tracked(integrate=False)
    # The links are lost (an old database, a restore): the ledger records still carry our markers.
    ExternalLink.objects.filter(local_number__in=["C00029", "LEFT"]).delete()

    down = compare_rows(client_a, COMPARE_DOWN)
    assert {k: r["label"] for k, r in down.items()} == {f"ledger:{dupe_id}": "Merged"}, down
    assert "carries our marker fieldbook:alpha:C00029" in down[f"ledger:{dupe_id}"]["reason"]
    run = sync(client_a, [f"ledger:{dupe_id}"], django_capture_on_commit_callbacks, direction="down")
    assert run.counts == {"updated": 1}, (run.counts, run.blocked)
    assert ledger_copy(sandbox, dupe_id)["Active"] is False
    assert ExternalLink.objects.get(kind="customer", ledger_id=dupe_id).local_id == dupe.pk
    assert Customer.objects.filter(organisation=org_a).count() == 3
    assert compare_rows(client_a, COMPARE_DOWN) == {}
