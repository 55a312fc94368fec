"""Every body the Sage sandbox returns validates against the v3.1 spec's definitions (ref §12):
list items and single resources, unknown keys rejected; errors are the documented array; the
request bodies the tests send validate against the POST models (idempotency_id allowed)."""

from __future__ import annotations

from typing import Any

import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.sage_helpers import Sage, contact_body, invoice_body
from tests.support import sage_schema

Single = tuple[str, str, Any]  # label, definition, body


class Collected:
    def __init__(self) -> None:
        self.singles: list[Single] = []
        self.lists: list[Single] = []
        self.errors: list[tuple[str, Any]] = []
        self.requests: list[tuple[str, str, Any]] = []


def _collect() -> Collected:
    clock = VirtualClock()
    sandbox = Sandbox(clock=clock, relaxed_limits=True)
    sage = Sage(sandbox)
    out = Collected()

    def one(label: str, definition: str, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, (label, response.text)
        out.singles.append((label, definition, response.json()))
        return response.json()

    def many(label: str, definition: str, path: str, **params: str) -> None:
        response = sage.get(path, params=params)
        assert response.status_code == 200, (label, response.text)
        out.lists.append((label, definition, response.json()))

    def sent(operation: str, path: str, body: Any) -> Any:
        out.requests.append((operation, path, body))
        return sage.post(path, body)

    contact = one("contact", "Contact", sent("postContacts", "contacts", {"contact": contact_body(
        "Acme Ltd", reference="ACME01", tax_number="GB123456789", notes="n", credit_days=14,
        main_address={"address_line_1": "1 High St", "city": "Leeds", "postal_code": "LS1 1AA", "country_id": "GB"},
        delivery_address={"address_line_1": "Unit 4", "city": "Wakefield"},
        main_contact_person={"name": "Jo Bloggs", "email": "jo@acme.example", "is_main_contact": True},
        idempotency_id="3f2504e04f8941d39a0c0305e82c3301")}), 201)
    one("contact again", "Contact", sage.get(f"contacts/{contact['id']}"))
    one("contact put", "Contact", sage.put(f"contacts/{contact['id']}", {"contact": {"notes": "changed"}}))
    lines = [sage.line(9.5, quantity=5, tax=9.5), sage.line(10, "GB_LOWER", 0.5), sage.line(5, "GB_EXEMPT", None)]
    invoice = one("invoice", "SalesInvoice", sent("postSalesInvoices", "sales_invoices", {"sales_invoice": invoice_body(
        contact["id"], lines, reference="JOB-1", notes="Thanks", due_date="2026-12-01",
        idempotency_id="9b2f6d1c0a8e4f3b8c7d6e5f4a3b2c1d")}), 201)
    one("invoice put", "SalesInvoice", sage.put(f"sales_invoices/{invoice['id']}",
                                                {"sales_invoice": {"reference": "JOB-1b"}}))
    payment = sandbox.sage.record_payment(invoice["id"], "10")
    one("part paid invoice", "SalesInvoice", sage.get(f"sales_invoices/{invoice['id']}"))
    one("payment", "ContactPayment", sage.get(f"contact_payments/{payment['id']}"))
    one("payment post", "ContactPayment", sent("postContactPayments", "contact_payments", {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": contact["id"],
        "bank_account_id": payment["bank_account"]["id"], "date": "2026-11-02", "total_amount": 5,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 5}]}}), 201)
    other = sage.create_invoice(contact["id"])
    one("void", "SalesInvoice", sage.delete(f"sales_invoices/{other['id']}", params={"void_reason": "Error"}))
    gone = sage.create_contact("Gone Ltd")
    sage.delete(f"contacts/{gone['id']}")
    one("business", "Business", sage.get(f"businesses/{sage.business}"))
    one("financial settings", "FinancialSettings", sage.get("financial_settings"))
    account = sage.get("ledger_accounts").json()["$items"][0]["id"]
    one("ledger account", "LedgerAccount", sage.get(f"ledger_accounts/{account}"))
    one("tax rate", "TaxRate", sage.get("tax_rates/GB_STANDARD"))
    one("currency", "Base", sage.get("currencies/GBP"))
    for attributes in ({}, {"attributes": "all"}):
        many("businesses", "Business", "businesses", **attributes)
        many("contacts", "Contact", "contacts", **attributes)
        many("invoices", "SalesInvoice", "sales_invoices", **attributes)
        many("payments", "ContactPayment", "contact_payments", **attributes)
        many("ledger accounts", "LedgerAccount", "ledger_accounts", **attributes)
        many("tax rates", "TaxRate", "tax_rates", **attributes)
        many("currencies", "Base", "currencies", **attributes)
        many("contact types", "Base", "contact_types", **attributes)
        many("statuses", "Base", "artefact_statuses", **attributes)
    since = "2026-11-01T00:00:00+00:00"
    many("deleted contacts", "Contact", "contacts", deleted_since=since, attributes="all")
    many("voided invoices", "SalesInvoice", "sales_invoices", deleted_since=since, attributes="deleted_at,status")
    many("paged", "Contact", "contacts", items_per_page="1", page="2", attributes="reference,balance")
    errors = {
        "422": sage.post("contacts", {"contact": {"reference": "X" * 11}}),
        "422 unknown": sage.post("contacts", {"contact": contact_body(refrence="X")}),
        "401": sage.get("contacts", token="nope"),
        "403": sage.get("contacts", business="0" * 32),
        "404": sage.get("contacts/nope"),
        "405": sage.delete("tax_rates/GB_STANDARD"),
    }
    sandbox.faults.add(ledger="sage", kind="throttle")
    errors["429"] = sage.get("contacts")
    sandbox.faults.add(ledger="sage", kind="http_503")
    errors["503"] = sage.get("contacts")
    out.errors = [(label, response.json()) for label, response in errors.items()]
    return out


@pytest.fixture(scope="module")
def collected() -> Collected:
    return _collect()


def test_single_resources_validate(collected: Collected) -> None:
    assert len(collected.singles) >= 14
    problems = {label: sage_schema.problems(definition, body) for label, definition, body in collected.singles}
    assert {label: found for label, found in problems.items() if found} == {}


def test_list_envelopes_and_their_items_validate(collected: Collected) -> None:
    assert len(collected.lists) >= 20
    assert all(body["$items"] for label, _, body in collected.lists), "every list checked has items"
    problems = {f"{label} {n}": sage_schema.list_problems(definition, body)
                for n, (label, definition, body) in enumerate(collected.lists)}
    assert {label: found for label, found in problems.items() if found} == {}


def test_errors_are_the_documented_array(collected: Collected) -> None:
    problems = {label: sage_schema.error_problems(body) for label, body in collected.errors}
    assert {label: found for label, found in problems.items() if found} == {}


def test_request_bodies_sent_validate_against_the_post_models(collected: Collected) -> None:
    assert len(collected.requests) == 3
    problems = {path: sage_schema.request_problems(operation, body) for operation, path, body in collected.requests}
    assert {path: found for path, found in problems.items() if found} == {}


def test_the_checker_catches_misspelt_and_wrong_keys(collected: Collected) -> None:
    contact = next(body for label, _, body in collected.singles if label == "contact")
    invoice = next(body for label, _, body in collected.singles if label == "invoice")
    misspelt = {**contact, "refrence": contact["reference"]}
    assert sage_schema.problems("Contact", misspelt) == ["refrence: unknown key"]
    line = {**invoice["invoice_lines"][0], "tax_ammount": 1.0}
    assert sage_schema.problems("SalesInvoice", {**invoice, "invoice_lines": [line]}) == [
        "invoice_lines[0].tax_ammount: unknown key"]
    assert sage_schema.problems("SalesInvoice", {**invoice, "total_amount": "96.00"}) == [
        "total_amount: expected a number, got '96.00'"]
    assert sage_schema.problems("Contact", {**contact, "reference": "X" * 11}) == ["reference: longer than 10"]
    assert sage_schema.problems("Contact", {**contact, "created_at": "2026-11-02 09:00"}) == [
        "created_at: not a date-time: '2026-11-02 09:00'"]
    envelope = {"$total": 1, "$next": None, "$items": [{**contact, "emial": "x"}], "$count": 1}
    assert sage_schema.list_problems("Contact", envelope) == ["$count: unknown envelope key",
                                                              "$items[0].emial: unknown key"]
    assert sage_schema.error_problems([{"$severity": "error", "$message": "m", "$source": "", "$code": "x"}])
    request = {"contact": {**contact_body(), "idempotency_id": "x", "refrence": "R"}}
    assert sage_schema.request_problems("postContacts", request) == ["contact.refrence: unknown key"]
