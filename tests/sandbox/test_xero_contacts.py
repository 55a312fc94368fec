"""Xero Contacts (ref §2, §4, §5): PUT creates, POST creates or updates, names unique among active
contacts, archive, merge, the filters and paging, summarizeErrors."""

from __future__ import annotations

from datetime import timedelta

from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.xero_helpers import Xero

DUPLICATE = ("The contact name Acme Ltd is already assigned to another contact. "
             "The contact name must be unique across all active contacts.")


def names(body: dict[str, object]) -> list[str]:
    return [c["Name"] for c in body["Contacts"]]  # type: ignore[attr-defined]


def test_put_creates_and_post_updates_by_contact_id_or_number(xero: Xero) -> None:
    made = xero.create_contact("Acme Ltd", ContactNumber="CUST-1", EmailAddress="jo@acme.example",
                               Addresses=[{"AddressType": "STREET", "City": "Leeds"}])
    assert made["ContactStatus"] == "ACTIVE" and made["UpdatedDateUTC"].startswith("/Date(")
    by_id = xero.ok(xero.post("Contacts", {"Contacts": [{"ContactID": made["ContactID"], "Name": "Acme Limited"}]},
                              params={"summarizeErrors": "false"}))["Contacts"][0]
    assert by_id["Name"] == "Acme Limited" and by_id["EmailAddress"] == "jo@acme.example"  # omitted fields kept
    by_number = xero.ok(xero.post("Contacts", {"Contacts": [{"ContactNumber": "CUST-1", "FirstName": "Jo"}]}))
    assert by_number["Contacts"][0]["ContactID"] == made["ContactID"]
    created = xero.ok(xero.post("Contacts", {"Contacts": [{"Name": "New by POST"}]}))["Contacts"][0]
    assert created["ContactID"] != made["ContactID"]
    single = xero.ok(xero.post(f"Contacts/{made['ContactID']}", {"Contacts": [{"Name": "Via path"}]}))
    assert single["Contacts"][0]["Name"] == "Via path"
    assert xero.ok(xero.get("Contacts/CUST-1"))["Contacts"][0]["Name"] == "Via path"
    assert xero.get("Contacts/nope").status_code == 404
    assert xero.request("DELETE", f"Contacts/{made['ContactID']}").status_code == 404  # no DELETE: archive


def test_put_with_an_existing_id_is_refused(xero: Xero) -> None:
    made = xero.create_contact("Acme Ltd")
    again = xero.put("Contacts", {"Contacts": [{"ContactID": made["ContactID"], "Name": "Other"}]},
                     params={"summarizeErrors": "false"})
    assert again.json()["Contacts"][0]["StatusAttributeString"] == "ERROR"


def test_names_are_unique_among_active_contacts_only(xero: Xero) -> None:
    first = xero.create_contact("Acme Ltd")
    refused = xero.put("Contacts", {"Contacts": [{"Name": "acme ltd"}]})
    assert refused.status_code == 400
    body = refused.json()
    assert body["Type"] == "ValidationException" and body["ErrorNumber"] == 10
    assert body["Elements"][0]["ValidationErrors"][0]["Message"].startswith("The contact name acme ltd is already")
    xero.ok(xero.post("Contacts", {"Contacts": [{"ContactID": first["ContactID"], "ContactStatus": "ARCHIVED"}]}))
    again = xero.create_contact("Acme Ltd")  # the archived one no longer holds the name
    unarchive = xero.post("Contacts", {"Contacts": [{"ContactID": first["ContactID"], "ContactStatus": "ACTIVE"}]},
                          params={"summarizeErrors": "false"}).json()["Contacts"][0]
    assert unarchive["ValidationErrors"] == [{"Message": DUPLICATE}] and again["Name"] == "Acme Ltd"


def test_summarize_errors_false_gives_200_with_per_element_status(xero: Xero) -> None:
    xero.create_contact("Acme Ltd")
    reply = xero.put("Contacts", {"Contacts": [{"Name": "Good One"}, {"Name": "Acme Ltd"}, {"FirstName": "No name"}]},
                     params={"summarizeErrors": "false"})
    assert reply.status_code == 200
    rows = reply.json()["Contacts"]
    assert [r["StatusAttributeString"] for r in rows] == ["OK", "ERROR", "ERROR"]
    assert rows[0]["ContactID"] and rows[0]["HasValidationErrors"] is False
    assert rows[1]["HasValidationErrors"] is True and rows[1]["ValidationErrors"] == [{"Message": DUPLICATE}]
    assert "ContactID" not in rows[1]


def test_missing_summarize_errors_stores_the_valid_elements_without_returning_their_ids(xero: Xero) -> None:
    xero.create_contact("Acme Ltd")
    reply = xero.put("Contacts", {"Contacts": [{"Name": "Stored Anyway"}, {"Name": "Acme Ltd"}]})
    assert reply.status_code == 400
    elements = reply.json()["Elements"]
    assert [e["Name"] for e in elements] == ["Acme Ltd"]
    assert elements[0]["ContactID"] == "00000000-0000-0000-0000-000000000000"
    assert "Stored Anyway" in names(xero.ok(xero.get("Contacts")))


def test_empty_body_is_no_data_processed(xero: Xero) -> None:
    reply = xero.put("Contacts", {"Contacts": []})
    assert reply.status_code == 400 and reply.json()["Type"] == "NoDataProcessedException"


def test_archived_hidden_unless_include_archived_and_merged_carry_merged_to(xero: Xero) -> None:
    keep = xero.create_contact("Keep Ltd")
    gone = xero.create_contact("Gone Ltd")
    xero.sandbox.xero.merge_contacts(gone["ContactID"], keep["ContactID"])
    assert names(xero.ok(xero.get("Contacts"))) == ["Keep Ltd"]
    everything = xero.ok(xero.get("Contacts", params={"includeArchived": "true", "page": "1"}))["Contacts"]
    merged = next(c for c in everything if c["Name"] == "Gone Ltd")
    assert merged["ContactStatus"] == "ARCHIVED" and merged["MergedToContactID"] == keep["ContactID"]
    unpaged = xero.ok(xero.get("Contacts", params={"includeArchived": "true"}))["Contacts"]
    assert all("MergedToContactID" not in c for c in unpaged)  # ref §2: only paged or single GETs
    single = xero.ok(xero.get(f"Contacts/{gone['ContactID']}"))["Contacts"][0]
    assert single["MergedToContactID"] == keep["ContactID"]
    xero.sandbox.xero.archive_contact(keep["ContactID"])
    assert xero.ok(xero.get("Contacts"))["Contacts"] == []


def test_where_ids_search_order_and_paging(xero: Xero) -> None:
    made = [xero.create_contact(f"Customer {n:02d}", EmailAddress=f"c{n}@example.com") for n in range(12)]
    where = xero.ok(xero.get("Contacts", params={"where": 'Name.StartsWith("customer 0") AND '
                                                          'EmailAddress!=null'}))
    assert len(where["Contacts"]) == 10
    exact = xero.ok(xero.get("Contacts", params={"where": 'Name=="Customer 03" OR Name=="Customer 11"'}))
    assert names(exact) == ["Customer 03", "Customer 11"]
    guid = xero.ok(xero.get("Contacts", params={"where": f'ContactID==Guid("{made[4]["ContactID"]}")'}))
    assert names(guid) == ["Customer 04"]
    ids = ",".join(c["ContactID"] for c in made[:3])
    assert len(xero.ok(xero.get("Contacts", params={"IDs": ids}))["Contacts"]) == 3
    assert names(xero.ok(xero.get("Contacts", params={"searchTerm": "C7@EXAMPLE"}))) == ["Customer 07"]
    ordered = names(xero.ok(xero.get("Contacts", params={"order": "Name DESC"})))
    assert ordered[0] == "Customer 11"
    page = xero.ok(xero.get("Contacts", params={"page": "2", "pageSize": "5"}))
    assert page["pagination"] == {"page": 2, "pageSize": 5, "pageCount": 3, "itemCount": 12}
    assert names(page) == [f"Customer {n:02d}" for n in range(5, 10)]
    assert xero.get("Contacts", params={"where": 'Name=="unterminated'}).status_code == 400


def test_if_modified_since_in_iso_and_rfc1123(xero: Xero, clock: VirtualClock) -> None:
    xero.create_contact("Old Ltd")
    clock.advance(10)
    since = clock.now()
    clock.advance(1)
    xero.create_contact("New Ltd")
    iso = since.replace(tzinfo=None).isoformat()  # no zone: UTC
    assert names(xero.ok(xero.get("Contacts", headers={"If-Modified-Since": iso}))) == ["New Ltd"]
    rfc = (since - timedelta(seconds=0)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert names(xero.ok(xero.get("Contacts", headers={"If-Modified-Since": rfc}))) == ["New Ltd"]


def test_order_by_updated_date_keeps_the_time_of_day(xero: Xero, clock: VirtualClock) -> None:
    for name in ("Zed Ltd", "Amy Ltd", "Mid Ltd"):
        xero.create_contact(name)
        clock.advance(1)
    assert names(xero.ok(xero.get("Contacts", params={"order": "UpdatedDateUTC DESC"}))) == \
        ["Mid Ltd", "Amy Ltd", "Zed Ltd"]
    assert names(xero.ok(xero.get("Contacts", params={
        "where": "UpdatedDateUTC >= DateTime(2026, 11, 02, 09, 00, 01)", "order": "Name"}))) == ["Amy Ltd", "Mid Ltd"]
