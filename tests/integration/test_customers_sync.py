"""Customers both ways through the pages, to the QuickBooks Online sandbox via the real connector."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from fieldbook.customers.models import Customer
from fieldbook.integration.models import ExternalLink, SyncRun

pytestmark = pytest.mark.django_db
COMPARE_UP = reverse("integration:transfer", args=["quickbooks", "customers"]) + "?compare=1&direction=up"
START = reverse("integration:start", args=["quickbooks", "customers"])


def compare_rows(client, url=COMPARE_UP):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return {row["key"]: row for row in response.context.get("rows") or []}


def sync(client, keys, django_capture_on_commit_callbacks, direction="up", **extra):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"selected": keys, "direction": direction, **extra})
    assert response.status_code == 302, response.content
    return SyncRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_add_then_update_then_unchanged(client_a, org_a, connected, sandbox, immediate_tasks,
                                        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-1", name="Acme Heating Ltd", email="a@acme.example")
    Customer.objects.create(organisation=org_a, account_ref="SKIP-1", name="Not Integrated", integrate=False)
    rows = compare_rows(client_a)
    assert set(rows) == {"ACME-1"} and rows["ACME-1"]["label"] == "Add"
    run = sync(client_a, ["ACME-1"], django_capture_on_commit_callbacks)
    assert run.state == "done" and run.counts == {"created": 1}, (run.state, run.counts, run.reason)
    in_ledger = [c for c in sandbox.quickbooks.customers() if c["DisplayName"] == "Acme Heating Ltd"]
    assert len(in_ledger) == 1 and "fieldbook:alpha:ACME-1" in in_ledger[0].get("Notes", "")
    link = ExternalLink.objects.get(connection=connected, kind="customer", local_number="ACME-1")
    assert link.ledger_id == in_ledger[0]["Id"]
    assert compare_rows(client_a) == {}  # nothing differs any more
    page = client_a.get(reverse("customers:detail", args=[Customer.objects.get(account_ref="ACME-1").pk]))
    assert f"id {link.ledger_id}" in page.content.decode()  # the customer shows its ledger link

    customer = Customer.objects.get(account_ref="ACME-1")
    customer.email = "accounts@acme.example"
    customer.save()
    rows = compare_rows(client_a)
    assert rows["ACME-1"]["label"] == "Update"
    assert [c["field"] for c in rows["ACME-1"]["changes"]] == ["email"]
    run = sync(client_a, ["ACME-1"], django_capture_on_commit_callbacks)
    assert run.counts == {"updated": 1}, (run.counts, run.reason)
    ledger = next(c for c in sandbox.quickbooks.customers() if c["Id"] == link.ledger_id)
    assert ledger["PrimaryEmailAddr"]["Address"] == "accounts@acme.example"
    assert len(sandbox.quickbooks.customers()) == len({c["Id"] for c in sandbox.quickbooks.customers()})


def test_run_page_shows_outcomes_and_history_lists_the_run(client_a, org_a, connected, immediate_tasks,
                                                           django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-2", name="Acme Two Ltd")
    run = sync(client_a, ["ACME-2"], django_capture_on_commit_callbacks)
    page = client_a.get(reverse("integration:run", args=[run.pk])).content.decode()
    assert "ACME-2" in page and "created" in page
    status = client_a.get(reverse("integration:run_status", args=[run.pk])).json()
    assert status == {"state": "done", "done": 1, "total": 1, "counts": {"created": 1}, "reason": ""}
    assert run.pk in client_a.get(reverse("integration:history")).content.decode()


def test_a_second_start_sync_is_refused_and_names_the_running_run(client_a, org_a, connected, alice):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="ACME-3", name="Acme Three Ltd")
    first = client_a.post(START, {"selected": ["ACME-3"], "direction": "up"})  # queued, not run (no worker)
    run = SyncRun.objects.get()
    assert first.status_code == 302 and run.state in ("pending", "running")
    second = client_a.post(START, {"selected": ["ACME-3"], "direction": "up"}, follow=True)
    assert f"already running on this connection (run {run.pk[:8]}, started by alice" in second.content.decode()
    assert SyncRun.objects.count() == 1


COMPARE_DOWN = reverse("integration:transfer", args=["quickbooks", "customers"]) + "?compare=1&direction=down"


def ledger_customer(sandbox, name, **fields):  # type: ignore[no-untyped-def]
    """A customer someone typed into QuickBooks directly (through its API, as the UI would)."""
    import httpx

    tokens = sandbox.quickbooks.issue_tokens()
    realm = sandbox.quickbooks.default_realm
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test") as http:
        response = http.post(f"/quickbooks/v3/company/{realm}/customer", json={"DisplayName": name, **fields},
                             headers={"Authorization": f"Bearer {tokens['access_token']}",
                                      "Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()["Customer"]


def test_download_adds_ledger_customers_to_fieldbook(client_a, org_a, connected, sandbox, immediate_tasks,
                                                     django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    made = ledger_customer(sandbox, "Brynmawr Café Ltd", PrimaryEmailAddr={"Address": "cafe@example.co.uk"})
    rows = compare_rows(client_a, COMPARE_DOWN)
    key = f"ledger:{made['Id']}"
    assert rows[key]["label"] == "Add"
    run = sync(client_a, [key], django_capture_on_commit_callbacks, direction="down")
    assert run.counts == {"created": 1}, (run.counts, run.reason)
    customer = Customer.objects.get(organisation=org_a, name="Brynmawr Café Ltd")
    assert customer.email == "cafe@example.co.uk"
    assert ExternalLink.objects.get(kind="customer", local_number=customer.account_ref).ledger_id == made["Id"]
    assert key not in compare_rows(client_a, COMPARE_DOWN)


def test_strong_key_link_and_name_only_candidate(client_a, org_a, connected, sandbox, immediate_tasks,
                                                 django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    by_email = ledger_customer(sandbox, "Daffodil Dental", PrimaryEmailAddr={"Address": "practice@daffodil.example"})
    by_name = ledger_customer(sandbox, "Oak & Ash Limited")
    Customer.objects.create(organisation=org_a, account_ref="DAFF", name="Daffodil Dental Practice",
                            email="practice@daffodil.example")  # fmt: skip
    Customer.objects.create(organisation=org_a, account_ref="OAK", name="Oak and Ash Ltd")
    in_ledger_before = len(sandbox.quickbooks.customers())
    rows = compare_rows(client_a)
    assert rows["DAFF"]["label"] == "Link" and "email" in rows["DAFF"]["reason"].lower()
    assert rows["OAK"]["label"] == "Link candidate" and rows["OAK"]["confirm"] == by_name["Id"]
    # Unconfirmed, the candidate is not linked; the strong match is.
    run = sync(client_a, ["DAFF", "OAK"], django_capture_on_commit_callbacks)
    assert run.counts == {"linked": 1}, (run.counts, run.blocked)
    assert run.blocked and run.blocked[0]["key"] == "OAK"
    run = sync(client_a, ["OAK"], django_capture_on_commit_callbacks, **{"confirm:OAK": by_name["Id"]})
    assert run.counts == {"linked": 1}
    links = dict(ExternalLink.objects.filter(kind="customer").values_list("local_number", "ledger_id"))
    assert links == {"DAFF": by_email["Id"], "OAK": by_name["Id"]}
    assert len(sandbox.quickbooks.customers()) == in_ledger_before  # linking writes nothing to the ledger


def test_conflict_lets_the_user_pick_a_side_per_field(client_a, org_a, connected, sandbox, immediate_tasks,
                                                      django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    import httpx

    customer = Customer.objects.create(organisation=org_a, account_ref="CONF", name="Conflict Co",
                                       phone="0113 000 0000")  # fmt: skip
    sync(client_a, ["CONF"], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(local_number="CONF")
    # Both sides change the phone number.
    customer.phone = "0113 111 1111"
    customer.save()
    ledger = next(c for c in sandbox.quickbooks.customers() if c["Id"] == link.ledger_id)
    tokens = sandbox.quickbooks.issue_tokens()
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test") as http:
        http.post(f"/quickbooks/v3/company/{sandbox.quickbooks.default_realm}/customer",
                  json={"Id": ledger["Id"], "SyncToken": ledger["SyncToken"], "sparse": True,
                        "PrimaryPhone": {"FreeFormNumber": "0113 222 2222"}},
                  headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
                  ).raise_for_status()  # fmt: skip
    rows = compare_rows(client_a)
    assert rows["CONF"]["label"] == "Conflict"
    change = next(c for c in rows["CONF"]["changes"] if c["name"] == "phone")
    assert change["conflict"] and (change["ours"], change["theirs"]) == ("0113 111 1111", "0113 222 2222")
    run = sync(client_a, ["CONF"], django_capture_on_commit_callbacks, **{"choice:CONF:phone": "ours"})
    assert run.counts == {"updated": 1}, (run.counts, run.blocked)
    ledger = next(c for c in sandbox.quickbooks.customers() if c["Id"] == link.ledger_id)
    assert ledger["PrimaryPhone"]["FreeFormNumber"] == "0113 111 1111"


def test_a_refused_record_fails_alone_with_a_fix_and_retry_sends_it_again(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="GOOD", name="Good Customer Ltd")
    # Our form would refuse this address; an import or an old record can still hold one.
    Customer.objects.filter(pk=Customer.objects.create(organisation=org_a, account_ref="BAD", name="Bad Email Ltd").pk
                            ).update(email="accounts@nowhere")  # fmt: skip
    run = sync(client_a, ["GOOD", "BAD"], django_capture_on_commit_callbacks)
    assert run.counts == {"created": 1, "failed": 1}, run.counts
    bad = run.steps.get(local_number="BAD")
    assert bad.outcome["code"] == "2210" and bad.outcome["message"] and bad.outcome["fix"]
    page = client_a.get(reverse("integration:run", args=[run.pk])).content.decode()
    assert "Retry the 1 failed record" in page and bad.outcome["message"] in page
    Customer.objects.filter(account_ref="BAD").update(email="accounts@nowhere.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("integration:retry", args=[run.pk]))
    retried = SyncRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert retried.pk != run.pk and retried.counts == {"created": 1}, (retried.counts, retried.reason)
    assert list(retried.steps.values_list("local_number", flat=True)) == ["BAD"]
    names = [c["DisplayName"] for c in sandbox.quickbooks.customers()]
    assert names.count("Good Customer Ltd") == 1 and names.count("Bad Email Ltd") == 1


def test_download_updates_a_linked_customer_and_bumps_its_version(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    import httpx

    customer = Customer.objects.create(organisation=org_a, account_ref="DOWN-1", name="Down Under Ltd")
    sync(client_a, ["DOWN-1"], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(local_number="DOWN-1")
    ledger = next(c for c in sandbox.quickbooks.customers() if c["Id"] == link.ledger_id)
    tokens = sandbox.quickbooks.issue_tokens()
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test") as http:
        http.post(f"/quickbooks/v3/company/{sandbox.quickbooks.default_realm}/customer",
                  json={"Id": ledger["Id"], "SyncToken": ledger["SyncToken"], "sparse": True,
                        "PrimaryEmailAddr": {"Address": "new@downunder.example"}},
                  headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
                  ).raise_for_status()  # fmt: skip
    version = Customer.objects.get(pk=customer.pk).version
    rows = compare_rows(client_a, COMPARE_DOWN)
    key = next(k for k, r in rows.items() if r["number"] == "DOWN-1" or k.endswith(link.ledger_id))
    assert rows[key]["label"] == "Update" and [c["name"] for c in rows[key]["changes"]] == ["email"]
    run = sync(client_a, [key], django_capture_on_commit_callbacks, direction="down")
    assert run.counts == {"updated": 1}, (run.counts, run.reason)
    customer.refresh_from_db()
    assert customer.email == "new@downunder.example" and customer.version == version + 1


def test_a_revoked_connection_pauses_the_run_and_reconnecting_resumes_it(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from fieldbook.integration import service
    from tests.integration.test_connect import consent

    Customer.objects.create(organisation=org_a, account_ref="PAUSE-1", name="Paused Ltd")
    client_a.post(START, {"selected": ["PAUSE-1"], "direction": "up"})  # planned and queued
    run = SyncRun.objects.get()
    # Before the worker gets to it, the user revokes Fieldbook's access in QuickBooks.
    sandbox.quickbooks.expire_access_tokens(sandbox.quickbooks.default_realm)
    sandbox.quickbooks.revoke_tokens(sandbox.quickbooks.default_realm)
    run = service.execute(run.pk)
    assert run.state == "paused" and "econnect" in run.reason, (run.state, run.reason)
    connected.refresh_from_db()
    assert connected.status == "reconnect_required" and connected.run_lease == ""
    assert not [c for c in sandbox.quickbooks.customers() if c["DisplayName"] == "Paused Ltd"]
    # The user reconnects; the paused run carries on by itself, and only once.
    with django_capture_on_commit_callbacks(execute=True):
        client_a.get(consent(client_a, sandbox))
    run.refresh_from_db()
    assert run.state == "done" and run.counts == {"created": 1}, (run.state, run.counts, run.reason)
    assert len([c for c in sandbox.quickbooks.customers() if c["DisplayName"] == "Paused Ltd"]) == 1


def test_a_crash_outside_the_ledger_pauses_the_run_and_frees_the_lease(
        client_a, org_a, connected, immediate_tasks, django_capture_on_commit_callbacks, monkeypatch):  # type: ignore[no-untyped-def]
    from fieldbook.sync.apply import Engine

    def broken(self, run_id):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(Engine, "resume", broken)
    Customer.objects.create(organisation=org_a, account_ref="CRASH-1", name="Crash Ltd")
    run = sync(client_a, ["CRASH-1"], django_capture_on_commit_callbacks)
    assert run.state == "paused" and "RuntimeError" in run.reason
    connected.refresh_from_db()
    assert connected.run_lease == ""  # the next Start Sync is not refused forever
    page = client_a.get(reverse("integration:run", args=[run.pk])).content.decode()
    assert "Resume this run" in page


def test_a_downloaded_customer_too_long_for_our_fields_fails_alone_and_is_never_cut(
        client_a, org_a, connected, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    long_postcode = "CF10 1AA / PO BOX 12345 / ATTN"  # 30 characters: QuickBooks takes it, ours holds 20
    bad = ledger_customer(sandbox, "Tŷ Hir Ltd", BillAddr={"Line1": "1 Heol Hir", "PostalCode": long_postcode})
    good = ledger_customer(sandbox, "Byr Ltd", BillAddr={"Line1": "2 Heol Fer", "PostalCode": "CF10 1AB"})
    rows = compare_rows(client_a, COMPARE_DOWN)
    keys = [f"ledger:{bad['Id']}", f"ledger:{good['Id']}"]
    assert {rows[k]["label"] for k in keys} == {"Add"}
    run = sync(client_a, keys, django_capture_on_commit_callbacks, direction="down")
    assert run.counts == {"created": 1, "failed": 1}, (run.counts, run.reason)  # one bad record never stops the run
    [failed] = [s.outcome for s in run.steps.all() if s.status == "failed"]
    assert "postcode in the ledger is 30 characters long; Fieldbook keeps at most 20" in failed["message"], failed
    assert "Shorten the postcode in the ledger to 20 characters or fewer" in failed["fix"]
    assert Customer.objects.get(organisation=org_a, name="Byr Ltd").postcode == "CF10 1AB"
    assert not Customer.objects.filter(organisation=org_a, name="Tŷ Hir Ltd").exists()  # never saved cut


def test_a_downloaded_update_too_long_for_our_fields_leaves_the_customer_as_it_was(org_a):  # type: ignore[no-untyped-def]
    from fieldbook.integration.records import DjangoLocalSide, TooLong, customer_record

    customer = Customer.objects.create(organisation=org_a, account_ref="LONG-1", name="Hir Ltd", city="Cardiff")
    record = customer_record(customer, org_a)
    side = DjangoLocalSide(org_a)
    with pytest.raises(TooLong, match="town / city in the ledger is 101 characters long; Fieldbook keeps at most 100"):
        side.update_customer("LONG-1", replace(record, name="Hir Newydd Ltd",
                                               address=replace(record.address, city="C" * 101)))
    customer.refresh_from_db()
    assert (customer.name, customer.city) == ("Hir Ltd", "Cardiff")


def test_a_downloaded_name_with_a_direction_control_is_refused_as_the_forms_refuse_it(org_a):  # type: ignore[no-untyped-def]
    from fieldbook.connectors.records import CustomerRecord
    from fieldbook.integration.records import DjangoLocalSide, Refused

    spoof = CustomerRecord(number="", name="Smith \u202eLtd", ledger_id="91")
    with pytest.raises(Refused, match="direction-control character") as refused:
        DjangoLocalSide(org_a).create_customer(spoof)
    assert "Correct the name in the ledger" in refused.value.fix
    assert not Customer.objects.filter(organisation=org_a).exists()


def test_the_run_page_of_a_run_still_waiting_shows_its_update_steps(
        client_a, org_a, connected, settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    saved = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    customer = Customer.objects.create(organisation=org_a, account_ref="WAIT-1", name="Wait Ltd")
    sync(client_a, ["WAIT-1"], django_capture_on_commit_callbacks)
    link = ExternalLink.objects.get(local_number="WAIT-1")
    settings.TASKS = saved  # no worker from here: the next run stays queued
    customer.email = "wait@example.test"
    customer.save()
    client_a.post(START, {"selected": ["WAIT-1"], "direction": "up"})
    run = SyncRun.objects.exclude(state="done").get()
    # Its update step has no outcome yet, but knows the ledger record it updates.
    response = client_a.get(reverse("integration:run", args=[run.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "WAIT-1" in page and ">open</a>" in page and link.ledger_id in page
