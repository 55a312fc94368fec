"""Batch (ref §6) and change data capture (ref §7)."""

from __future__ import annotations

from datetime import timedelta

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from fieldbook.sandbox.quickbooks import names
from tests.sandbox.helpers import Qbo, codes, invoice_body


def test_batch_items_succeed_and_fail_independently(qbo: Qbo) -> None:
    existing = qbo.create_customer("Existing")
    body = {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Acme Ltd"}},
        {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Existing"}},
        {"bId": "3", "operation": "update", "Customer": {"Id": existing["Id"], "SyncToken": "5", "sparse": True}},
        {"bId": "4", "Query": "select * from Customer where DisplayName = 'Existing'"},
        {"bId": "5", "operation": "create", "Invoice": invoice_body(existing["Id"], DocNumber="J1")},
    ]}
    result = qbo.ok(qbo.post("batch", body))["BatchItemResponse"]
    by_bid = {item["bId"]: item for item in result}
    assert by_bid["1"]["Customer"]["DisplayName"] == "Acme Ltd"
    assert by_bid["2"]["Fault"]["Error"][0]["code"] == "6240"
    assert by_bid["3"]["Fault"]["Error"][0]["code"] == "5010"
    assert by_bid["4"]["QueryResponse"]["Customer"][0]["Id"] == existing["Id"]
    assert by_bid["5"]["Invoice"]["DocNumber"] == "J1"
    assert len(qbo.sandbox.quickbooks.customers(qbo.realm)) == 2


def test_items_cannot_see_each_others_results(qbo: Qbo) -> None:
    body = {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "New Co"}},
        {"bId": "2", "operation": "create", "Invoice": invoice_body("1")},
        {"bId": "3", "Query": "select * from Customer"},
    ]}
    result = qbo.ok(qbo.post("batch", body))["BatchItemResponse"]
    assert result[0]["Customer"]["Id"] == "1"
    assert result[1]["Fault"]["Error"][0]["code"] in ("2500", "610")
    assert result[2]["QueryResponse"] == {}
    # Once the batch is over the customer is visible to the next request.
    assert qbo.create_invoice("1")["CustomerRef"]["value"] == "1"


def test_void_and_delete_in_a_batch(qbo: Qbo) -> None:
    cid = qbo.create_customer("Acme")["Id"]
    first = qbo.create_invoice(cid)
    second = qbo.create_invoice(cid)
    body = {"BatchItemRequest": [
        {"bId": "v", "operation": "update", "optionsData": "void", "Invoice": {"Id": first["Id"], "SyncToken": "0"}},
        {"bId": "d", "operation": "delete", "Invoice": {"Id": second["Id"], "SyncToken": "0"}},
    ]}
    result = qbo.ok(qbo.post("batch", body))["BatchItemResponse"]
    assert result[0]["Invoice"]["TotalAmt"] == 0 and result[1]["Invoice"]["status"] == "Deleted"


def test_batch_size_limit_is_1040(qbo: Qbo) -> None:
    items = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{n}"}} for n in range(31)]
    response = qbo.post("batch", {"BatchItemRequest": items})
    assert response.status_code == 400 and codes(response) == ["1040"]
    assert qbo.sandbox.quickbooks.customers(qbo.realm) == []
    assert len(qbo.ok(qbo.post("batch", {"BatchItemRequest": items[:30]}))["BatchItemResponse"]) == 30
    qbo.sandbox.qbo_settings.max_batch_items = 10
    assert codes(qbo.post("batch", {"BatchItemRequest": items[:11]})) == ["1040"]


def test_long_bids_only_refused_with_a_requestid(qbo: Qbo) -> None:
    uuid_bid = "5f2b8c0e-3a41-4c7e-9d3e-3f7b1c2a9e10"
    body = {"BatchItemRequest": [{"bId": uuid_bid, "operation": "create", "Customer": {"DisplayName": "A"}}]}
    assert qbo.ok(qbo.post("batch", body))["BatchItemResponse"][0]["bId"] == uuid_bid
    body2 = {"BatchItemRequest": [{"bId": uuid_bid, "operation": "create", "Customer": {"DisplayName": "B"}}]}
    refused = qbo.post("batch", body2, params={"requestid": "r1"})
    assert codes(refused) == ["2050"]
    assert len(qbo.sandbox.quickbooks.customers(qbo.realm)) == 1


def test_cdc_returns_changes_and_deleted_objects(qbo: Qbo, clock: VirtualClock) -> None:
    since = (clock.now() - timedelta(minutes=1)).isoformat()
    cid = qbo.create_customer("Acme")["Id"]
    clock.advance(5)
    invoice = qbo.create_invoice(cid)
    clock.advance(5)
    qbo.ok(qbo.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, params={"operation": "delete"}))
    body = qbo.ok(qbo.get("cdc", params={"entities": "Customer,Invoice", "changedSince": since}))
    responses = body["CDCResponse"][0]["QueryResponse"]
    assert responses[0]["Customer"][0]["DisplayName"] == "Acme"
    deleted = responses[1]["Invoice"][0]
    assert deleted["status"] == "Deleted" and deleted["Id"] == invoice["Id"]
    later = (clock.now() + timedelta(seconds=1)).isoformat()
    empty = qbo.ok(qbo.get("cdc", params={"entities": "Customer,Invoice", "changedSince": later}))
    assert empty["CDCResponse"][0]["QueryResponse"] == [{}, {}]


def test_cdc_window_is_30_days(qbo: Qbo, clock: VirtualClock) -> None:
    old = (clock.now() - timedelta(days=31)).isoformat()
    assert codes(qbo.get("cdc", params={"entities": "Customer", "changedSince": old}))
    ok = (clock.now() - timedelta(days=29)).isoformat()
    assert "CDCResponse" in qbo.ok(qbo.get("cdc", params={"entities": "Customer", "changedSince": ok}))
    assert codes(qbo.get("cdc", params={"entities": "TaxCode", "changedSince": ok})) == ["4000"]


def test_cdc_truncates_silently_at_1000_oldest_first(sandbox: Sandbox, clock: VirtualClock) -> None:
    qbo = Qbo(sandbox)
    since = (clock.now() - timedelta(seconds=1)).isoformat()
    company = sandbox.quickbooks.company(qbo.realm)
    for number in range(1003):
        names.create(company, "Customer", {"DisplayName": f"C{number:04d}"}, clock.now())
        clock.advance(1)
    body = qbo.ok(qbo.get("cdc", params={"entities": "Invoice,Customer", "changedSince": since}))
    customers = body["CDCResponse"][0]["QueryResponse"][1]["Customer"]
    assert len(customers) == 1000
    assert customers[0]["DisplayName"] == "C0000" and customers[-1]["DisplayName"] == "C0999"


def test_a_batch_takes_a_voided_invoices_number_only_with_allowduplicatedocnum(qbo: Qbo) -> None:
    # Ref §4: a voided invoice keeps its DocNumber (6140 on a second one); the query parameter
    # include=allowduplicatedocnum covers every item of the batch it is sent with.
    cid = qbo.create_customer("Acme")["Id"]
    voided = qbo.create_invoice(cid, DocNumber="J7")
    qbo.ok(qbo.post("invoice", {"Id": voided["Id"], "SyncToken": voided["SyncToken"]}, params={"operation": "void"}))
    body = {"BatchItemRequest": [{"bId": "1", "operation": "create", "Invoice": invoice_body(cid, DocNumber="J7")}]}
    [refused] = qbo.ok(qbo.post("batch", body))["BatchItemResponse"]
    assert refused["Fault"]["Error"][0]["code"] == "6140"
    [made] = qbo.ok(qbo.post("batch", body, params={"include": "allowduplicatedocnum"}))["BatchItemResponse"]
    assert made["Invoice"]["DocNumber"] == "J7" and made["Invoice"]["Id"] != voided["Id"]
