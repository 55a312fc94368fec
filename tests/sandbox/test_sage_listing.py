"""Sage lists (ref §7): the `$items` envelope, paging, stubs unless `attributes`, and the
incremental filters at their exact boundaries on the virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.sage_helpers import Sage, sources


@pytest.fixture
def sage(sandbox: Sandbox) -> Iterator[Sage]:
    sandbox.sage_limits.enabled = False  # these tests page through many records
    client = Sage(sandbox)
    yield client
    client.http.close()


def seed(sage: Sage, count: int) -> list[str]:
    return [sage.create_contact(f"Customer {n:03d}")["id"] for n in range(count)]


def iso(clock: VirtualClock, delta: float = 0) -> str:
    return (clock.now() + timedelta(seconds=delta)).isoformat()


def test_envelope_defaults_to_20_per_page_and_stubs(sandbox: Sandbox, sage: Sage) -> None:
    seed(sage, 23)
    first = sage.get("contacts").json()
    assert set(first) == {"$total", "$page", "$next", "$back", "$itemsPerPage", "$items"}
    assert (first["$total"], first["$page"], first["$itemsPerPage"], len(first["$items"])) == (23, 1, 20, 20)
    assert first["$back"] is None and first["$next"] == "/contacts?page=2"
    assert all(set(item) == {"id", "displayed_as", "$path"} for item in first["$items"])
    second = sage.get("contacts", params={"page": 2}).json()
    assert (second["$page"], len(second["$items"]), second["$next"], second["$back"]) == (
        2, 3, None, "/contacts?page=1")


def test_walking_next_keeps_the_query(sandbox: Sandbox, sage: Sage) -> None:
    made = seed(sage, 7)
    seen: list[str] = []
    path: str | None = "contacts?items_per_page=3&attributes=all"
    while path:
        page = sage.get(path).json()
        seen += [item["id"] for item in page["$items"]]
        assert all("main_address" in item for item in page["$items"])
        path = page["$next"]
    assert seen == made


@pytest.mark.parametrize(("per_page", "status"), [(200, 200), (201, 422), (0, 422)])
def test_items_per_page_is_at_most_200(sage: Sage, per_page: int, status: int) -> None:
    reply = sage.get("contacts", params={"items_per_page": per_page})
    assert reply.status_code == status
    if status == 422:
        assert sources(reply) == ["items_per_page"]


def test_200_per_page_over_201_records(sandbox: Sandbox, sage: Sage) -> None:
    sandbox.sage.set_rate_limit(10_000)
    seed(sage, 201)
    first = sage.get("contacts", params={"items_per_page": 200}).json()
    assert (len(first["$items"]), first["$next"]) == (200, "/contacts?items_per_page=200&page=2")


def test_a_page_beyond_the_end_is_the_last_page(sandbox: Sandbox, sage: Sage) -> None:
    made = seed(sage, 5)
    page = sage.get("contacts", params={"items_per_page": 2, "page": 9}).json()
    assert page["$page"] == 3 and [i["id"] for i in page["$items"]] == made[4:]
    assert sage.get("contacts", params={"page": 1}).json()["$total"] == 5


def test_attributes_lists_pick_attributes(sage: Sage) -> None:
    sage.create_contact("Acme Ltd", reference="ACME01")
    item = sage.get("contacts", params={"attributes": "reference,balance"}).json()["$items"][0]
    assert set(item) == {"id", "displayed_as", "$path", "reference", "balance"}
    assert item["reference"] == "ACME01"


def test_updated_or_created_since_is_inclusive_to_the_second(sandbox: Sandbox, sage: Sage,
                                                             clock: VirtualClock) -> None:
    early = sage.create_contact("Early")
    clock.advance(10)
    boundary = iso(clock)
    late = sage.create_contact("Late")

    def ids(since: str) -> list[str]:
        return [c["id"] for c in sage.get("contacts", params={"updated_or_created_since": since}).json()["$items"]]

    assert ids(boundary) == [late["id"]]  # updated_at == since: included
    assert ids(iso(clock, 1)) == []
    assert ids(iso(clock, -1)) == [late["id"]]
    clock.advance(5)
    sage.put(f"contacts/{early['id']}", {"contact": {"notes": "changed"}})
    assert ids(iso(clock)) == [early["id"]]  # an update counts, listed in creation order


def test_deleted_since_is_exclusive(sage: Sage, clock: VirtualClock) -> None:
    gone = sage.create_contact("Gone")
    kept = sage.create_contact("Kept")
    clock.advance(30)
    at = iso(clock)
    assert sage.delete(f"contacts/{gone['id']}").status_code == 204

    def ids(since: str) -> list[str]:
        return [c["id"] for c in sage.get("contacts", params={"deleted_since": since}).json()["$items"]]

    assert ids(iso(clock, -1)) == [gone["id"]]
    assert ids(at) == []  # deleted_at == since: excluded
    assert [c["id"] for c in sage.get("contacts").json()["$items"]] == [kept["id"]]
    full = sage.get("contacts", params={"deleted_since": iso(clock, -1), "attributes": "deleted_at"}).json()
    assert full["$items"][0]["deleted_at"] == clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_voided_invoices_appear_in_deleted_since_and_stay_listed(sage: Sage, clock: VirtualClock) -> None:
    contact = sage.create_contact()
    invoice = sage.create_invoice(contact["id"])
    clock.advance(60)
    before = iso(clock, -0.5)
    sage.delete(f"sales_invoices/{invoice['id']}", params={"void_reason": "Raised in error"})
    voided = sage.get("sales_invoices", params={"deleted_since": before, "attributes": "status"}).json()["$items"]
    assert [(i["id"], i["status"]["id"]) for i in voided] == [(invoice["id"], "VOID")]
    assert sage.get("sales_invoices", params={"deleted_since": iso(clock)}).json()["$total"] == 0
    assert sage.get("sales_invoices").json()["$total"] == 1


@pytest.mark.parametrize("value", ["2026-11-02T09:00:00", "2026-11-02T09:00:00 00:00", "yesterday"])
def test_since_needs_an_offset_and_a_url_encoded_plus(sage: Sage, value: str) -> None:
    reply = sage.get("contacts", params={"updated_or_created_since": value})
    assert reply.status_code == 422 and sources(reply) == ["updated_or_created_since"]


def test_date_only_forms_of_the_spec(sage: Sage, clock: VirtualClock) -> None:
    sage.create_contact()
    today = clock.now().date().isoformat()
    for value in (today, f"{today}T+00:00", f"{today}T-05:00", f"{today}T09:00:00Z"):
        assert sage.get("contacts", params={"updated_or_created_since": value}).json()["$total"] == 1, value


def test_invoice_filters_and_sort(sage: Sage, clock: VirtualClock) -> None:
    acme, bolt = sage.create_contact("Acme Ltd")["id"], sage.create_contact("Bolt Ltd")["id"]
    first = sage.create_invoice(acme, date="2026-10-01", reference="JOB-1")
    clock.advance(1)
    second = sage.create_invoice(bolt, date="2026-09-01", reference="JOB-2")

    def ids(**params: str) -> list[str]:
        return [i["id"] for i in sage.get("sales_invoices", params=params).json()["$items"]]

    assert ids(contact_id=bolt) == [second["id"]]
    assert ids(search="job-1") == [first["id"]] and ids(search="bolt") == [second["id"]]
    assert ids(from_date="2026-09-15") == [first["id"]] and ids(to_date="2026-09-15") == [second["id"]]
    assert ids(sort="date") == [second["id"], first["id"]]
    assert ids(sort="created_at:desc") == [second["id"], first["id"]]
    assert ids(status_id="UNPAID") == [first["id"], second["id"]]
    assert sources(sage.get("sales_invoices", params={"sort": "amount"})) == ["sort"]
