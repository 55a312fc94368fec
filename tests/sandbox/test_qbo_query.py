"""The query language subset (ref §5)."""

from __future__ import annotations

import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, codes


@pytest.fixture
def people(qbo: Qbo, clock: VirtualClock) -> Qbo:
    for name in ("Bill's Windsurf Shop", "Amy's Bird Sanctuary", "Cool Cars", "Diego Rodriguez"):
        qbo.create_customer(name, CompanyName=name.split()[0])
        clock.advance(60)
    return qbo


def rows(qbo: Qbo, text: str, entity: str = "Customer") -> list[dict]:
    body = qbo.ok(qbo.query(text))
    return list(body["QueryResponse"].get(entity, []))


def test_get_and_post_forms(people: Qbo) -> None:
    by_get = people.ok(people.get("query", params={"query": "SELECT * FROM Customer"}))
    assert len(by_get["QueryResponse"]["Customer"]) == 4
    assert by_get["QueryResponse"]["startPosition"] == 1 and by_get["QueryResponse"]["maxResults"] == 4


def test_escaped_quote_equality_and_case_insensitive_keywords(people: Qbo) -> None:
    found = rows(people, r"select * from Customer where DisplayName = 'Bill\'s Windsurf Shop'")
    assert [c["DisplayName"] for c in found] == ["Bill's Windsurf Shop"]


def test_like_in_and_comparisons(people: Qbo) -> None:
    assert [c["DisplayName"] for c in rows(people, "SELECT * FROM Customer WHERE DisplayName LIKE '%s%'")] == [
        "Bill's Windsurf Shop", "Amy's Bird Sanctuary", "Cool Cars"]
    assert len(rows(people, "SELECT * FROM Customer WHERE DisplayName LIKE 'Cool%'")) == 1
    assert len(rows(people, "SELECT * FROM Customer WHERE Id IN ('1', '3')")) == 2
    assert [c["Id"] for c in rows(people, "SELECT * FROM Customer WHERE Id > '2' AND Active = true")] == ["3", "4"]


def test_metadata_last_updated_time_filter(people: Qbo, clock: VirtualClock) -> None:
    since = "2026-11-02T01:01:30-08:00"  # after the 2nd customer (01:01), before the 3rd (01:02)
    assert [c["Id"] for c in rows(people, f"SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '{since}'")] \
        == ["3", "4"]
    assert len(rows(people, "select * from Customer where Metadata.LastUpdatedTime > '2026-11-01'")) == 4


def test_order_by_both_spellings_and_paging(people: Qbo) -> None:
    for clause in ("ORDERBY DisplayName DESC", "ORDER BY DisplayName DESC"):
        names = [c["DisplayName"] for c in rows(people, f"SELECT * FROM Customer {clause}")]
        assert names == sorted(names, reverse=True)
    page = people.ok(people.query("SELECT * FROM Customer ORDERBY Id STARTPOSITION 2 MAXRESULTS 2"))
    assert [c["Id"] for c in page["QueryResponse"]["Customer"]] == ["2", "3"]
    assert page["QueryResponse"]["startPosition"] == 2


def test_count_and_empty_result(people: Qbo) -> None:
    assert people.ok(people.query("SELECT COUNT(*) FROM Customer"))["QueryResponse"] == {"totalCount": 4}
    empty = people.ok(people.query("SELECT * FROM Customer WHERE DisplayName = 'Nobody'"))
    assert empty["QueryResponse"] == {} and "time" in empty


def test_default_max_results_is_100_and_1000_is_the_ceiling(sandbox: Sandbox) -> None:
    qbo = Qbo(sandbox)
    from fieldbook.sandbox.quickbooks import names

    company = sandbox.quickbooks.company(qbo.realm)
    for number in range(1005):
        names.create(company, "Customer", {"DisplayName": f"C{number:04d}"}, sandbox.clock.now())
    assert len(rows(qbo, "SELECT * FROM Customer")) == 100
    assert len(rows(qbo, "SELECT * FROM Customer MAXRESULTS 5000")) == 1000


@pytest.mark.parametrize("text", [
    "SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'",
    "SELECT * FROM Customer JOIN Invoice",
    "SELECT * FROM Customer WHERE Notes = 'x'",
    "SELECT * FROM Invoice WHERE PrivateNote LIKE '%fieldbook%'",
    "SELECT DisplayName FROM Customer",
    "SELECT * FROM customer",
    "SELECT * FROM Customer GROUP BY Active",
    "DELETE FROM Customer",
])
def test_unsupported_queries_are_4000(qbo: Qbo, text: str) -> None:
    response = qbo.query(text)
    assert response.status_code == 400 and codes(response) == ["4000"]
    assert response.json()["Fault"]["type"] == "ValidationFault"


def test_invoice_filters(qbo: Qbo) -> None:
    cid = qbo.create_customer("Acme")["Id"]
    qbo.create_invoice(cid, DocNumber="J1", TxnDate="2026-10-01")
    qbo.create_invoice(cid, DocNumber="J2", TxnDate="2026-10-05")
    assert [i["DocNumber"] for i in rows(qbo, "SELECT * FROM Invoice WHERE DocNumber = 'J2'", "Invoice")] == ["J2"]
    found = rows(qbo, f"SELECT * FROM Invoice WHERE CustomerRef = '{cid}' AND TxnDate >= '2026-10-02'", "Invoice")
    assert [i["DocNumber"] for i in found] == ["J2"]
    assert len(rows(qbo, "SELECT * FROM Invoice WHERE Balance > '100'", "Invoice")) == 2


def test_lists_and_sku_projection(qbo: Qbo) -> None:
    assert [t["Name"] for t in rows(qbo, "SELECT * FROM TaxCode", "TaxCode")] == ["20.0% S", "5.0% R", "0.0% Z",
                                                                                      "Exempt", "No VAT"]
    assert len(rows(qbo, "SELECT * FROM Item WHERE Active = true", "Item")) == 3
    assert len(rows(qbo, "SELECT *, Sku FROM Item", "Item")) == 4
    assert len(rows(qbo, "SELECT * FROM Term", "Term")) == 4
    assert rows(qbo, "SELECT * FROM Account WHERE Name = 'Sales'", "Account")[0]["AccountType"] == "Income"
