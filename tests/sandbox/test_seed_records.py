"""`seed_records`: the bulk load benchmarks use, checked against what the API would have made."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from fieldbook.sandbox.quickbooks.control import ControlError
from tests.sandbox.helpers import VAT5, VAT20, Qbo, invoice_body, sales_line


def _rows(qbo: Qbo, entity: str) -> list[dict[str, Any]]:
    body = qbo.ok(qbo.query(f"SELECT * FROM {entity} STARTPOSITION 1 MAXRESULTS 1000"))
    rows: list[dict[str, Any]] = body["QueryResponse"].get(entity, [])
    return rows


def test_seeded_records_match_what_the_api_makes(sandbox: Sandbox, qbo: Qbo) -> None:
    via_api = qbo.create_customer("Api Ltd", Notes="fieldbook:demo:C00001")
    qbo.create_invoice(via_api["Id"], [sales_line(100)], DocNumber="J1000")
    seeded = sandbox.quickbooks.seed_records(
        qbo.realm,
        customers=[{"DisplayName": "Bulk One Ltd", "Notes": "fieldbook:demo:C00002"}, {"GivenName": "Zoë"}],
        invoices=[
            invoice_body(via_api["Id"], [sales_line("130.00", qty=2, price="65.00"), sales_line(10, VAT5)],
                         DocNumber="J1001", PrivateNote="fieldbook:demo:J1001"),
        ],
    )  # fmt: skip
    assert len(seeded["customers"]) == 2 and len(seeded["invoices"]) == 1
    customers = {c["Id"]: c for c in _rows(qbo, "Customer")}
    one, zoe = (customers[i] for i in seeded["customers"])
    assert one["DisplayName"] == "Bulk One Ltd" and one["SyncToken"] == "0" and one["Notes"].endswith("C00002")
    assert zoe["DisplayName"] == "Zoë" and zoe["FullyQualifiedName"] == "Zoë"  # the API's own defaults
    invoice = next(i for i in _rows(qbo, "Invoice") if i["Id"] == seeded["invoices"][0])
    assert invoice["DocNumber"] == "J1001" and invoice["PrivateNote"] == "fieldbook:demo:J1001"
    assert invoice["TxnTaxDetail"]["TotalTax"] == 26.5 and invoice["TotalAmt"] == 166.5  # server arithmetic
    # The balance covers the invoice made through the API and the seeded one.
    assert customers[via_api["Id"]]["Balance"] == 120 + 166.5


def test_created_at_back_dates_so_cdc_after_it_sees_nothing(sandbox: Sandbox, qbo: Qbo, clock: VirtualClock) -> None:
    clock.advance(1800)
    earlier = clock.now() - timedelta(minutes=20)
    seeded = sandbox.quickbooks.seed_records(qbo.realm, customers=[{"DisplayName": "Old Books Ltd"}],
                                             created_at=earlier.isoformat())  # fmt: skip
    row = next(c for c in _rows(qbo, "Customer") if c["Id"] == seeded["customers"][0])
    assert row["MetaData"]["CreateTime"] == row["MetaData"]["LastUpdatedTime"]
    since = (earlier + timedelta(minutes=1)).isoformat()
    changed = qbo.ok(qbo.get("cdc", params={"entities": "Customer", "changedSince": since}))
    assert changed["CDCResponse"][0]["QueryResponse"] == [{}]
    with pytest.raises(ValueError, match="future"):
        sandbox.quickbooks.seed_records(qbo.realm, customers=[{"DisplayName": "Later"}],
                                        created_at=(clock.now() + timedelta(seconds=5)).isoformat())  # fmt: skip


@pytest.mark.parametrize(
    ("customers", "invoices", "message"),
    [
        ([{"DisplayName": "Fresh Ltd"}, {"DisplayName": "ACME ltd"}], [], "customers\\[1\\]: the name"),
        ([{"DisplayName": "Fresh Ltd"}, {"DisplayName": "fresh LTD"}], [], "customers\\[1\\]: the name"),
        ([{"DisplayName": "Bad: name"}], [], "customers\\[0\\]"),
        ([{"DisplayName": "Fresh Ltd"}], [{"DocNumber": "J1"}, {"DocNumber": "J2"}], "invoices\\[1\\]: DocNumber"),
        ([{"DisplayName": "Fresh Ltd"}], [{"DocNumber": "J5"}, {"DocNumber": "J5"}], "invoices\\[1\\]: DocNumber"),
        ([], [{"DocNumber": "J7", "Line": [sales_line(10, tax_code="99")]}], "invoices\\[0\\]"),
    ],
)
def test_all_or_nothing(sandbox: Sandbox, qbo: Qbo, customers: list[dict[str, Any]],
                        invoices: list[dict[str, Any]], message: str) -> None:  # fmt: skip
    acme = qbo.create_customer("Acme Ltd")
    qbo.create_invoice(acme["Id"], DocNumber="J2")
    before = (sandbox.quickbooks.customers(qbo.realm), sandbox.quickbooks.invoices(qbo.realm))
    bodies = [invoice_body(acme["Id"], **fields) for fields in invoices]
    with pytest.raises(ControlError, match=message):
        sandbox.quickbooks.seed_records(qbo.realm, customers=customers, invoices=bodies)
    assert (sandbox.quickbooks.customers(qbo.realm), sandbox.quickbooks.invoices(qbo.realm)) == before
    # Ids were not used up: the next customer gets the id the failed load would have taken.
    assert qbo.create_customer("Next Ltd")["Id"] == str(int(acme["Id"]) + 1)


def test_over_the_http_control_endpoint(sandbox: Sandbox, qbo: Qbo) -> None:
    http = httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test")
    body = {"realm_id": qbo.realm, "customers": [{"DisplayName": f"Firm {n}"} for n in range(50)]}
    reply = http.post("/control/quickbooks/seed_records", json=body)
    assert reply.status_code == 200, reply.text
    ids = reply.json()["result"]["customers"]
    bodies = [invoice_body(cid, [sales_line("12.50", VAT20)], DocNumber=f"J{n}") for n, cid in enumerate(ids)]
    reply = http.post("/control/quickbooks/seed_records", json={"realm_id": qbo.realm, "invoices": bodies})
    assert reply.status_code == 200 and len(reply.json()["result"]["invoices"]) == 50
    assert {c["DisplayName"] for c in _rows(qbo, "Customer")} >= {f"Firm {n}" for n in range(50)}
    duplicate = {"realm_id": qbo.realm, "customers": [{"DisplayName": "Firm 3"}]}
    again = http.post("/control/quickbooks/seed_records", json=duplicate)
    assert again.status_code == 409 and "already used" in again.json()["error"]
