"""Customers (ref §3): create, read, full vs sparse update, name rules and their fault codes."""

from __future__ import annotations

from fieldbook.sandbox.quickbooks.seed import SEEDED_EMPLOYEE, SEEDED_VENDOR
from tests.sandbox.helpers import Qbo, codes


def test_create_returns_entity_envelope_with_server_fields(qbo: Qbo) -> None:
    response = qbo.post("customer", {"DisplayName": "Acme Ltd", "PrimaryEmailAddr": {"Address": "jo@acme.example"}})
    body = qbo.ok(response)
    customer = body["Customer"]
    assert customer["Id"] == "1" and customer["SyncToken"] == "0"
    assert customer["PrintOnCheckName"] == "Acme Ltd"  # defaults from DisplayName
    assert customer["MetaData"]["CreateTime"] == "2026-11-02T01:00:00-08:00"  # the sandbox clock, Pacific
    assert body["time"] == "2026-11-02T01:00:00.000-08:00"
    assert response.headers["intuit_tid"]
    assert qbo.ok(qbo.get("customer/1"))["Customer"]["DisplayName"] == "Acme Ltd"


def test_display_name_built_from_name_parts_and_no_name_is_6080(qbo: Qbo) -> None:
    body = qbo.ok(qbo.post("customer", {"Title": "Dr", "GivenName": "Jo", "FamilyName": "Bloggs", "DisplayName": ""}))
    assert body["Customer"]["DisplayName"] == "Dr Jo Bloggs"
    assert codes(qbo.post("customer", {"CompanyName": "Nameless"})) == ["6080"]


def test_duplicate_display_name_across_customer_vendor_employee_is_6240(qbo: Qbo) -> None:
    qbo.create_customer("Acme Ltd")
    for name in ("Acme Ltd", "acme ltd", SEEDED_VENDOR, SEEDED_EMPLOYEE):
        response = qbo.post("customer", {"DisplayName": name})
        assert response.status_code == 400
        assert response.json()["Fault"]["type"] == "ValidationFault"
        assert codes(response) == ["6240"]
    assert len(qbo.sandbox.quickbooks.customers(qbo.realm)) == 1


def test_forbidden_characters_and_lengths(qbo: Qbo) -> None:
    for bad in ("Acme: Ltd", "Acme\tLtd", "Acme\nLtd"):
        assert codes(qbo.post("customer", {"DisplayName": bad})) == ["2040"]
    response = qbo.post("customer", {"DisplayName": "x" * 501})
    assert codes(response) == ["2050"]
    error = response.json()["Fault"]["Error"][0]
    assert error["Detail"] == "Min:0 Max:500 supported. Supplied length:501" and error["element"] == "DisplayName"
    assert codes(qbo.post("customer", {"DisplayName": "Ok", "GivenName": "g" * 101})) == ["2050"]
    assert codes(qbo.post("customer", {"DisplayName": "Ok", "Notes": "n" * 2001})) == ["2050"]
    assert qbo.create_customer("x" * 500)["DisplayName"] == "x" * 500


def test_bad_email_is_2210_and_unknown_property_is_2010(qbo: Qbo) -> None:
    assert codes(qbo.post("customer", {"DisplayName": "A", "PrimaryEmailAddr": {"Address": "nobody"}})) == ["2210"]
    assert codes(qbo.post("customer", {"DisplayName": "A", "DisplayNam": "typo"})) == ["2010"]


def test_sparse_update_patches_and_full_update_nulls_omitted_fields(qbo: Qbo) -> None:
    created = qbo.create_customer("Acme Ltd", Notes="Gate code 1234", CompanyName="Acme",
                                  PrimaryEmailAddr={"Address": "jo@acme.example"})
    sparse = qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True,
                                          "Notes": "Gate code 9999"}))["Customer"]
    assert sparse["SyncToken"] == "1"
    assert sparse["Notes"] == "Gate code 9999" and sparse["CompanyName"] == "Acme"
    assert sparse["PrimaryEmailAddr"] == {"Address": "jo@acme.example"}
    full = qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "1",
                                        "DisplayName": "Acme Ltd"}))["Customer"]
    assert full["SyncToken"] == "2"
    assert "Notes" not in full and "CompanyName" not in full and "PrimaryEmailAddr" not in full


def test_sparse_update_cannot_remove_display_name(qbo: Qbo) -> None:
    created = qbo.create_customer("Acme Ltd")
    updated = qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True,
                                           "DisplayName": ""}))["Customer"]
    assert updated["DisplayName"] == "Acme Ltd"


def test_stale_sync_token_is_5010_and_changes_nothing(qbo: Qbo) -> None:
    created = qbo.create_customer("Acme Ltd")
    qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "first"}))
    response = qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "second"})
    assert codes(response) == ["5010"]
    assert qbo.sandbox.quickbooks.customers(qbo.realm)[0]["Notes"] == "first"


def test_missing_customer_is_610(qbo: Qbo) -> None:
    response = qbo.get("customer/999")
    assert response.status_code == 400 and codes(response) == ["610"]


def test_inactive_customer_cannot_be_edited_except_to_reactivate(qbo: Qbo) -> None:
    created = qbo.create_customer("Acme Ltd")
    off = qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Active": False}))
    assert off["Customer"]["Active"] is False
    refused = qbo.post("customer", {"Id": created["Id"], "SyncToken": "1", "sparse": True, "Notes": "x"})
    assert codes(refused) == ["6000"]
    back = qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "1", "sparse": True, "Active": True}))
    assert back["Customer"]["Active"] is True and back["Customer"]["SyncToken"] == "2"


def test_inactive_customer_still_blocks_its_name(qbo: Qbo) -> None:
    created = qbo.create_customer("Acme Ltd")
    qbo.ok(qbo.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Active": False}))
    assert codes(qbo.post("customer", {"DisplayName": "Acme Ltd"})) == ["6240"]


def test_vendor_and_employee_are_seeded_and_readable(qbo: Qbo) -> None:
    vendor = qbo.ok(qbo.query("select * from Vendor"))["QueryResponse"]["Vendor"]
    employee = qbo.ok(qbo.query("select * from Employee"))["QueryResponse"]["Employee"]
    assert [v["DisplayName"] for v in vendor] == [SEEDED_VENDOR]
    assert [e["DisplayName"] for e in employee] == [SEEDED_EMPLOYEE]


def test_python_quickbooks_style_body_with_blank_defaults_is_accepted(qbo: Qbo) -> None:
    # ref §16: a fresh python-quickbooks Customer serialises "" and zero defaults for everything.
    body = {"Active": True, "Balance": 0, "BalanceWithJobs": 0, "BillWithParent": False, "CompanyName": "",
            "DisplayName": "Fresh", "FamilyName": "", "FullyQualifiedName": "", "GivenName": "",
            "IsProject": False, "Job": False, "Level": 0, "MiddleName": "", "Notes": "", "OpenBalanceDate": "",
            "PreferredDeliveryMethod": "", "PrimaryTaxIdentifier": "", "PrintOnCheckName": "", "ResaleNum": "",
            "Suffix": "", "SyncToken": 0, "Taxable": True, "Title": "", "domain": "QBO", "sparse": False}
    customer = qbo.ok(qbo.post("customer", body))["Customer"]
    assert customer["DisplayName"] == "Fresh" and customer["PrintOnCheckName"] == "Fresh"
