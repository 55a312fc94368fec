"""Every body the QBO sandbox returns uses only element names the official XSDs allow (ref §14)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, invoice_body, sales_line
from tests.support import qbo_schema

ENTITIES = ("Customer", "Vendor", "Employee", "Invoice", "Item", "TaxCode", "TaxRate", "Account", "Term",
            "Payment", "CompanyInfo", "Preferences")


def responses(qbo: Qbo, us: Qbo, clock: VirtualClock) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []

    def keep(label: str, response: Any) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        out.append((label, body))
        return body

    since = clock.now().isoformat()
    clock.advance(1)
    cid = keep("customer", qbo.post("customer", {
        "DisplayName": "Acme Ltd", "GivenName": "Jo", "PrimaryEmailAddr": {"Address": "jo@acme.example"},
        "BillAddr": {"Line1": "1 High St", "City": "Bristol", "PostalCode": "BS1 1AA"},
        "PrimaryPhone": {"FreeFormNumber": "0117 000 0000"}, "Notes": "fieldbook:acme:C1"}))["Customer"]["Id"]
    keep("customer sparse", qbo.post("customer", {"Id": cid, "SyncToken": "0", "sparse": True, "Notes": "x"}))
    inv = keep("invoice", qbo.post("invoice", invoice_body(cid, [sales_line(47.5, qty=5, price=9.5),
                                                             sales_line(10, "2")], DocNumber="J1",
                                                   PrivateNote="fieldbook:acme:J1",
                                                   CustomerMemo={"value": "Thanks"})))["Invoice"]
    qbo.sandbox.quickbooks.record_payment(qbo.realm, inv["Id"], Decimal("5"))
    keep("paid invoice", qbo.get(f"invoice/{inv['Id']}"))
    other = qbo.create_invoice(cid)
    keep("void", qbo.post("invoice", {"Id": other["Id"], "SyncToken": "0"}, params={"operation": "void"}))
    third = qbo.create_invoice(cid)
    keep("delete", qbo.post("invoice", {"Id": third["Id"], "SyncToken": "0"}, params={"operation": "delete"}))
    for entity in ENTITIES:
        keep(f"query {entity}", qbo.query(f"SELECT * FROM {entity}"))
    keep("query Item Sku", qbo.query("SELECT *, Sku FROM Item"))
    keep("count", qbo.query("SELECT COUNT(*) FROM Customer"))
    keep("empty", qbo.query("SELECT * FROM Customer WHERE DisplayName = 'nobody'"))
    keep("fault 6240", qbo.post("customer", {"DisplayName": "Acme Ltd"}))
    keep("fault 4000", qbo.query("SELECT * FROM Customer WHERE Notes = 'x'"))
    keep("fault multi", qbo.post("invoice", {"DocNumber": "J1", "GlobalTaxCalculation": "TaxExcluded"}))
    keep("batch", qbo.post("batch", {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "B1"}},
        {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Acme Ltd"}},
        {"bId": "3", "Query": "select * from Term"},
        {"bId": "4", "CDCQuery": {"Entities": "Customer", "ChangedSince": since}},
    ]}))
    keep("cdc", qbo.get("cdc", params={"entities": "Customer,Invoice,Payment", "changedSince": since}))
    us_cid = us.create_customer("Bayside Diner")["Id"]
    keep("us invoice", us.post("invoice", {"CustomerRef": {"value": us_cid}, "Line": [sales_line(100, "TAX")]}))
    keep("us query TaxCode", us.query("SELECT * FROM TaxCode"))
    keep("us preferences", us.get("preferences"))
    qbo.sandbox.faults.add(kind="throttle")
    keep("throttle", qbo.get("companyinfo/1"))
    qbo.sandbox.faults.add(kind="http_500")
    keep("500", qbo.get("companyinfo/1"))
    return out


@pytest.fixture(scope="module")
def collected() -> list[tuple[str, dict[str, Any]]]:
    clock = VirtualClock()
    sandbox = Sandbox(clock=clock, relaxed_limits=True)
    return responses(Qbo(sandbox), Qbo(sandbox, sandbox.quickbooks.seed_company(country="US")), clock)


def test_every_response_uses_only_xsd_names(collected: list[tuple[str, dict[str, Any]]]) -> None:
    assert len(collected) > 25
    problems = {label: qbo_schema.check_response(body) for label, body in collected}
    assert {label: keys for label, keys in problems.items() if keys} == {}


def test_the_check_can_fail_on_a_misspelt_key() -> None:
    body = {"Invoice": {"Id": "1", "DocNum": "J1", "Line": [{"Amount": 1, "DetailType": "SalesItemLineDetail",
                                                            "SalesItemLineDetail": {"Qty": 1, "Bogus": 2}}]},
            "time": "2026-11-02T01:00:00.000-08:00"}
    assert qbo_schema.check_response(body) == ["Invoice.DocNum", "Invoice.Line[0].SalesItemLineDetail.Bogus"]
    assert qbo_schema.unknown_keys("Invoice", {"DocNumber": "J1", "DocNum": "J1"}) == ["DocNum"]
    assert qbo_schema.unknown_keys("Customer", {"DisplayName": "A", "domain": "QBO", "sparse": True}) == []
    assert qbo_schema.unknown_keys("BatchItemRequest", {"bId": "1", "operation": "create",
                                                        "Customer": {"DisplayNam": "A"}}) == ["Customer.DisplayNam"]


def test_lower_case_auth_envelope_is_not_an_intuit_response() -> None:
    # ref §2: 401/403 bodies use a different envelope; the checker tells them apart.
    assert qbo_schema.check_response({"fault": {"error": []}, "warnings": None}) == ["fault", "warnings"]
