"""Every Contacts/Invoices body the Xero sandbox returns validates against xero_accounting.yaml
made strict (tests/support/xero_schema.py); a misspelt key fails the check."""

from __future__ import annotations

from typing import Any

import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.xero_helpers import Xero, invoice_body, line
from tests.support import xero_schema


def responses(xero: Xero) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []

    def keep(label: str, response: Any) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        out.append((label, body))
        return body

    no_errors = {"summarizeErrors": "false"}
    acme = keep("put contact", xero.put("Contacts", {"Contacts": [{
        "Name": "Acme Ltd", "ContactNumber": "CUST-0042", "EmailAddress": "jo@acme.example", "FirstName": "Jo",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "1 High St", "City": "Leeds", "PostalCode": "LS1 1AA",
                       "Country": "GB"}], "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555-0100"}]}]},
        params=no_errors))["Contacts"][0]
    keep("post contact", xero.post("Contacts", {"Contacts": [{"ContactID": acme["ContactID"], "LastName": "Smith"}]}))
    other = keep("put contact 2", xero.put("Contacts", {"Contacts": [{"Name": "Other Ltd"}]}))["Contacts"][0]
    keep("duplicate name, per element", xero.put("Contacts", {"Contacts": [{"Name": "Acme Ltd"}]}, params=no_errors))
    keep("duplicate name, summarized", xero.put("Contacts", {"Contacts": [{"Name": "Acme Ltd"}]}))
    inv = keep("put invoice", xero.put("Invoices", {"Invoices": [invoice_body(
        acme["ContactID"], [line(47.5, qty=5, unit=9.5), line(10, tax="RROUTPUT"), line(-5, description="Credit")],
        InvoiceNumber="J1", Reference="J1")]}, params={**no_errors, "unitdp": "4"}))["Invoices"][0]
    keep("post invoice", xero.post(f"Invoices/{inv['InvoiceID']}", {"Invoices": [{
        "LineItems": [{"LineItemID": inv["LineItems"][0]["LineItemID"], "Quantity": 6}]}]}))
    keep("duplicate number", xero.put("Invoices", {"Invoices": [invoice_body(acme["ContactID"], InvoiceNumber="J1"),
                                                                invoice_body(other["ContactID"])]}, params=no_errors))
    keep("duplicate number, summarized", xero.put("Invoices", {"Invoices": [
        invoice_body(acme["ContactID"], InvoiceNumber="J1")]}))
    xero.sandbox.xero.record_payment(inv["InvoiceID"], "10")
    keep("part paid", xero.get(f"Invoices/{inv['InvoiceID']}"))
    draft = xero.create_invoice(other["ContactID"], Status="DRAFT", LineAmountTypes="Inclusive")
    keep("deleted", xero.post("Invoices", {"Invoices": [{"InvoiceID": draft["InvoiceID"], "Status": "DELETED"}]}))
    voided = xero.create_invoice(other["ContactID"], [line(10, DiscountRate=10)])
    keep("voided", xero.post("Invoices", {"Invoices": [{"InvoiceID": voided["InvoiceID"], "Status": "VOIDED"}]}))
    xero.sandbox.xero.merge_contacts(other["ContactID"], acme["ContactID"])
    keep("contacts paged", xero.get("Contacts", params={"page": "1", "includeArchived": "true"}))
    keep("contacts unpaged", xero.get("Contacts", params={"includeArchived": "true"}))
    keep("contact single", xero.get(f"Contacts/{other['ContactID']}"))
    keep("invoices paged", xero.get("Invoices", params={"page": "1"}))
    keep("invoices unpaged", xero.get("Invoices"))
    return out


@pytest.fixture(scope="module")
def collected() -> list[tuple[str, dict[str, Any]]]:
    return responses(Xero(Sandbox(clock=VirtualClock(), relaxed_limits=True)))


def test_every_contacts_and_invoices_body_validates(collected: list[tuple[str, dict[str, Any]]]) -> None:
    assert len(collected) == 17
    found = {label: xero_schema.check_response(body) for label, body in collected}
    assert {label: errors for label, errors in found.items() if errors} == {}


def test_a_misspelt_key_fails_the_check(collected: list[tuple[str, dict[str, Any]]]) -> None:
    body = next(b for label, b in collected if label == "put invoice")
    invoice = dict(body["Invoices"][0])
    invoice["InvoiceNumbr"] = invoice.pop("InvoiceNumber")
    assert any("InvoiceNumbr" in p for p in xero_schema.check_response({**body, "Invoices": [invoice]}))
    assert any("InvoiceNumbr" in p for p in xero_schema.problems("request", "Invoices", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
        "LineItems": [], "InvoiceNumbr": "J1"}]}))


def test_the_injected_rules_catch_what_the_published_schema_lets_through() -> None:
    assert xero_schema.problems("request", "Invoice", {"Type": "ACCREC", "Contact": {}, "LineItems": []})
    assert xero_schema.problems("request", "Invoice", {"Type": "ACCREC", "LineItems": []})
    assert xero_schema.problems("response", "Contact", {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8",
                                                        "Name": "X", "UpdatedDateUTC": "2019-03-01"})
    assert xero_schema.problems("request", "Invoice", {"Type": "ACCREC", "LineAmountTypes": "EXCLUSIVE",
                                                       "Contact": {"Name": "X"}, "LineItems": []})
    assert xero_schema.problems("request", "Invoice", {"Type": "ACCREC", "Contact": {"Name": "X"},
                                                       "LineItems": []}) == []
