"""Xero Invoices (ref §3, §4, §8): tax per line, LineAmountTypes, unitdp, numbers, the status
rules, payments, Idempotency-Key, and the settings endpoints."""

from __future__ import annotations

import pytest

from fieldbook.sandbox.xero.control import ControlError
from tests.sandbox.xero_helpers import Xero, invoice_body, line


def test_tax_is_rounded_per_line_then_summed(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    # Three lines of 0.125 (kept as 0.13 at 2 dp) at 20 %: 0.026 rounds to 0.03 per line, 0.09 in all,
    # where tax on the sum (0.39 x 20 % = 0.078) would be 0.08.
    invoice = xero.create_invoice(contact, [line(0.125) for _ in range(3)], Status="DRAFT")
    assert [li["TaxAmount"] for li in invoice["LineItems"]] == [0.03, 0.03, 0.03]
    assert [li["UnitAmount"] for li in invoice["LineItems"]] == [0.13, 0.13, 0.13]  # 2 dp without unitdp=4
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (0.39, 0.09, 0.48)
    assert invoice["Status"] == "DRAFT" and invoice["InvoiceNumber"] == "INV-0001"


def test_inclusive_no_tax_and_unitdp_4(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    inclusive = xero.create_invoice(contact, [line(120), line(10.5, tax="RROUTPUT")], LineAmountTypes="Inclusive")
    assert [li["TaxAmount"] for li in inclusive["LineItems"]] == [20.0, 0.5]
    assert (inclusive["SubTotal"], inclusive["TotalTax"], inclusive["Total"]) == (110.0, 20.5, 130.5)
    no_tax = xero.create_invoice(contact, [line(99)], LineAmountTypes="NoTax")
    assert no_tax["TotalTax"] == 0 and no_tax["LineItems"][0]["TaxType"] == "NONE"
    precise = xero.ok(xero.put("Invoices", {"Invoices": [invoice_body(contact, [line(unit=1.2345,
                                                                                   qty=3)])]},
                               params={"unitdp": "4", "summarizeErrors": "false"}))["Invoices"][0]
    assert precise["LineItems"][0]["UnitAmount"] == 1.2345 and precise["LineItems"][0]["LineAmount"] == 3.70
    shown = xero.ok(xero.get(f"Invoices/{precise['InvoiceID']}"))["Invoices"][0]
    assert shown["LineItems"][0]["UnitAmount"] == 1.23  # read without unitdp=4


def test_bad_tax_type_line_total_and_negative_total_are_per_element_errors(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    reply = xero.put("Invoices", {"Invoices": [
        invoice_body(contact, [line(10, tax="INPUT2")]),
        invoice_body(contact, [line(10, LineAmount=11)]),
        invoice_body(contact, [line(10), line(-20)]),
        invoice_body(contact, [line(50), line(-20, description="Credit")]),
        {"Type": "ACCREC", "LineItems": [line(1)]},
    ]}, params={"summarizeErrors": "false"})
    rows = reply.json()["Invoices"]
    assert [r["StatusAttributeString"] for r in rows] == ["ERROR", "ERROR", "ERROR", "OK", "ERROR"]
    assert "TaxType code INPUT2" in rows[0]["ValidationErrors"][0]["Message"]
    assert rows[3]["Total"] == 36.0 and rows[0]["HasErrors"] is True
    assert rows[4]["ValidationErrors"][0]["Message"].startswith("The Contact must contain at least 1")


def test_invoice_number_unique_for_accrec(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    xero.create_invoice(contact, InvoiceNumber="J-100")
    reply = xero.put("Invoices", {"Invoices": [invoice_body(contact, InvoiceNumber="J-100"),
                                               invoice_body(contact, InvoiceNumber="J-101")]},
                     params={"summarizeErrors": "false"})
    rows = reply.json()["Invoices"]
    assert rows[0]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    assert rows[1]["StatusAttributeString"] == "OK"
    summarized = xero.put("Invoices", {"Invoices": [invoice_body(contact, InvoiceNumber="J-101")]})
    assert summarized.status_code == 400 and summarized.json()["Elements"][0]["InvoiceNumber"] == "J-101"


def test_name_only_contact_is_found_or_created_and_archived_contacts_refused(xero: Xero) -> None:
    acme = xero.create_contact("Acme Ltd")
    found = xero.create_invoice("", Contact={"Name": "ACME LTD"})
    assert found["Contact"]["ContactID"] == acme["ContactID"]
    made = xero.create_invoice("", Contact={"Name": "Brand New Ltd"})
    assert made["Contact"]["ContactID"] != acme["ContactID"]
    xero.sandbox.xero.archive_contact(acme["ContactID"])
    refused = xero.put("Invoices", {"Invoices": [invoice_body(acme["ContactID"])]}, params={"summarizeErrors": "false"})
    assert refused.json()["Invoices"][0]["ValidationErrors"] == [{"Message": "Unable to assign an Archived contact."}]


def test_update_by_invoice_id_keeps_line_ids_sent_and_recreates_the_others(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    invoice = xero.create_invoice(contact, [line(10), line(20)], Status="DRAFT")
    first, second = (li["LineItemID"] for li in invoice["LineItems"])
    updated = xero.ok(xero.post(f"Invoices/{invoice['InvoiceID']}", {"Invoices": [{
        "LineItems": [{"LineItemID": first, "Quantity": 2}, line(5)]}]}))["Invoices"][0]
    ids = [li["LineItemID"] for li in updated["LineItems"]]
    assert ids[0] == first and second not in ids and updated["Total"] == 30.0
    by_body = xero.ok(xero.post("Invoices", {"Invoices": [{"InvoiceID": invoice["InvoiceID"], "Reference": "R1"}]}))
    assert by_body["Invoices"][0]["Reference"] == "R1"


def test_status_rules(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]

    def change(invoice_id: str, **fields: object) -> list[str]:
        row = xero.post("Invoices", {"Invoices": [{"InvoiceID": invoice_id, **fields}]},
                        params={"summarizeErrors": "false"}).json()["Invoices"][0]
        return [e["Message"] for e in row.get("ValidationErrors", [])]

    draft = xero.create_invoice(contact, Status="DRAFT")["InvoiceID"]
    assert change(draft, Status="SUBMITTED") == [] and change(draft, Status="VOIDED") != []
    assert change(draft, Status="DELETED") == [] and change(draft, Reference="x") != []  # deleted: locked
    authorised = xero.create_invoice(contact)["InvoiceID"]
    assert change(authorised, LineItems=[line(150)]) == []  # editable while nothing is allocated
    assert change(authorised, Status="DELETED") == ["Invoice not of valid status for modification"]
    assert change(authorised, Status="DRAFT") != []
    xero.sandbox.xero.record_payment(authorised, "100")
    assert change(authorised, Reference="x") == [
        "This document cannot be edited as it has a payment or credit note allocated to it."]
    with pytest.raises(ControlError):
        xero.sandbox.xero.void_invoice(authorised)
    xero.sandbox.xero.record_payment(authorised, "80")
    paid = xero.ok(xero.get(f"Invoices/{authorised}"))["Invoices"][0]
    assert paid["Status"] == "PAID" and paid["AmountDue"] == 0 and paid["AmountPaid"] == 180.0
    assert len(paid["Payments"]) == 2 and paid["FullyPaidOnDate"].startswith("/Date(")
    other = xero.create_invoice(contact)["InvoiceID"]
    assert change(other, Status="VOIDED") == []
    assert change(other, Status="AUTHORISED") == ["Invoice not of valid status for modification"]
    assert xero.ok(xero.get("Invoices", params={"Statuses": "VOIDED"}))["Invoices"][0]["InvoiceID"] == other
    with pytest.raises(ControlError, match="Authorised"):
        xero.sandbox.xero.record_payment(other, "1")


def test_payments_endpoint_and_overpayment(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    invoice = xero.create_invoice(contact)
    reply = xero.put("Payments", {"Payments": [
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 20,
         "Date": "2026-11-03"},
        {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 500}]},
        params={"summarizeErrors": "false"})
    rows = reply.json()["Payments"]
    assert rows[0]["StatusAttributeString"] == "OK" and rows[0]["Amount"] == 20.0
    assert "exceeds the amount outstanding" in rows[1]["ValidationErrors"][0]["Message"]
    assert len(xero.ok(xero.get("Payments"))["Payments"]) == 1
    assert xero.ok(xero.get(f"Invoices/{invoice['InvoiceID']}"))["Invoices"][0]["AmountDue"] == 100.0


def test_reads_filter_and_only_paged_reads_carry_lines(xero: Xero) -> None:
    a = xero.create_contact("A Ltd")["ContactID"]
    b = xero.create_contact("B Ltd")["ContactID"]
    one = xero.create_invoice(a, InvoiceNumber="J-1", Reference="Job 1")
    xero.create_invoice(b, InvoiceNumber="J-2", Status="DRAFT")
    unpaged = xero.ok(xero.get("Invoices"))["Invoices"]
    assert len(unpaged) == 2 and all("LineItems" not in i for i in unpaged)
    paged = xero.ok(xero.get("Invoices", params={"page": "1"}))["Invoices"]
    assert all(i["LineItems"] for i in paged)
    assert [i["InvoiceNumber"] for i in xero.ok(xero.get("Invoices", params={"ContactIDs": b}))["Invoices"]] == ["J-2"]
    assert len(xero.ok(xero.get("Invoices", params={"InvoiceNumbers": "J-1,J-2"}))["Invoices"]) == 2
    where = xero.ok(xero.get("Invoices", params={"where": f'Contact.ContactID==Guid("{a}") AND Status=="AUTHORISED"'}))
    assert [i["InvoiceID"] for i in where["Invoices"]] == [one["InvoiceID"]]
    assert xero.ok(xero.get("Invoices/J-1"))["Invoices"][0]["InvoiceID"] == one["InvoiceID"]
    assert xero.ok(xero.get("Invoices", params={"searchTerm": "job"}))["Invoices"][0]["InvoiceNumber"] == "J-1"
    xero.create_invoice(a, InvoiceNumber="J-3", Date="2026-12-01")
    dated = xero.ok(xero.get("Invoices", params={"where": "Date >= DateTime(2026, 12, 01)", "order": "Date DESC"}))
    assert [i["InvoiceNumber"] for i in dated["Invoices"]] == ["J-3"]


def test_idempotency_key_replays_the_same_request_and_refuses_a_different_one(xero: Xero) -> None:
    contact = xero.create_contact("Acme Ltd")["ContactID"]
    body = {"Invoices": [invoice_body(contact, InvoiceNumber="J-9")]}
    key = {"Idempotency-Key": "k" * 128}
    first = xero.put("Invoices", body, headers=key, params={"summarizeErrors": "false"})
    again = xero.put("Invoices", body, headers=key, params={"summarizeErrors": "false"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(xero.sandbox.xero.invoices()) == 1
    other = xero.post("Invoices", body, headers=key, params={"summarizeErrors": "false"})
    assert other.status_code == 400
    assert xero.put("Invoices", body, headers={"Idempotency-Key": "k" * 129}).status_code == 400


def test_settings_endpoints_uk_gbp(xero: Xero) -> None:
    org = xero.ok(xero.get("Organisation"))["Organisations"][0]
    assert (org["BaseCurrency"], org["CountryCode"], org["Version"]) == ("GBP", "GB", "UK")
    rates = {r["TaxType"]: r["EffectiveRate"] for r in xero.ok(xero.get("TaxRates"))["TaxRates"]}
    assert rates["OUTPUT2"] == 20 and rates["RROUTPUT"] == 5 and rates["ZERORATEDOUTPUT"] == 0
    assert "200" in {a["Code"] for a in xero.ok(xero.get("Accounts"))["Accounts"]}
    bank = xero.ok(xero.get("Accounts", params={"where": 'Type=="BANK"'}))["Accounts"]
    assert [a["Code"] for a in bank] == ["090"]
    assert {i["Code"] for i in xero.ok(xero.get("Items"))["Items"]} == {"BOILER-SVC", "CALLOUT"}
