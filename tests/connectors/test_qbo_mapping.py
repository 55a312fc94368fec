"""Rendering QBO bodies from canonical records, and the totals QBO will compute."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from fieldbook.connectors.quickbooks.api import dumps
from fieldbook.connectors.quickbooks.mapping import (
    InvoiceContext,
    customer_body,
    display_name,
    invoice_body,
    predict_totals,
    refusal,
    sent_line,
    unique_name,
)
from fieldbook.connectors.records import CustomerRecord, InvoiceLine, InvoiceRecord
from tests.support import qbo_schema

D = Decimal
UK = InvoiceContext(custom_numbers=True, us_tax=False, tax_codes={"S": "3", "Z": "5"}, default_item="1")
US = InvoiceContext(custom_numbers=False, us_tax=True)


def line(qty: str, price: str, net: str, code: str = "S", rate: str = "20", **kw: object) -> InvoiceLine:
    return InvoiceLine(description="Boiler service", quantity=D(qty), unit_price=D(price), tax_code=code,
                       tax_rate=D(rate), net_amount=D(net), tax_amount=D(0), **kw)  # type: ignore[arg-type]


def invoice(*lines: InvoiceLine, **kw: object) -> InvoiceRecord:
    fields: dict[str, object] = {
        "number": "J1042", "customer_number": "C001", "issue_date": date(2026, 11, 2), "lines": lines,
        "currency": "GBP", "net_total": D(0), "tax_total": D(0), "total": D(0), "customer_ledger_id": "58"}
    fields.update(kw)
    return InvoiceRecord(**fields)  # type: ignore[arg-type]


def test_display_name_is_made_valid() -> None:
    assert display_name("Acme: North\tDepot\n") == "Acme - North Depot"
    assert len(display_name("x" * 600)) == 500
    assert unique_name("Acme Ltd", "C042") == "Acme Ltd (C042)"
    assert len(unique_name("y" * 600, "C042")) == 500


def test_customer_create_sends_only_what_we_own_with_marker() -> None:
    record = CustomerRecord(number="C001", name="Acme Ltd", email="jo@acme.example")
    body = customer_body(record, "Acme Ltd", "fieldbook:acme:C001", update=False)
    assert body == {"DisplayName": "Acme Ltd", "PrimaryEmailAddr": {"Address": "jo@acme.example"},
                    "Notes": "fieldbook:acme:C001"}


def test_customer_update_is_sparse_with_sync_token_and_explicit_blanks() -> None:
    record = CustomerRecord(number="C001", name="Acme Ltd", ledger_id="58", version="3", notes="Gate 1234")
    body = customer_body(record, "Acme Ltd", "fieldbook:acme:C001", update=True)
    assert body["sparse"] is True and body["SyncToken"] == "3" and body["Id"] == "58"
    assert body["GivenName"] == "" and body["FamilyName"] == ""
    assert body["Notes"] == "Gate 1234\nfieldbook:acme:C001"
    assert "Balance" not in body and "Taxable" not in body  # no generic defaults (§16)


def test_line_discount_is_sent_as_discounted_unit_price() -> None:
    sent = sent_line(line("3", "10.00", "26.67", discount_percent=D("11.1")))
    assert sent.unit_price == D("8.89")
    assert sent.amount == D("26.67") == sent.quantity * sent.unit_price
    assert "less 11.1% discount" in sent.description


def test_amount_is_computed_from_rounded_values_sent() -> None:
    sent = sent_line(line("3", "33.335", "100.01"))
    assert sent.amount == D("100.01")  # round_half_up(3 * 33.335 = 100.005)


def test_invoice_body_non_us_with_tax_codes_number_and_marker() -> None:
    body = invoice_body(invoice(line("5", "9.50", "47.50")), "fieldbook:acme:J1042", UK, update=False)
    assert body["DocNumber"] == "J1042" and body["PrivateNote"] == "fieldbook:acme:J1042"
    assert body["GlobalTaxCalculation"] == "TaxExcluded"
    detail = body["Line"][0]["SalesItemLineDetail"]
    assert detail["TaxCodeRef"] == {"value": "3"} and detail["ItemRef"] == {"value": "1"}
    text = dumps(body).decode()
    assert '"Amount":47.50' in text and '"UnitPrice":9.50' in text and '"Qty":5' in text
    assert json.loads(text)["CustomerRef"] == {"value": "58"}


def test_invoice_body_us_uses_tax_non_and_no_global_tax_or_number() -> None:
    body = invoice_body(invoice(line("1", "10", "10.00"), line("1", "5", "5.00", code="Z", rate="0")),
                        "fieldbook:acme:J1042", US, update=False)
    assert "GlobalTaxCalculation" not in body and "DocNumber" not in body
    assert [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in body["Line"]] == ["TAX", "NON"]


def test_invoice_update_keeps_full_line_array() -> None:
    record = invoice(line("1", "10", "10.00"), line("2", "5", "10.00"), ledger_id="77", version="2")
    body = invoice_body(record, "fieldbook:acme:J1042", UK, update=True)
    assert body["Id"] == "77" and body["SyncToken"] == "2" and len(body["Line"]) == 2


def test_refusals() -> None:
    charge = line("1", "30", "30.00")
    credit = line("-1", "10", "-10.00", is_credit=True)
    assert refusal(invoice(credit), UK) == "credit_only"
    assert refusal(invoice(charge, credit), UK) == ""  # a credit goes as a discount line
    assert refusal(invoice(charge, line("1", "5", "5.00", code="Z", rate="0"), credit,
                           line("-1", "1", "-1.00", code="Z", rate="0", is_credit=True)), UK) == "credit_rates:S,Z"
    assert refusal(invoice(line("1", "5", "5.00"), credit), UK) == "credit_exceeds:S"
    assert refusal(invoice(line("1", "10", "10.00", code="X")), UK) == "unmapped_tax:X"
    assert refusal(invoice(line("1", "10", "10.00"), number="J" * 22), UK) == "number_too_long"
    assert refusal(invoice(line("1", "10", "10.00")), UK) == ""
    mismatch = replace(UK, tax_rates={"3": (("1", D("5")),), "5": (("3", D(0)),)})
    assert refusal(invoice(line("1", "10", "10.00")), mismatch) == "tax_rate_mismatch:S"
    group = replace(UK, tax_rates={"3": (("1", D("20")), ("9", D("1"))), "5": (("3", D(0)),)})
    assert refusal(invoice(line("1", "10", "10.00")), group) == "tax_group:S"


def taxed(qty: str, price: str, code: str = "S", rate: str = "20", **kw: object) -> InvoiceLine:
    """A line priced as Fieldbook prices it (core.money: per-line tax, half up)."""
    from fieldbook.core import money

    t = money.line_totals(money.Line(D(qty), D(price), D(rate), kw.get("discount_percent", D(0)),  # type: ignore[arg-type]
                                     bool(kw.get("is_credit"))))
    return replace(line(qty, price, str(t.net), code, rate, **kw), tax_amount=t.tax)


def priced(*lines: InvoiceLine) -> InvoiceRecord:
    net = sum((ln.net_amount for ln in lines), D(0))
    tax = sum((ln.tax_amount for ln in lines), D(0))
    return invoice(*lines, net_total=net, tax_total=tax, total=net + tax)


def test_predict_totals_keeps_our_per_line_tax() -> None:
    # Three lines of 33.335 (Fieldbook rounds each to 33.34): per line 3 x 6.67 = 20.01 tax. QBO
    # left to itself would charge 20.00 (100.02 x 20 %); it keeps the tax we send.
    record = priced(*(taxed("1", "33.335") for _ in range(3)))
    totals = predict_totals(record, UK)
    assert (totals.net, totals.tax, totals.total) == (D("100.02"), D("20.01"), D("120.03")) == (
        record.net_total, record.tax_total, record.total)


def test_our_vat_per_rate_is_sent_for_the_ledger_to_keep() -> None:
    ctx = replace(UK, tax_codes={"S": "3", "R": "4"}, tax_rates={"3": (("1", D(20)),), "4": (("2", D(5)),)})
    record = priced(*(taxed("1", "33.335") for _ in range(3)), taxed("1", "3.33", code="R", rate="5"))
    detail = invoice_body(record, "m", ctx, update=False)["TxnTaxDetail"]
    assert detail["TotalTax"] == D("20.18") == record.tax_total
    assert [(t["TaxLineDetail"]["TaxRateRef"]["value"], t["Amount"], t["TaxLineDetail"]["NetAmountTaxable"])
            for t in detail["TaxLine"]] == [("1", D("20.01"), D("100.02")), ("2", D("0.17"), D("3.33"))]
    unread = replace(ctx, tax_rates={})
    assert "TxnTaxDetail" not in invoice_body(record, "m", unread, update=False)  # rates not read: the ledger computes


def test_credit_lines_become_one_discount_line_before_tax() -> None:
    ctx = replace(UK, tax_rates={"3": (("1", D(20)),)})
    record = priced(taxed("2", "65.00"), taxed("-1", "25.00", is_credit=True))
    body = invoice_body(record, "m", ctx, update=False)
    assert qbo_schema.check_request("Invoice", body) == []
    charges, credit = body["Line"]
    assert charges["Amount"] == D("130.00") and all(ln["Amount"] >= 0 for ln in body["Line"])
    assert credit == {"DetailType": "DiscountLineDetail", "Amount": D("25.00"), "Description": "Boiler service",
                      "DiscountLineDetail": {"PercentBased": False, "TaxCodeRef": {"value": "3"}}}
    assert body["ApplyTaxAfterDiscount"] is True
    assert body["TxnTaxDetail"]["TaxLine"][0]["Amount"] == D("21.00") == record.tax_total  # 26.00 - 5.00
    totals = predict_totals(record, ctx)
    assert totals.total == record.total == D("126.00") and "discount line of 25.00" in totals.note


def test_a_discounted_price_gets_the_decimals_it_needs_and_89_995_keeps_its_own() -> None:
    # 7 x 19.99 less 12.5 %: 122.43875 -> ours 122.44; 17.49 x 7 = 122.43 would lose a penny.
    sent = sent_line(taxed("7", "19.99", discount_percent=D("12.5")))
    assert sent.amount == D("122.44") and sent.unit_price == D("17.491")
    assert sent_line(taxed("3", "89.995")).unit_price == D("89.995")
    body = invoice_body(priced(taxed("3", "89.995")), "m", UK, update=False)
    assert '"UnitPrice":89.995' in dumps(body).decode() and body["Line"][0]["Amount"] == D("269.99")
