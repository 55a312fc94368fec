"""Sage contacts (ref §4), businesses and X-Business (ref §3), lookups (ref §6), idempotency (ref §8)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fieldbook.sandbox import Sandbox
from tests.sandbox.sage_helpers import Sage, codes, contact_body, sources


@pytest.fixture
def sage(sandbox: Sandbox) -> Iterator[Sage]:
    client = Sage(sandbox)
    yield client
    client.http.close()


def test_businesses_and_financial_settings(sage: Sage) -> None:
    listed = sage.get("businesses").json()
    assert listed["$total"] == 1
    assert listed["$items"] == [{"id": sage.business, "displayed_as": "Harbour Heating Ltd (Sage sandbox)",
                                 "$path": f"/businesses/{sage.business}"}]
    assert sage.get(f"businesses/{sage.business}").json()["country"]["id"] == "GB"
    settings = sage.get("financial_settings").json()
    assert settings["base_currency"] == {"id": "GBP", "displayed_as": "Pound Sterling (GBP)",
                                         "$path": "/currencies/GBP"}


def test_uk_vat_rates_ledger_accounts_currencies(sage: Sage) -> None:
    rates = {r["id"]: r["percentage"] for r in sage.get("tax_rates", params={"attributes": "all"}).json()["$items"]}
    assert rates == {"GB_STANDARD": 20.0, "GB_LOWER": 5.0, "GB_ZERO": 0.0, "GB_EXEMPT": 0.0, "GB_NO_TAX": 0.0}
    sales = sage.get("ledger_accounts", params={"visible_in": "sales", "attributes": "all"}).json()["$items"]
    assert [a["nominal_code"] for a in sales] == [4000, 4010, 4900]
    assert sales[0]["tax_rate"]["id"] == "GB_STANDARD"
    everything = sage.get("ledger_accounts").json()
    assert everything["$total"] == 6 and set(everything["$items"][0]) == {"id", "displayed_as", "$path"}
    assert [c["id"] for c in sage.get("currencies").json()["$items"]] == ["GBP", "EUR", "USD"]
    assert sage.get("currencies/GBP").json() == {"id": "GBP", "displayed_as": "Pound Sterling (GBP)",
                                                 "$path": "/currencies/GBP"}
    assert sage.get("tax_rates/GB_NOPE").status_code == 404


def test_x_business_selects_the_business_and_absent_uses_the_lead(sandbox: Sandbox, sage: Sage) -> None:
    other = sandbox.sage.seed_business(name="Bayside Plumbing")
    sage.create_contact("In the default")
    made = sage.post("contacts", {"contact": contact_body("In the other")}, business=other)
    assert made.status_code == 201
    assert [c["displayed_as"] for c in sage.get("contacts", business=other).json()["$items"]] == ["In the other"]
    # ref §3: without X-Business the token's lead business (the one consented to) is used, silently.
    assert sandbox.sage.calls_without_business() == 0
    lead = sage.get("contacts", business="").json()
    assert [c["displayed_as"] for c in lead["$items"]] == ["In the default"]
    assert sandbox.sage.calls_without_business() == 1
    unknown = sage.get("contacts", business="f" * 32)
    assert unknown.status_code == 403 and codes(unknown) == ["AccessDenied"]


def test_create_contact_with_main_contact_person_and_addresses(sage: Sage) -> None:
    made = sage.create_contact("Acme Ltd", reference="ACME01", tax_number="GB123456789",
                               main_address={"address_line_1": "1 High St", "city": "Leeds", "postal_code": "LS1 1AA"},
                               delivery_address={"address_line_1": "Unit 4", "city": "Wakefield"},
                               main_contact_person={"name": "Jo Bloggs", "email": "jo@acme.example",
                                                    "telephone": "0113 000 0000", "is_main_contact": True})
    assert made["displayed_as"] == "Acme Ltd (ACME01)"
    assert [t["id"] for t in made["contact_types"]] == ["CUSTOMER"]
    assert made["main_address"]["postal_code"] == "LS1 1AA" and made["main_address"]["is_main_address"] is True
    assert made["delivery_address"]["city"] == "Wakefield"
    assert made["main_contact_person"]["email"] == "jo@acme.example" and made["email"] == "jo@acme.example"
    assert made["balance"] == 0.0
    assert sage.get(f"contacts/{made['id']}").json() == made


def test_required_fields_answer_422_with_the_error_array(sage: Sage) -> None:
    reply = sage.post("contacts", {"contact": {"reference": "X"}})
    assert reply.status_code == 422
    assert reply.json() == [
        {"$severity": "error", "$dataCode": "RecordInvalid", "$message": "name is required", "$source": "contact.name"},
        {"$severity": "error", "$dataCode": "RecordInvalid", "$message": "contact_type_ids is required",
         "$source": "contact.contact_type_ids"}]
    assert sources(sage.post("contacts", {"contact": contact_body(contact_type_ids=["FRIEND"])})) == [
        "contact.contact_type_ids"]
    assert sources(sage.post("contacts", {"name": "Unwrapped"})) == ["contact"]


@pytest.mark.parametrize(("reference", "status"), [("ABCDEFGHIJ", 201), ("ABCDEFGHIJK", 422)])
def test_reference_is_at_most_10(sage: Sage, reference: str, status: int) -> None:
    reply = sage.post("contacts", {"contact": contact_body(reference=reference)})
    assert reply.status_code == status
    if status == 422:
        assert sources(reply) == ["contact.reference"]


@pytest.mark.parametrize(("field", "limit"), [("name", 100)])
def test_name_is_at_most_100(sage: Sage, field: str, limit: int) -> None:
    assert sage.post("contacts", {"contact": contact_body("n" * limit)}).status_code == 201
    assert sources(sage.post("contacts", {"contact": contact_body("n" * (limit + 1))})) == ["contact.name"]


def test_address_and_person_limits(sage: Sage) -> None:
    assert sage.post("contacts", {"contact": contact_body(main_address={"postal_code": "P" * 10})}).status_code == 201
    long_code = sage.post("contacts", {"contact": contact_body("B", main_address={"postal_code": "P" * 11})})
    assert sources(long_code) == ["contact.main_address.postal_code"]
    long_line = sage.post("contacts", {"contact": contact_body("C", main_address={"address_line_1": "L" * 51})})
    assert sources(long_line) == ["contact.main_address.address_line_1"]
    bad_email = sage.post("contacts", {"contact": contact_body("D", main_contact_person={"email": "not-an-email"})})
    assert sources(bad_email) == ["contact.main_contact_person.email"]


def test_reference_is_unique_among_live_contacts(sage: Sage) -> None:
    first = sage.create_contact("One", reference="R1")
    taken = sage.post("contacts", {"contact": contact_body("Two", reference="R1")})
    assert taken.status_code == 422 and sources(taken) == ["contact.reference"]
    assert sage.delete(f"contacts/{first['id']}").status_code == 204
    assert sage.post("contacts", {"contact": contact_body("Two", reference="R1")}).status_code == 201


def test_unknown_and_misspelt_keys_are_refused(sage: Sage) -> None:
    reply = sage.post("contacts", {"contact": contact_body(refrence="ACME01")})
    assert reply.status_code == 422
    assert reply.json() == [{"$severity": "error", "$dataCode": "UnexpectedAttribute",
                             "$message": "refrence is not a known attribute", "$source": "contact.refrence"}]
    nested = sage.post("contacts", {"contact": contact_body(main_contact_person={"emial": "x@y.z"})})
    assert sources(nested) == ["contact.main_contact_person.emial"]


def test_put_updates_and_moves_updated_at(sandbox: Sandbox, sage: Sage) -> None:
    made = sage.create_contact("Acme Ltd", reference="ACME01", main_contact_person={"name": "Jo"})
    sandbox.advance(5)
    reply = sage.put(f"contacts/{made['id']}", {"contact": {"name": "Acme Limited",
                                                            "main_contact_person": {"email": "jo@acme.example"}}})
    assert reply.status_code == 200
    body = reply.json()
    assert (body["name"], body["reference"], body["main_contact_person"]["name"], body["email"]) == (
        "Acme Limited", "ACME01", "Jo", "jo@acme.example")
    assert body["created_at"] == made["created_at"] and body["updated_at"] > made["updated_at"]
    assert sources(sage.put(f"contacts/{made['id']}", {"contact": {"reference": "X" * 11}})) == ["contact.reference"]
    assert sage.get(f"contacts/{made['id']}").json()["reference"] == "ACME01"  # a refused PUT changes nothing


def test_delete_contact_is_204_and_it_is_gone(sage: Sage) -> None:
    made = sage.create_contact()
    reply = sage.delete(f"contacts/{made['id']}")
    assert (reply.status_code, reply.content) == (204, b"")
    assert sage.get(f"contacts/{made['id']}").status_code == 404
    assert sage.get("contacts").json()["$total"] == 0


def test_a_contact_with_invoices_cannot_be_deleted(sage: Sage) -> None:
    made = sage.create_contact()
    sage.create_invoice(made["id"])
    refused = sage.delete(f"contacts/{made['id']}")
    assert refused.status_code == 422 and codes(refused) == ["RecordInvalid"]


def test_idempotency_id_twice_creates_one_contact_and_replays_the_answer(sage: Sage) -> None:
    body = {"contact": contact_body(reference="ACME01", idempotency_id="3f2504e04f8941d39a0c0305e82c3301")}
    first = sage.post("contacts", body)
    again = sage.post("contacts", body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert sage.get("contacts").json()["$total"] == 1
    other = sage.post("contacts", {"contact": contact_body("Someone else",
                                                           idempotency_id="3f2504e04f8941d39a0c0305e82c3301")})
    assert other.status_code == 422 and codes(other) == ["IdempotencyConflict"]
    assert sage.get("contacts").json()["$total"] == 1


def test_a_refused_create_is_not_remembered_for_its_idempotency_id(sage: Sage) -> None:
    key = "0" * 32
    assert sage.post("contacts", {"contact": contact_body("n" * 101, idempotency_id=key)}).status_code == 422
    assert sage.post("contacts", {"contact": contact_body("Fixed", idempotency_id=key)}).status_code == 201


def test_search_type_and_email_filters(sage: Sage) -> None:
    sage.create_contact("Acme Ltd", reference="ACME01", main_contact_person={"email": "jo@acme.example"})
    sage.create_contact("Bolt & Nut", reference="BOLT")
    sage.created(sage.post("contacts", {"contact": contact_body("Supplier Co", contact_type_ids=["VENDOR"])}))

    def names(**params: str) -> list[str]:
        return [c["displayed_as"] for c in sage.get("contacts", params=params).json()["$items"]]

    assert names(contact_type_id="CUSTOMER") == ["Acme Ltd (ACME01)", "Bolt & Nut (BOLT)"]
    assert names(search="bolt") == ["Bolt & Nut (BOLT)"]
    assert names(search="acme0") == ["Acme Ltd (ACME01)"]
    assert names(email="JO@acme.example") == ["Acme Ltd (ACME01)"]


def test_unknown_paths_and_methods(sage: Sage) -> None:
    assert sage.get("widgets").status_code == 404
    assert sage.delete("tax_rates/GB_STANDARD").status_code == 405
    assert sage.get("contacts/" + "0" * 32).status_code == 404
