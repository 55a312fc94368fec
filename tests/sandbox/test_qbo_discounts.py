"""Discount lines and a client's own tax on invoices (Finance.xsd DiscountLineDetail,
ApplyTaxAfterDiscount, TxnTaxDetail "you may supply it"), in the UK company."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.helpers import VAT5, VAT20, Qbo, codes, invoice_body, sales_line
from tests.support import qbo_schema

D = Decimal
RATE20, RATE5 = "1", "2"  # the TaxRates of 20.0% S and 5.0% R


@pytest.fixture
def customer_id(qbo: Qbo) -> str:
    return str(qbo.create_customer("Acme Ltd")["Id"])


def discount(amount: Any, tax_code: str | None = None, **detail: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"PercentBased": False, **detail}
    if tax_code is not None:
        body["TaxCodeRef"] = {"value": tax_code}
    return {"DetailType": "DiscountLineDetail", "Amount": amount, "Description": "Goodwill credit",
            "DiscountLineDetail": body}


def tax_by_rate(invoice: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {t["TaxLineDetail"]["TaxRateRef"]["value"]: (t["TaxLineDetail"]["NetAmountTaxable"], t["Amount"])
            for t in invoice["TxnTaxDetail"]["TaxLine"]}


def create(qbo: Qbo, body: dict[str, Any]) -> dict[str, Any]:
    assert qbo_schema.check_request("Invoice", body) == []
    response = qbo.ok(qbo.post("invoice", body))
    assert qbo_schema.check_response(response) == []
    invoice: dict[str, Any] = response["Invoice"]
    return invoice


def test_a_discount_on_its_tax_code_comes_off_before_tax(qbo: Qbo, customer_id: str) -> None:
    body = invoice_body(customer_id, [sales_line("100.00", VAT20), sales_line("50.00", VAT5),
                                      discount("25.00", VAT20)], ApplyTaxAfterDiscount=True)
    invoice = create(qbo, body)
    assert tax_by_rate(invoice) == {RATE20: (75, 15), RATE5: (50, 2.5)}
    assert invoice["TotalAmt"] == 142.5 and invoice["Balance"] == 142.5
    kinds = [line["DetailType"] for line in invoice["Line"]]
    assert kinds == ["SalesItemLineDetail", "SalesItemLineDetail", "DiscountLineDetail", "SubTotalLineDetail"]
    assert invoice["Line"][-1]["Amount"] == 150  # the subtotal is before the discount
    assert invoice["Line"][2]["DiscountLineDetail"]["DiscountAccountRef"]["name"] == "Discounts given"
    assert qbo.ok(qbo.get(f"customer/{customer_id}"))["Customer"]["Balance"] == 142.5


def test_a_discount_without_a_tax_code_is_shared_by_the_lines_amounts(qbo: Qbo, customer_id: str) -> None:
    body = invoice_body(customer_id, [sales_line("100.00", VAT20), sales_line("50.00", VAT5), discount("30.00")],
                        ApplyTaxAfterDiscount=True)
    invoice = create(qbo, body)
    assert tax_by_rate(invoice) == {RATE20: (80, 16), RATE5: (40, 2)}
    assert invoice["TotalAmt"] == 138


def test_without_apply_tax_after_discount_tax_is_on_the_undiscounted_lines(qbo: Qbo, customer_id: str) -> None:
    invoice = create(qbo, invoice_body(customer_id, [sales_line("100.00", VAT20), discount("25.00", VAT20)]))
    assert invoice["TxnTaxDetail"]["TotalTax"] == 20 and invoice["TotalAmt"] == 95  # 100 + 20 - 25


def test_a_percent_discount_is_worked_out_on_the_subtotal(qbo: Qbo, customer_id: str) -> None:
    line = {"DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10}}
    invoice = create(qbo, invoice_body(customer_id, [sales_line("80.00", VAT20), line], ApplyTaxAfterDiscount=True))
    assert invoice["Line"][1]["Amount"] == 8 and invoice["TotalAmt"] == 86.4  # (80 - 8) x 1.2


def test_discounts_qbo_refuses(qbo: Qbo, customer_id: str) -> None:
    two = invoice_body(customer_id, [sales_line("100.00"), discount("5.00"), discount("5.00")])
    assert codes(qbo.post("invoice", two)) == ["6000"]  # one discount per transaction
    assert codes(qbo.post("invoice", invoice_body(customer_id, [sales_line("100.00"), discount("-5")]))) == ["2290"]
    too_big = invoice_body(customer_id, [sales_line("10.00", VAT20), sales_line("90.00", VAT5),
                                         discount("20.00", VAT20)], ApplyTaxAfterDiscount=True)
    assert codes(qbo.post("invoice", too_big)) == ["6000"]  # more than its own code's lines
    assert codes(qbo.post("invoice", invoice_body(customer_id, [sales_line("-5.00")]))) == ["2290"]
    assert qbo.sandbox.quickbooks.invoices(qbo.realm) == []  # nothing half-written


def test_the_clients_tax_per_rate_is_kept_with_the_delta_recorded(qbo: Qbo, customer_id: str) -> None:
    # Three lines of 33.34: the server's own tax per rate on the total is 20.00; Fieldbook's per line 20.01.
    lines = [sales_line("33.34", VAT20) for _ in range(3)]
    assert create(qbo, invoice_body(customer_id, lines))["TotalAmt"] == 120.02
    supplied = {"TotalTax": "20.01", "TaxLine": [{"Amount": "20.01", "DetailType": "TaxLineDetail", "TaxLineDetail": {
        "TaxRateRef": {"value": RATE20}, "PercentBased": True, "TaxPercent": 20, "NetAmountTaxable": "100.02"}}]}
    invoice = create(qbo, invoice_body(customer_id, lines, TxnTaxDetail=supplied))
    assert invoice["TotalAmt"] == 120.03 and invoice["TxnTaxDetail"]["TotalTax"] == 20.01
    assert invoice["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["OverrideDeltaAmount"] == 0.01
    # A sparse update that leaves the lines alone keeps the supplied tax; new lines without it do not.
    current = qbo.sandbox.quickbooks.invoices(qbo.realm)[-1]
    memo = {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, "PrivateNote": "memo"}
    updated = qbo.ok(qbo.post("invoice", memo))["Invoice"]
    assert updated["TotalAmt"] == 120.03
    relined = {"Id": current["Id"], "SyncToken": updated["SyncToken"], "sparse": True, "Line": lines}
    assert qbo.ok(qbo.post("invoice", relined))["Invoice"]["TotalAmt"] == 120.02


def test_a_supplied_tax_line_must_name_a_rate_of_the_invoice(qbo: Qbo, customer_id: str) -> None:
    supplied = {"TaxLine": [{"Amount": "1.00", "DetailType": "TaxLineDetail",
                             "TaxLineDetail": {"TaxRateRef": {"value": RATE5}}}]}
    response = qbo.post("invoice", invoice_body(customer_id, [sales_line("10.00", VAT20)], TxnTaxDetail=supplied))
    assert codes(response) == ["6000"]


def test_a_unit_price_keeps_its_three_decimals(qbo: Qbo, customer_id: str) -> None:
    invoice = create(qbo, invoice_body(customer_id, [sales_line("269.99", VAT20, qty=3, price="89.995")]))
    stored = qbo.sandbox.quickbooks.invoices(qbo.realm)[0]
    assert stored["Line"][0]["SalesItemLineDetail"]["UnitPrice"] == D("89.995")
    assert invoice["Line"][0]["SalesItemLineDetail"]["UnitPrice"] == 89.995
