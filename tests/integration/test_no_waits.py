"""Issue 10 §1 and §5 through the pages, against the sandbox: Settings never reads the ledger's
lists on a page load, a throttle never makes a page wait, and Start Sync reads nothing that the
Compare before it read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from django.urls import reverse

from fieldbook.integration import ledgers, sweeper
from fieldbook.integration.models import LedgerReference
from tests.integration.test_invoices_sync import compare, sync
from tests.web.isolation.catalogue import make_customer, make_job, tax_codes

pytestmark = pytest.mark.django_db
SETTINGS = reverse("integration:settings", args=["quickbooks"])


class Calls(httpx.BaseTransport):
    """The sandbox transport, keeping each API call as "<METHOD> <what>" (a query's statement, a
    CDC's entities), token calls left out."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/v3/company/" in path:
            rest = path.split("/v3/company/", 1)[1].split("/", 1)[1]
            query = parse_qs(request.url.query.decode())
            what = query.get("query", [""])[0] or query.get("entities", [""])[0]
            self.seen.append(f"{request.method} {rest} {what}".strip())
        return self.inner.handle_request(request)

    def reads(self) -> list[str]:
        return [c for c in self.seen if c.startswith("GET")]


@pytest.fixture
def calls(sandbox: Any) -> Iterator[Calls]:
    recorder = Calls(sandbox.transport())
    saved = ledgers.transport_factory
    ledgers.transport_factory = lambda: recorder
    yield recorder
    ledgers.transport_factory = saved


@pytest.fixture
def books(org_a, request):  # type: ignore[no-untyped-def]
    tax_codes(org_a)
    return request.getfixturevalue("connected")


def test_settings_shows_the_lists_read_at_connect_without_asking_the_ledger(client_a, books, calls):  # type: ignore[no-untyped-def]
    assert LedgerReference.objects.filter(connection=books).exists()  # read and kept at Connect
    for _ in range(3):
        page = client_a.get(SETTINGS)
        assert page.status_code == 200 and page.context["mapping_form"] is not None
    assert calls.seen == []  # no ledger call on a page load
    assert "Refresh from ledger" in page.content.decode()


def test_refresh_from_ledger_reads_the_lists_again(client_a, books, calls, sandbox):  # type: ignore[no-untyped-def]
    before = LedgerReference.objects.get(connection=books).read_at
    page = client_a.post(SETTINGS, {"refresh_reference": "1"}, follow=True)
    assert "read from the ledger" in page.content.decode()
    assert any("FROM TaxCode" in c for c in calls.seen) and any("FROM Item" in c for c in calls.seen)
    assert LedgerReference.objects.get(connection=books).read_at >= before


def test_staff_cannot_refresh_the_lists(client, bob, books, calls):  # type: ignore[no-untyped-def]
    client.force_login(bob)
    client.post(SETTINGS, {"refresh_reference": "1"})
    assert calls.seen == []


def test_a_throttled_refresh_answers_at_once_and_says_so(client_a, books, calls, sandbox, clock, settings):  # type: ignore[no-untyped-def]
    settings.FIELDBOOK_WEB_LIMITER_PATIENCE = 0.3  # as served: a page never waits on a throttle
    sandbox.faults.add(kind="throttle", count=3, retry_after=20)
    start = clock.monotonic()
    page = client_a.post(SETTINGS, {"refresh_reference": "1"}, follow=True).content.decode()
    assert clock.monotonic() - start < 0.3  # nobody slept
    assert "QuickBooks asked us to slow down" in page
    assert page.count('name="save_mapping"') == 1  # the lists read before are still offered
    # The ledger's pause is in the company's budget: background work waits it out, then goes on.
    with ledgers.background():
        assert ledgers.connector_for(books).customers().records is not None
    assert clock.monotonic() - start >= 20


def test_a_throttled_compare_shows_what_fieldbook_holds_at_once(client_a, org_a, books, calls, sandbox, clock,
                                                                settings):  # type: ignore[no-untyped-def]
    job = make_job(org_a, make_customer(org_a, "TEAROOM", "Tearooms"), lines=(("1", "10", "VAT20"),),
                   closed=True, flagged=True)
    assert compare(client_a, "jobs")[job.number]["label"] == "Add"
    settings.FIELDBOOK_WEB_LIMITER_PATIENCE = 0.3
    sandbox.faults.add(kind="throttle", count=10)
    start = clock.monotonic()
    response = client_a.get(reverse("integration:transfer", args=["quickbooks", "jobs"]), {"compare": "1"})
    assert clock.monotonic() - start < 0.3
    rows = {row["key"]: row for row in response.context["rows"]}
    assert rows[job.number]["label"] == "Add"  # from our copy of the ledger
    assert "QuickBooks asked us to slow down" in response.content.decode()


def test_start_sync_reads_nothing_that_compare_read(client_a, org_a, books, calls, sandbox, immediate_tasks,
                                                    django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    customer = make_customer(org_a, "TEAROOM", "Tearooms")
    jobs = [make_job(org_a, customer, lines=(("1", "10", "VAT20"),), closed=True, flagged=True) for _ in range(3)]
    compare(client_a, "jobs")  # the first Compare reads everything once
    compared = calls.reads()
    assert len(compared) == len(set(compared)), compared  # and nothing twice
    calls.seen.clear()
    run = sync(client_a, "jobs", [j.number for j in jobs], django_capture_on_commit_callbacks)
    assert run.state == "done" and run.counts == {"created": 4}, (run.reason, run.counts)
    assert calls.reads() == []  # Start Sync and its run: writes only
    assert [c.split()[1] for c in calls.seen] == ["batch", "batch"]  # the customer, then the invoices
    assert len(sandbox.quickbooks.invoices()) >= 3


def test_the_sweeper_reads_lists_never_read(books, calls):  # type: ignore[no-untyped-def]
    LedgerReference.objects.filter(connection=books).delete()
    report = sweeper.sweep_once()
    assert report.lists == [books.pk] and LedgerReference.objects.filter(connection=books).exists()
    calls.seen.clear()
    assert sweeper.sweep_once().lists == [] and calls.seen == []  # young lists are left alone


def test_the_same_records_started_from_two_tabs_are_sent_once_and_never_fail(
        client_a, org_a, books, calls, sandbox, immediate_tasks, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Issue 10 §4: both tabs compared before either started; the second Start Sync finds the
    ledger already holding what it planned: nothing failed, nothing sent twice."""
    customer = make_customer(org_a, "TEAROOM", "Tearooms")
    job = make_job(org_a, customer, lines=(("1", "10", "VAT20"),), closed=True, flagged=True)
    assert compare(client_a, "jobs")[job.number]["label"] == "Add"  # tab 1
    assert compare(client_a, "jobs")[job.number]["label"] == "Add"  # tab 2
    first = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert first.counts == {"created": 2}, (first.reason, first.counts)
    calls.seen.clear()
    second = sync(client_a, "jobs", [job.number], django_capture_on_commit_callbacks)
    assert second.state == "done" and "failed" not in second.counts, second.counts
    assert not second.steps.filter(status="failed").exists()
    assert calls.seen == []  # nothing sent, nothing read
    assert [i["DocNumber"] for i in sandbox.quickbooks.invoices()].count(job.number) == 1


def test_refresh_from_ledger_also_reads_the_company_rules_again(client_a, books, calls, sandbox):  # type: ignore[no-untyped-def]
    """Runs and Compare use the rules Connect read; Refresh from ledger is where a change made in
    QuickBooks (here: custom invoice numbers switched off) is picked up."""
    assert books.custom_numbers
    sandbox.quickbooks.set_preferences(books.company_id, custom_txn_numbers=False)
    client_a.post(SETTINGS, {"refresh_reference": "1"})
    books.refresh_from_db()
    assert not books.custom_numbers
    assert any("FROM Preferences" in c for c in calls.seen)
