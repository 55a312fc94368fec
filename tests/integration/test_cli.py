"""`fieldbook compare` and `fieldbook sync` (the scheduled runs) through call_command, against the
in-process QuickBooks Online sandbox via the real connector."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fieldbook.catalogue.models import TaxCode
from fieldbook.customers.models import Customer
from fieldbook.integration import service
from fieldbook.integration.models import ExternalLink, SyncRun
from fieldbook.jobs.models import Job, JobLine
from fieldbook.sync.plan import Selection
from tests.integration.test_customers_sync import ledger_customer

pytestmark = pytest.mark.django_db
QBO = ("--org", "alpha", "--ledger", "quickbooks")


def run(command: str, *args: str, stdout: io.StringIO | None = None) -> str:
    out = stdout or io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def as_json(command: str, *args: str) -> dict[str, Any]:
    text = run(command, *args, "--json")
    assert text.count("\n") == 1, text  # one JSON object per invocation: a line in the cron log
    return json.loads(text)


def failing(command: str, *args: str) -> tuple[CommandError, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(command, *args, stdout=out)
    return caught.value, out.getvalue()


def by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in rows}


def named(sandbox, name: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [c for c in sandbox.quickbooks.customers() if c["DisplayName"] == name]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """The `connected` fixture signs a user in; a fast hasher keeps these tests inside budget."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def three_kinds(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    """An Add (ACME-1), a strong Link by email (DAFF) and a name-only Link candidate (OAK)."""
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd", email="a@acme.example")
    Customer.objects.create(organisation=org_a, account_ref="SKIP-1", name="Not Integrated", integrate=False)
    daff = ledger_customer(sandbox, "Daffodil Dental", PrimaryEmailAddr={"Address": "practice@daffodil.example"})
    oak = ledger_customer(sandbox, "Oak & Ash Limited")
    Customer.objects.create(organisation=org_a, account_ref="DAFF", name="Daffodil Dental Practice",
                            email="practice@daffodil.example")  # fmt: skip
    Customer.objects.create(organisation=org_a, account_ref="OAK", name="Oak and Ash Ltd")
    return {"DAFF": daff["Id"], "OAK": oak["Id"]}


# --- compare ------------------------------------------------------------------------------------


def test_compare_json_counts_flags_reasons_and_changes(three_kinds, sandbox):  # type: ignore[no-untyped-def]
    in_ledger = len(sandbox.quickbooks.customers())
    data = as_json("compare", "customers", *QBO)
    assert data["counts"] == {"add": 1, "link": 1, "link candidate": 1}
    assert (data["organisation"], data["ledger"], data["option"], data["direction"]) == (
        "alpha", "quickbooks", "customers", "up")  # fmt: skip
    rows = by_key(data["records"])
    assert set(rows) == {"ACME-1", "DAFF", "OAK"}  # the customer not flagged for integration is not compared
    assert (rows["ACME-1"]["action"], rows["ACME-1"]["flag"], rows["ACME-1"]["name"]) == (
        "add", "Add", "Acme Heating Ltd")  # fmt: skip
    assert {"field": "email", "label": "email", "ours": "a@acme.example", "ledger": "", "conflict": False} in rows[
        "ACME-1"]["changes"]  # fmt: skip
    assert rows["DAFF"]["action"] == "link" and "email practice@daffodil.example" in rows["DAFF"]["reason"]
    assert any(ch["field"] == "name" and ch["ledger"] == "Daffodil Dental" for ch in rows["DAFF"]["changes"])
    assert rows["OAK"]["action"] == "link candidate" and rows["OAK"]["flag"] == "Link candidate"
    assert "Only the name matches" in rows["OAK"]["reason"]
    # Compare writes nothing: no run, nothing in the ledger.
    assert SyncRun.objects.count() == 0 and len(sandbox.quickbooks.customers()) == in_ledger


def test_compare_plain_text_when_piped(three_kinds):  # type: ignore[no-untyped-def]
    text = run("compare", "customers", *QBO)
    assert "\x1b[" not in text  # no terminal codes in a log file
    assert "Compare Customers (Fieldbook → QuickBooks Online) for alpha: 3 records differ" in text
    assert "Link candidate  OAK" in text and "why: Only the name matches" in text
    assert "email: ours 'a@acme.example' | ledger ''" in text
    assert "Counts: 1 add, 1 link, 1 link candidate" in text


def test_compare_on_a_terminal_is_a_rich_table(three_kinds):  # type: ignore[no-untyped-def]
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    text = run("compare", "customers", *QBO, stdout=Terminal())
    assert "┏━" in text and "Flag" in text and "Changes (ours |" in text  # a rich table (colour: if TERM allows)
    assert "ACME-1" in text and "Link candidate" in text and "Counts: 1 add" in text


# --- sync ---------------------------------------------------------------------------------------


def test_sync_select_creates_the_customers_exactly_once(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    Customer.objects.create(organisation=org_a, account_ref="ACME-2", name="Acme Two Ltd")
    Customer.objects.create(organisation=org_a, account_ref="ACME-3", name="Acme Three Ltd")
    data = as_json("sync", "customers", *QBO, "--select", "acme-1, ACME-2")  # case and blanks do not matter
    assert data["counts"] == {"created": 2}
    assert data["run"]["state"] == "done" and data["run"]["counts"] == {"created": 2}
    rows = by_key(data["records"])
    assert set(rows) == {"ACME-1", "ACME-2"}
    assert rows["ACME-1"]["action"] == "create in the ledger" and rows["ACME-1"]["ledger_id"]
    assert len(named(sandbox, "Acme Heating Ltd")) == 1 and len(named(sandbox, "Acme Two Ltd")) == 1
    assert named(sandbox, "Acme Three Ltd") == []  # not selected
    assert ExternalLink.objects.get(local_number="ACME-1").ledger_id == rows["ACME-1"]["ledger_id"]

    # The next scheduled run finds them unchanged: nothing is sent again, and no empty run is made.
    again = as_json("sync", "customers", *QBO, "--select", "ACME-1,ACME-2")
    assert again["run"] is None and again["counts"] == {"skipped": 2}
    assert all("Unchanged since the last sync" in r["message"] for r in again["records"])
    assert {(r["number"], r["name"], r["kind"]) for r in again["records"]} == {
        ("ACME-1", "Acme Heating Ltd", "customer"), ("ACME-2", "Acme Two Ltd", "customer")}  # fmt: skip
    assert len(named(sandbox, "Acme Heating Ltd")) == 1 and len(named(sandbox, "Acme Two Ltd")) == 1
    assert SyncRun.objects.count() == 1


def test_the_run_is_carried_out_here_and_never_also_queued_for_a_worker(
    org_a, connected, sandbox, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    with django_capture_on_commit_callbacks() as queued:
        data = as_json("sync", "customers", *QBO, "--all")
    assert data["run"]["state"] == "done" and queued == []  # a worker must not resume it a second time
    assert connected.__class__.objects.get(pk=connected.pk).run_lease == ""  # the lease is free again


def test_sync_plain_output_lists_every_outcome(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    text = run("sync", "customers", *QBO, "--all")
    run_row = SyncRun.objects.get()
    assert f"run {run_row.pk[:8]} done." in text
    assert "created              customer  ACME-1       Acme Heating Ltd" in text
    assert "Counts: 1 created" in text


def test_sync_on_a_terminal_shows_progress_and_a_table(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    text = run("sync", "customers", *QBO, "--all", stdout=Terminal())
    assert "1/1" in text  # the progress bar, finished
    assert "Outcome" in text and "created" in text and "ACME-1" in text
    assert len(named(sandbox, "Acme Heating Ltd")) == 1


def test_dry_run_prints_the_plan_and_writes_nothing(three_kinds, sandbox):  # type: ignore[no-untyped-def]
    before = sorted(c["Id"] for c in sandbox.quickbooks.customers())
    data = as_json("sync", "customers", *QBO, "--all", "--dry-run")
    assert data["dry_run"] is True
    steps = {s["number"]: s["action"] for s in data["steps"]}
    assert steps == {"ACME-1": "create in the ledger", "DAFF": "link"}
    assert data["counts"] == {"create in the ledger": 1, "link": 1, "skipped": 1}
    (skipped,) = data["skipped"]
    assert skipped["key"] == "OAK" and "Only the name matches" in skipped["message"]
    assert SyncRun.objects.count() == 0 and ExternalLink.objects.count() == 0
    assert sorted(c["Id"] for c in sandbox.quickbooks.customers()) == before
    text = run("sync", "customers", *QBO, "--select", "ACME-1", "--dry-run")
    assert "Dry run" in text and "nothing has been written" in text and "create in the ledger" in text
    assert SyncRun.objects.count() == 0 and sorted(c["Id"] for c in sandbox.quickbooks.customers()) == before


def test_all_sends_adds_and_strong_links_but_leaves_a_candidate_to_a_person(three_kinds, sandbox):  # type: ignore[no-untyped-def]
    in_ledger = len(sandbox.quickbooks.customers())
    data = as_json("sync", "customers", *QBO, "--all")  # exit 0: a candidate is not a failure
    assert data["counts"] == {"created": 1, "linked": 1, "skipped": 1}
    rows = by_key(data["records"])
    assert rows["ACME-1"]["status"] == "created" and rows["DAFF"]["status"] == "linked"
    oak = rows["OAK"]
    assert oak["status"] == "skipped" and oak["action"] == "link candidate"
    assert oak["message"].startswith("Needs a person: Only the name matches")
    assert "Confirm the link on the Compare page" in oak["fix"]
    links = dict(ExternalLink.objects.values_list("local_number", "ledger_id"))
    assert links["DAFF"] == three_kinds["DAFF"] and "OAK" not in links
    assert len(sandbox.quickbooks.customers()) == in_ledger + 1  # only ACME-1 was created


def test_a_failing_record_exits_non_zero_with_the_ledgers_message(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="GOOD", name="Good Customer Ltd")
    Customer.objects.create(organisation=org_a, account_ref="BAD", name="Bad Email Ltd", email="accounts@acme")
    error, out = failing("sync", "customers", *QBO, "--all", "--json")
    assert "1 record failed: BAD: The email address is not valid. [2210] Fix: Correct the email address." in str(error)
    data = json.loads(out)  # the report is printed before the command fails
    rows = by_key(data["records"])
    assert rows["BAD"]["status"] == "failed" and rows["BAD"]["code"] == "2210"
    assert rows["GOOD"]["status"] == "created"  # one bad record never stops a run
    assert len(named(sandbox, "Good Customer Ltd")) == 1 and named(sandbox, "Bad Email Ltd") == []
    assert SyncRun.objects.get().state == "done"


def test_a_paused_run_exits_non_zero_with_the_reason(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    sandbox.faults.add(kind="revoked", match="POST /quickbooks/v3/")  # Compare reads; the first write is refused
    error, out = failing("sync", "customers", *QBO, "--all", "--json")
    assert str(error).startswith("The run paused: Reconnect required:") and "reconnect in Settings" in str(error)
    data = json.loads(out)
    assert data["run"]["state"] == "paused" and data["records"][0]["status"] == "not finished"
    connected.refresh_from_db()
    assert connected.status == "reconnect_required" and connected.run_lease == ""


def test_a_sync_refuses_while_another_run_holds_the_connection(org_a, connected, alice, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    web = service.start_sync(connected, "customers", Selection(keys=frozenset({"ACME-1"})), user=alice)  # queued
    error, _out = failing("sync", "customers", *QBO, "--all")
    assert f"already running on this connection (run {web.pk[:8]}, started by alice" in str(error)
    assert SyncRun.objects.count() == 1 and named(sandbox, "Acme Heating Ltd") == []


def test_customers_down_by_ledger_key_or_name(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    cafe = ledger_customer(sandbox, "Brynmawr Café Ltd", PrimaryEmailAddr={"Address": "cafe@example.co.uk"})
    ledger_customer(sandbox, "Harbour Lights Ltd")
    listed = run("compare", "customers", *QBO, "--direction", "down")
    assert f"Add             ledger:{cafe['Id']}" in listed and "Brynmawr Café Ltd" in listed  # how to --select it
    data = as_json("sync", "customers", *QBO, "--direction", "down", "--select", f"ledger:{cafe['Id']}")
    (row,) = data["records"]
    assert row["status"] == "created" and row["action"] == "create in Fieldbook"
    made = Customer.objects.get(organisation=org_a, name="Brynmawr Café Ltd")
    assert row["number"] == made.account_ref and made.email == "cafe@example.co.uk"
    assert not Customer.objects.filter(name="Harbour Lights Ltd").exists()
    data = as_json("sync", "customers", *QBO, "--direction", "down", "--select", "harbour lights ltd")
    assert data["counts"] == {"created": 1} and Customer.objects.filter(name="Harbour Lights Ltd").count() == 1


# --- jobs ---------------------------------------------------------------------------------------


def vat20(org) -> TaxCode:  # type: ignore[no-untyped-def]
    return TaxCode.objects.get_or_create(organisation=org, code="VAT20",
                                         defaults={"name": "Standard 20%", "rate": Decimal(20)})[0]  # fmt: skip


def closed_flagged_job(org, customer: Customer, number: str) -> Job:  # type: ignore[no-untyped-def]
    vat = vat20(org)
    job = Job.objects.create(organisation=org, number=number, customer=customer, description="Boiler service",
                             status=Job.Status.CLOSED, closed_at=timezone.now(), ready_for_invoice=True,
                             transfer_to_accounts=True)  # fmt: skip
    JobLine.objects.create(job=job, description="Annual service", quantity=Decimal(1), unit_price=Decimal("80.00"),
                           tax_code=vat)  # fmt: skip
    return job


def map_tax_codes(connection, sandbox) -> None:  # type: ignore[no-untyped-def]
    company = sandbox.quickbooks.company()
    standard = next(t["Id"] for t in company.table("TaxCode").values() if t["Name"] == "20.0% S")
    services = next(i["Id"] for i in company.table("Item").values() if i["Name"] == "Services")
    connection.mapping = {"tax_codes": {"VAT20": standard}, "default_item": services}
    connection.save()


def test_jobs_go_up_with_their_new_customer_once(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    map_tax_codes(connected, sandbox)
    customer = Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    closed_flagged_job(org_a, customer, "J1001")
    closed_flagged_job(org_a, customer, "J1002")
    compared = as_json("compare", "jobs", *QBO)
    assert compared["counts"] == {"add": 2}
    rows = by_key(compared["records"])
    assert rows["J1001"]["totals"]["ours"] == {"net": "80.00", "tax": "16.00", "total": "96.00"}
    assert rows["J1001"]["totals"]["ledger"]["total"] == "96.00"

    data = as_json("sync", "jobs", *QBO, "--select", "j1001")
    assert data["counts"] == {"created": 2}, data
    rows = by_key(data["records"])
    assert rows["ACME-1"]["kind"] == "customer" and rows["J1001"]["kind"] == "invoice"
    invoices = [i for i in sandbox.quickbooks.invoices() if i.get("DocNumber") == "J1001"]
    assert len(invoices) == 1 and invoices[0]["CustomerRef"]["value"] == rows["ACME-1"]["ledger_id"]
    assert not Job.objects.get(number="J1001").flagged  # transferred: drops out of the next Compare
    assert set(by_key(as_json("compare", "jobs", *QBO)["records"])) == {"J1002"}

    data = as_json("sync", "jobs", *QBO, "--all")
    assert data["counts"] == {"created": 1}  # J1002 only; its customer is linked already
    assert [i.get("DocNumber") for i in sandbox.quickbooks.invoices()].count("J1001") == 1
    assert as_json("compare", "jobs", *QBO)["records"] == []


def test_contract_invoices_go_up_by_their_service_invoice_number(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    from datetime import date

    from fieldbook.contracts.billing import generate_invoices
    from fieldbook.contracts.models import ContractLine, ServiceContract

    map_tax_codes(connected, sandbox)
    vat = vat20(org_a)
    customer = Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    contract = ServiceContract.objects.create(organisation=org_a, customer=customer, description="Annual maintenance",
                                              start_date=date(2026, 1, 1), billing_frequency="monthly",
                                              billing_timing="advance")  # fmt: skip
    ContractLine.objects.create(contract=contract, description="Planned maintenance visit", quantity=Decimal(1),
                                unit_price=Decimal("45.00"), tax_code=vat)  # fmt: skip
    first, second = generate_invoices(org_a, date(2026, 1, 1), date(2026, 2, 28)).created
    data = as_json("sync", "contracts", *QBO, "--select", first.number)
    assert data["counts"] == {"created": 2} and by_key(data["records"])[first.number]["kind"] == "invoice"
    numbers = [i.get("DocNumber") for i in sandbox.quickbooks.invoices()]
    assert numbers.count(first.number) == 1 and second.number not in numbers
    assert set(by_key(as_json("compare", "contracts", *QBO)["records"])) == {second.number}


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sync", "customers", "--org", "nobody", "--ledger", "quickbooks", "--all"), "No organisation with slug"),
        (("compare", "customers", "--org", "alpha", "--ledger", "xero"), "Xero is not available yet"),
        (("sync", "customers", "--org", "alpha", "--ledger", "sage50", "--all"), "Sage 50 is not available yet"),
        (("compare", "customers", "--org", "alpha", "--ledger", "myob"), "invalid choice: 'myob'"),
        (("sync", "jobs", *QBO, "--direction", "down", "--all"), "Only customers can come down"),
        (("sync", "customers", *QBO), "one of the arguments --all --select is required"),
        (("compare", "customers", *QBO), "alpha is not connected to QuickBooks Online: connect it in Settings"),
    ],
)
def test_clear_errors_before_anything_is_read(org_a, args, message):  # type: ignore[no-untyped-def]
    error, _out = failing(*args)
    assert message in str(error)


def test_unknown_numbers_are_refused_before_anything_is_written(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    error, _out = failing("sync", "customers", *QBO, "--select", "ACME-1,NOPE")
    assert "Not found among the customers Compare sees: NOPE (only customers flagged" in str(error)
    error, _out = failing("sync", "jobs", *QBO, "--select", "J9999")
    assert "Not found among the job invoices Compare sees: J9999 (only closed jobs with both flags set" in str(error)
    assert SyncRun.objects.count() == 0 and named(sandbox, "Acme Heating Ltd") == []


def test_all_leaves_a_zero_invoice_to_a_person_and_select_sends_it_knowingly(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    map_tax_codes(connected, sandbox)
    customer = Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd")
    closed_flagged_job(org_a, customer, "J1001")
    JobLine.objects.filter(job__number="J1001").update(quantity=Decimal(0))  # J1062 in the demo: 0.00
    row = by_key(as_json("compare", "jobs", *QBO)["records"])["J1001"]
    assert "totals 0.00" in row["totals"]["warning"]
    data = as_json("sync", "jobs", *QBO, "--all")
    assert data["counts"] == {"skipped": 1} and data["records"][0]["message"].startswith("Needs a person: This")
    assert "--select" in data["records"][0]["fix"] and sandbox.quickbooks.invoices() == []
    data = as_json("sync", "jobs", *QBO, "--select", "J1001")
    assert data["counts"] == {"created": 2}, data
    [invoice] = sandbox.quickbooks.invoices()
    assert invoice["TotalAmt"] == 0
def test_all_leaves_re_creating_a_voided_invoice_and_deactivating_a_merged_customer_to_a_person(
        org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    from fieldbook.customers.merge import merge_customers

    map_tax_codes(connected, sandbox)
    target = Customer.objects.create(organisation=org_a, account_ref="KEEP", name="Keep Ltd")
    dupe = Customer.objects.create(organisation=org_a, account_ref="DUPE", name="Keep Limited (old)")
    closed_flagged_job(org_a, target, "J1001")
    assert as_json("sync", "customers", *QBO, "--all")["counts"] == {"created": 2}
    assert as_json("sync", "jobs", *QBO, "--all")["counts"] == {"created": 1}
    ledger_id = ExternalLink.objects.get(kind="invoice", local_number="J1001").ledger_id
    sandbox.quickbooks.void_invoice(sandbox.quickbooks.default_realm, ledger_id)
    Job.objects.filter(number="J1001").set_flags(True, True)
    merge_customers(target, [dupe])

    jobs = as_json("sync", "jobs", *QBO, "--all")
    assert jobs["counts"] == {"skipped": 1}, jobs
    assert by_key(jobs["records"])["J1001"]["message"].startswith("Needs a person:")
    customers = as_json("sync", "customers", *QBO, "--all")
    assert by_key(customers["records"])["DUPE"]["status"] == "skipped", customers
    assert all(c.get("Active", True) for c in sandbox.quickbooks.customers())
    assert len([i for i in sandbox.quickbooks.invoices() if i.get("DocNumber") == "J1001"]) == 1
