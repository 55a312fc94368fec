"""Invoices (ref §4): server arithmetic, UK VAT and US sales tax, numbering, update, void, delete, payments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldbook.sandbox import Sandbox
from tests.sandbox.helpers import VAT0, VAT5, VAT20, Qbo, codes, invoice_body, sales_line


@pytest.fixture
def customer_id(qbo: Qbo) -> str:
    return str(qbo.create_customer("Acme Ltd")["Id"])


def test_create_computes_lines_subtotal_tax_and_totals(qbo: Qbo, customer_id: str) -> None:
    invoice = qbo.create_invoice(customer_id, [sales_line(47.5, VAT20, qty=5, price=9.5),
                                               sales_line("10.00", VAT5), sales_line(3, VAT0)], DocNumber="J1042")
    lines = invoice["Line"]
    assert [(line.get("Id"), line.get("LineNum")) for line in lines[:3]] == [("1", 1), ("2", 2), ("3", 3)]
    assert lines[-1]["DetailType"] == "SubTotalLineDetail" and lines[-1]["Amount"] == 60.5
    detail = invoice["TxnTaxDetail"]
    assert detail["TotalTax"] == 10.0  # 9.50 + 0.50 + 0.00
    assert sorted(t["TaxLineDetail"]["TaxPercent"] for t in detail["TaxLine"]) == [0, 5, 20]
    assert invoice["TotalAmt"] == 70.5 and invoice["Balance"] == 70.5
    assert invoice["DocNumber"] == "J1042" and invoice["CurrencyRef"]["value"] == "GBP"
    stored = qbo.sandbox.quickbooks.invoices(qbo.realm)[0]
    assert stored["TotalAmt"] == Decimal("70.50") and isinstance(stored["Balance"], Decimal)
    customer = qbo.ok(qbo.get(f"customer/{customer_id}"))["Customer"]
    assert customer["Balance"] == 70.5


def test_tax_rounds_per_rate_on_the_total_by_default_and_per_line_as_a_switch(sandbox: Sandbox) -> None:
    # Three lines of 0.125 at 20 %: per line 0.03 x 3 = 0.09, on the total 0.375 -> 0.08.
    lines = [sales_line("0.125", VAT20) for _ in range(3)]
    by_total = Qbo(sandbox)
    cid = by_total.create_customer("A")["Id"]
    assert by_total.create_invoice(cid, lines)["TxnTaxDetail"]["TotalTax"] == 0.08
    by_line = Qbo(sandbox, sandbox.quickbooks.seed_company(tax_rounding="line"))
    cid = by_line.create_customer("A")["Id"]
    assert by_line.create_invoice(cid, lines)["TxnTaxDetail"]["TotalTax"] == 0.09


def test_tax_inclusive_takes_tax_out_of_the_gross(qbo: Qbo, customer_id: str) -> None:
    invoice = qbo.create_invoice(customer_id, [sales_line(120, VAT20)], GlobalTaxCalculation="TaxInclusive")
    assert invoice["TxnTaxDetail"]["TotalTax"] == 20.0 and invoice["TotalAmt"] == 120.0
    assert invoice["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 100.0


def test_non_us_requires_global_tax_calculation_and_a_tax_code_per_line(qbo: Qbo, customer_id: str) -> None:
    body = invoice_body(customer_id)
    del body["GlobalTaxCalculation"]
    assert codes(qbo.post("invoice", body)) == ["2020"]
    no_code = sales_line(10)
    del no_code["SalesItemLineDetail"]["TaxCodeRef"]
    response = qbo.post("invoice", invoice_body(customer_id, [no_code]))
    assert codes(response) == ["6000"] and "VAT" in response.json()["Fault"]["Error"][0]["Detail"]
    assert codes(qbo.post("invoice", invoice_body(customer_id, [sales_line(10, "99")]))) == ["2500"]


def test_amount_must_equal_qty_times_unit_price_and_not_be_negative(qbo: Qbo, customer_id: str) -> None:
    assert codes(qbo.post("invoice", invoice_body(customer_id, [sales_line(47.49, qty=5, price=9.5)]))) == ["6070"]
    assert codes(qbo.post("invoice", invoice_body(customer_id, [sales_line(-1)]))) == ["2290"]
    assert qbo.sandbox.quickbooks.invoices(qbo.realm) == []


def test_missing_line_and_customer_are_2020_reported_together(qbo: Qbo) -> None:
    response = qbo.post("invoice", {"GlobalTaxCalculation": "TaxExcluded", "Line": []})
    assert sorted(codes(response)) == ["2020", "2020"]
    assert "Required parameter Line is missing" in str(response.json())


def test_several_errors_in_one_fault(qbo: Qbo, customer_id: str) -> None:
    qbo.create_invoice(customer_id, DocNumber="J1")
    response = qbo.post("invoice", {"CustomerRef": {"value": customer_id}, "DocNumber": "J1",
                                    "GlobalTaxCalculation": "TaxExcluded"})
    assert sorted(codes(response)) == ["2020", "6140"]


def test_references_unknown_is_2500_inactive_is_610(qbo: Qbo, customer_id: str) -> None:
    assert codes(qbo.post("invoice", invoice_body("999"))) == ["2500"]
    assert codes(qbo.post("invoice", invoice_body(customer_id, [sales_line(10, item="4")]))) == ["610"]
    qbo.ok(qbo.post("customer", {"Id": customer_id, "SyncToken": "0", "sparse": True, "Active": False}))
    assert codes(qbo.post("invoice", invoice_body(customer_id))) == ["610"]


def test_doc_number_rules(qbo: Qbo, customer_id: str) -> None:
    qbo.create_invoice(customer_id, DocNumber="J1042")
    response = qbo.post("invoice", invoice_body(customer_id, DocNumber="J1042"))
    assert codes(response) == ["6140"]
    allowed = qbo.post("invoice", invoice_body(customer_id, DocNumber="J1042"),
                       params={"include": "allowduplicatedocnum"})
    assert qbo.ok(allowed)["Invoice"]["DocNumber"] == "J1042"
    long = qbo.post("invoice", invoice_body(customer_id, DocNumber="x" * 22))
    assert codes(long) == ["2050"] and "Max:21" in long.json()["Fault"]["Error"][0]["Detail"]
    assert qbo.create_invoice(customer_id)["DocNumber"] == "J1043"  # none sent: last + 1


def test_without_custom_numbers_qbo_assigns_last_plus_one(qbo: Qbo, customer_id: str) -> None:
    qbo.create_invoice(customer_id, DocNumber="S0311")
    qbo.sandbox.quickbooks.set_preferences(qbo.realm, custom_txn_numbers=False)
    prefs = qbo.ok(qbo.get("preferences"))["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    assert qbo.create_invoice(customer_id, DocNumber="J9999")["DocNumber"] == "S0312"
    assert qbo.create_invoice(customer_id)["DocNumber"] == "S0313"


def test_full_update_nulls_omitted_fields_sparse_keeps_them(qbo: Qbo, customer_id: str) -> None:
    created = qbo.create_invoice(customer_id, PrivateNote="fieldbook:acme:J1", CustomerMemo={"value": "Thanks"},
                                 DocNumber="J1", TxnDate="2026-10-01", DueDate="2026-10-31")
    sparse = qbo.ok(qbo.post("invoice", {"Id": created["Id"], "SyncToken": "0", "sparse": True,
                                         "CustomerMemo": {"value": "Cheers"}}))["Invoice"]
    assert sparse["SyncToken"] == "1" and sparse["PrivateNote"] == "fieldbook:acme:J1"
    assert sparse["TotalAmt"] == 120.0 and sparse["DueDate"] == "2026-10-31"
    full = qbo.ok(qbo.post("invoice", {"Id": created["Id"], "SyncToken": "1", "DocNumber": "J1",
                                       **invoice_body(customer_id, [sales_line(50, VAT20)])}))["Invoice"]
    assert full["SyncToken"] == "2" and "PrivateNote" not in full and "CustomerMemo" not in full
    assert full["TotalAmt"] == 60.0 and full["TxnDate"] == "2026-11-02"
    assert codes(qbo.post("invoice", {"Id": created["Id"], "SyncToken": "1", "sparse": True})) == ["5010"]


def test_due_date_defaults_from_terms(qbo: Qbo, customer_id: str) -> None:
    invoice = qbo.create_invoice(customer_id, TxnDate="2026-05-01", SalesTermRef={"value": "3"})  # Net 30
    assert invoice["DueDate"] == "2026-05-31"


def test_void_zeroes_amounts_and_prepends_voided(qbo: Qbo, customer_id: str) -> None:
    created = qbo.create_invoice(customer_id, [sales_line(47.5, qty=5, price=9.5)], PrivateNote="marker")
    response = qbo.post("invoice", {"Id": created["Id"], "SyncToken": "0"}, params={"operation": "void"})
    voided = qbo.ok(response)["Invoice"]
    assert voided["TotalAmt"] == 0 and voided["Balance"] == 0 and voided["TxnTaxDetail"]["TotalTax"] == 0
    assert voided["Line"][0]["Amount"] == 0 and voided["Line"][0]["SalesItemLineDetail"]["Qty"] == 0
    assert voided["PrivateNote"] == "Voided - marker" and voided["SyncToken"] == "1"
    assert qbo.sandbox.quickbooks.invoices(qbo.realm)[0]["_status"] == "Voided"
    assert qbo.ok(qbo.get(f"customer/{customer_id}"))["Customer"]["Balance"] == 0


def test_delete_answers_status_deleted_and_hides_the_invoice(qbo: Qbo, customer_id: str) -> None:
    created = qbo.create_invoice(customer_id)
    stale = qbo.post("invoice", {"Id": created["Id"], "SyncToken": "7"}, params={"operation": "delete"})
    assert codes(stale) == ["5010"]
    deleted = qbo.ok(qbo.post("invoice", {"Id": created["Id"], "SyncToken": "0"}, params={"operation": "delete"}))
    assert deleted["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": created["Id"]}
    assert codes(qbo.get(f"invoice/{created['Id']}")) == ["610"]
    assert qbo.sandbox.quickbooks.invoices(qbo.realm)[0]["_status"] == "Deleted"


def test_payment_drops_balance_and_full_payment_locks(qbo: Qbo, customer_id: str) -> None:
    created = qbo.create_invoice(customer_id)  # 100 + 20 VAT
    control = qbo.sandbox.quickbooks
    control.record_payment(qbo.realm, created["Id"], Decimal("20.00"))
    partly = qbo.ok(qbo.get(f"invoice/{created['Id']}"))["Invoice"]
    assert partly["Balance"] == 100.0 and partly["SyncToken"] == "1"
    assert partly["LinkedTxn"][0]["TxnType"] == "Payment"
    control.record_payment(qbo.realm, created["Id"], Decimal("100.00"))
    paid = qbo.ok(qbo.get(f"invoice/{created['Id']}"))["Invoice"]
    assert paid["Balance"] == 0
    locked = qbo.post("invoice", {"Id": created["Id"], "SyncToken": paid["SyncToken"], "sparse": True,
                                  "PrivateNote": "change"})
    assert codes(locked) == ["6000"]
    assert codes(qbo.post("invoice", {"Id": created["Id"], "SyncToken": paid["SyncToken"]},
                          params={"operation": "delete"})) == ["6000"]
    with pytest.raises(ValueError):
        control.record_payment(qbo.realm, created["Id"], Decimal("1"))
    payments = qbo.ok(qbo.query("select * from Payment"))["QueryResponse"]["Payment"]
    assert [p["TotalAmt"] for p in payments] == [20.0, 100.0]


def test_payment_through_the_api(qbo: Qbo, customer_id: str) -> None:
    created = qbo.create_invoice(customer_id)
    body = {"CustomerRef": {"value": customer_id}, "TotalAmt": 50,
            "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": created["Id"], "TxnType": "Invoice"}]}]}
    qbo.ok(qbo.post("payment", body))
    assert qbo.ok(qbo.get(f"invoice/{created['Id']}"))["Invoice"]["Balance"] == 70.0
    too_much = {**body, "TotalAmt": 500, "Line": [{**body["Line"][0], "Amount": 500}]}
    assert codes(qbo.post("payment", too_much)) == ["6000"]
    assert len(qbo.ok(qbo.query("select * from Payment"))["QueryResponse"]["Payment"]) == 1


def test_us_company_tax_or_non_and_automated_sales_tax(us_qbo: Qbo) -> None:
    prefs = us_qbo.ok(us_qbo.get("preferences"))["Preferences"]
    assert prefs["TaxPrefs"]["PartnerTaxEnabled"] is True
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
    cid = us_qbo.create_customer("Bayside Diner")["Id"]
    lines = [sales_line(100, "TAX"), sales_line(50, "NON")]
    invoice = us_qbo.ok(us_qbo.post("invoice", {"CustomerRef": {"value": cid}, "Line": lines}))["Invoice"]
    assert invoice["TxnTaxDetail"]["TotalTax"] == 8.25 and invoice["TotalAmt"] == 158.25
    assert "GlobalTaxCalculation" not in invoice
    assert codes(us_qbo.post("invoice", {"CustomerRef": {"value": cid}, "Line": [sales_line(10, "1")]})) == ["6100"]
    explicit = {"CustomerRef": {"value": cid}, "Line": [sales_line(100, "TAX")], "TxnTaxDetail": {"TotalTax": 7}}
    assert us_qbo.ok(us_qbo.post("invoice", explicit))["Invoice"]["TxnTaxDetail"]["TotalTax"] == 7.0


def test_python_quickbooks_invoice_defaults_are_accepted(qbo: Qbo, customer_id: str) -> None:
    # ref §16: a fresh python-quickbooks Invoice sends "" dates, Qty/UnitPrice 0, AllowIPNPayment true...
    body = {"AllowIPNPayment": True, "AllowOnlineACHPayment": False, "ApplyTaxAfterDiscount": False, "Balance": 0,
            "CustomField": [], "Deposit": 0, "DueDate": "", "EmailStatus": "NotSet", "ExchangeRate": 1,
            "GlobalTaxCalculation": "TaxExcluded", "HomeBalance": 0, "HomeTotalAmt": 0, "InvoiceLink": "",
            "Line": [{"Amount": 10, "CustomField": [], "DetailType": "SalesItemLineDetail", "LineNum": 0,
                      "LinkedTxn": [], "SalesItemLineDetail": {"Qty": 0, "ServiceDate": "", "TaxInclusiveAmt": 0,
                                                                "UnitPrice": 0, "TaxCodeRef": {"value": VAT20}}}],
            "LinkedTxn": [], "PrintStatus": "NotSet", "PrivateNote": "", "ShipDate": "", "SyncToken": 0,
            "TotalAmt": "", "TrackingNum": "", "TxnDate": "", "domain": "QBO", "sparse": False,
            "CustomerRef": {"value": customer_id}}
    invoice = qbo.ok(qbo.post("invoice", body))["Invoice"]
    assert invoice["TotalAmt"] == 12.0 and invoice["AllowIPNPayment"] is False
