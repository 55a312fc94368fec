"""Invoices: create, full and sparse update, void, delete (ref §4).

The server owns the arithmetic: line Ids/LineNums, the SubTotal line, TxnTaxDetail, TotalAmt and
Balance (= TotalAmt less payments). Fully paid invoices are locked against change.

Discounts (Finance.xsd DiscountLineDetail, "the total discount on a transaction"): one per
invoice, a positive Amount (or PercentBased with DiscountPercent of the subtotal). With
ApplyTaxAfterDiscount true the discount comes off before tax (XSD: "subtract the discount
first and then calculate the sales tax"), from the lines of its TaxCodeRef when it names one,
otherwise spread over the lines in proportion to their amounts; false or absent: tax first.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.quickbooks import discounts, errors, tax, validate
from fieldbook.sandbox.quickbooks.model import Company

WRITABLE = frozenset({
    "DocNumber", "TxnDate", "DueDate", "CustomerRef", "Line", "PrivateNote", "CustomerMemo", "BillEmail",
    "BillEmailCc", "BillEmailBcc", "BillAddr", "ShipAddr", "ShipFromAddr", "SalesTermRef", "EmailStatus",
    "PrintStatus", "CustomField", "GlobalTaxCalculation", "ApplyTaxAfterDiscount", "CurrencyRef",
    "ExchangeRate", "ProjectRef", "TrackingNum", "ShipDate", "ShipMethodRef", "ClassRef", "DepartmentRef",
    "AllowOnlineACHPayment", "AllowOnlineCreditCardPayment", "AllowIPNPayment", "AllowOnlinePayment",
    "TxnTaxDetail", "FreeFormAddress",
})
GLOBAL_TAX = ("TaxExcluded", "TaxInclusive", "NotApplicable")
SUPPORTED_LINES = ("SalesItemLineDetail", "DescriptionOnly", "SubTotalLineDetail", "DiscountLineDetail")
DOC_NUMBER_MAX = 21  # ref §4
CURRENCY_NAMES = {"GBP": "British Pound Sterling", "USD": "United States Dollar"}


def _writable(body: dict[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in body.items()
            if key in WRITABLE and not validate.blank(value) and value != []}


def paid_amount(invoice: dict[str, Any]) -> Decimal:
    return Decimal(str(invoice.get("_paid", "0")))


def is_locked(invoice: dict[str, Any]) -> bool:
    return paid_amount(invoice) > 0 and Decimal(str(invoice.get("Balance", "0"))) <= 0


def next_doc_number(company: Company) -> str:
    """ref §4: with custom numbers off QBO assigns "last + 1" (trailing digits incremented)."""
    last = str(company.tree.get("last_doc_number") or "1000")
    used = {str(inv.get("DocNumber")) for inv in company.live("Invoice")}
    candidate = last
    while True:
        match = re.search(r"(\d+)$", candidate)
        if match:
            digits = match.group(1)
            candidate = candidate[: match.start()] + str(int(digits) + 1).zfill(len(digits))
        else:
            candidate = f"{candidate}1"
        if candidate not in used:
            return candidate


def _parse_date(value: Any, element: str) -> date:
    text = str(value).strip().replace("/", "-")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise errors.invalid_value(element, value) from None


def _lines(company: Company, raw_lines: list[Any], collector: errors.Collector,
           global_tax: str) -> tuple[list[dict[str, Any]], list[tuple[Decimal, str]], dict[str, Any] | None]:
    stored: list[dict[str, Any]] = []
    taxed: list[tuple[Decimal, str]] = []
    discount: dict[str, Any] | None = None
    for raw in raw_lines:
        if not isinstance(raw, dict):
            collector.add(errors.invalid_value("Line", raw))
            continue
        detail_type = raw.get("DetailType")
        if detail_type == "SubTotalLineDetail":
            continue  # ref §4: the server appends its own SubTotal line
        if detail_type not in SUPPORTED_LINES:
            collector.add(errors.business(f"Line DetailType {detail_type!r} is not supported by the sandbox",
                                          "Line.DetailType"))
            continue
        number = len(stored) + 1
        line: dict[str, Any] = {"Id": str(number), "LineNum": number, "DetailType": detail_type}
        if not validate.blank(raw.get("Description")):
            validate.text(raw, "Description", 4000, collector)
            line["Description"] = raw["Description"]
        if detail_type == "DescriptionOnly":
            line["Amount"] = Decimal("0")
            line["DescriptionLineDetail"] = {}
            line["DetailType"] = "DescriptionOnly"
            stored.append(line)
            continue
        if detail_type == "DiscountLineDetail":
            if discount is not None:
                collector.add(errors.business("An invoice takes one discount line: it is the discount on the "
                                              "whole transaction.", "Line.DiscountLineDetail"))
                continue
            try:
                discount = discounts.discount_line(company, raw, line, global_tax)
            except errors.QboError as exc:
                collector.add(exc)
                continue
            stored.append(line)
            continue
        try:
            amount, code = _sales_line(company, raw, line, global_tax)
        except errors.QboError as exc:
            collector.add(exc)
            continue
        stored.append(line)
        taxed.append((amount, code))
    return stored, taxed, discount


def _sales_line(company: Company, raw: dict[str, Any], line: dict[str, Any],
                global_tax: str) -> tuple[Decimal, str]:
    detail = raw.get("SalesItemLineDetail") or {}
    if validate.blank(raw.get("Amount")):
        raise errors.missing("Line.Amount", "Amount")
    amount = validate.money(raw["Amount"], "Line.Amount")
    if amount < 0:
        raise errors.negative_amount()
    out: dict[str, Any] = {}
    qty = detail.get("Qty")
    price = detail.get("UnitPrice")
    # python-quickbooks sends Qty 0 / UnitPrice 0 for unset values and QBO accepts those bodies
    # (ref §16), so zero counts as "not given"; otherwise Amount must be Qty x UnitPrice (6070).
    qty_d = validate.money(qty, "Qty") if not validate.blank(qty) else Decimal("0")
    price_d = validate.money(price, "UnitPrice") if not validate.blank(price) else Decimal("0")
    if qty_d != 0 and price_d != 0 and tax.round_money(qty_d * price_d) != tax.round_money(amount):
        raise errors.amount_calculation()
    if qty_d != 0:
        out["Qty"] = qty_d if qty_d != qty_d.to_integral_value() else int(qty_d)
    if price_d != 0:
        out["UnitPrice"] = price_d
    item_value = detail.get("ItemRef")
    if validate.ref_id(item_value) is None:
        item_value = {"value": "1"}  # QBO falls back to the default "Services" item (assumption)
    item = validate.resolve_ref(company, "Item", item_value, "ItemRef")
    out["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
    code_id = validate.ref_id(detail.get("TaxCodeRef"))
    if company.is_us:
        code_id = code_id or "NON"
        if code_id not in ("TAX", "NON"):
            raise errors.us_tax_code()
    elif global_tax != "NotApplicable":
        if code_id is None:
            # The UK company's real wording for a line without a VAT code.
            raise errors.business("Make sure all your transactions have a VAT rate before you save.",
                                  "TaxCodeRef")
        code = company.get("TaxCode", code_id)
        if code is None:
            raise errors.invalid_reference("TaxCodeRef", code_id)
        if code.get("Active") is False:
            raise errors.not_found(f"TaxCode {code_id} is inactive")
    if code_id is not None:
        out["TaxCodeRef"] = {"value": code_id}
    if not validate.blank(detail.get("ServiceDate")):
        out["ServiceDate"] = _parse_date(detail["ServiceDate"], "ServiceDate").isoformat()
    line["Amount"] = amount
    line["SalesItemLineDetail"] = out
    return amount, code_id or ""


def build(company: Company, fields: dict[str, Any], now: datetime, allow_duplicate_doc: bool,
          self_id: str | None, current_doc: str | None, paid: Decimal) -> dict[str, Any]:
    collector = errors.Collector()
    out = {key: value for key, value in fields.items() if key not in ("Line", "TxnTaxDetail")}
    customer: dict[str, Any] | None = None
    if validate.ref_id(fields.get("CustomerRef")) is None:
        collector.add(errors.missing("CustomerRef"))
    else:
        try:
            customer = validate.resolve_ref(company, "Customer", fields["CustomerRef"], "CustomerRef")
        except errors.QboError as exc:
            collector.add(exc)
    raw_lines = fields.get("Line")
    if not isinstance(raw_lines, list) or not raw_lines:
        collector.add(errors.missing("Line"))
        raw_lines = []
    _doc_number(company, fields, out, collector, allow_duplicate_doc, self_id, current_doc)
    validate.text(fields, "PrivateNote", 4000, collector)
    validate.email(fields, "BillEmail", collector)
    global_tax = "NotApplicable"
    if not company.is_us:
        global_tax = str(fields.get("GlobalTaxCalculation") or "")
        if not global_tax:
            collector.add(errors.missing("GlobalTaxCalculation"))  # ref §4: required for non-US
        elif global_tax not in GLOBAL_TAX:
            collector.add(errors.invalid_value("GlobalTaxCalculation", global_tax))
        elif global_tax == "NotApplicable" and fields.get("TxnTaxDetail"):
            collector.add(errors.error("6170", "Invalid tax detail",
                                       "TxnTaxDetail is not allowed when GlobalTaxCalculation is NotApplicable"))
    else:
        out.pop("GlobalTaxCalculation", None)  # not applicable to US companies (ref §4)
    lines, taxed, discount = _lines(company, raw_lines, collector, global_tax)
    supplied = discounts.supplied_tax(company, fields, taxed, global_tax, collector)
    collector.raise_if_any()
    assert customer is not None
    out["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    txn_date = _parse_date(fields["TxnDate"], "TxnDate") if fields.get("TxnDate") else company.local_today(now)
    out["TxnDate"] = txn_date.isoformat()
    out["DueDate"] = _due_date(company, fields, customer, txn_date).isoformat()
    home = company.preferences["CurrencyPrefs"]["HomeCurrency"]["value"]
    out["CurrencyRef"] = {"value": home, "name": CURRENCY_NAMES.get(home, home)}
    subtotal = sum((amount for amount, _ in taxed), Decimal("0"))
    off, before_tax = Decimal("0"), False
    if discount is not None:
        off = discount["amount"]
        if discount["percent"] is not None:
            off = tax.round_money(subtotal * discount["percent"] / Decimal("100"))
            discount["line"]["Amount"] = off
        before_tax = fields.get("ApplyTaxAfterDiscount") is True
        out["ApplyTaxAfterDiscount"] = before_tax
        if off > subtotal:
            raise errors.business(f"The discount ({off}) is more than the invoice's subtotal ({subtotal}).",
                                  "Line.DiscountLineDetail")
    shares = discounts.spread(off, taxed, discount["code"] if discount else None) if before_tax else []
    result = _compute_tax(company, fields, taxed + shares, global_tax, supplied)
    lines.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    out["Line"] = lines
    out["TxnTaxDetail"] = result.detail() if result is not None else {"TotalTax": Decimal("0")}
    total = result.total if result is not None else subtotal - (off if before_tax else Decimal("0"))
    if not before_tax:
        total -= off  # tax was worked out on the undiscounted lines
    if total < paid:
        raise errors.business("The invoice total cannot be less than the payments applied to it.")
    out["TotalAmt"] = total
    out["Balance"] = total - paid
    out["HomeTotalAmt"] = total
    out.setdefault("EmailStatus", "NotSet")
    out.setdefault("PrintStatus", "NotSet")
    out["AllowIPNPayment"] = False  # ref §4: deprecated, "must always be set to false"
    return out


def _doc_number(company: Company, fields: dict[str, Any], out: dict[str, Any], collector: errors.Collector,
                allow_duplicate: bool, self_id: str | None, current_doc: str | None) -> None:
    supplied = fields.get("DocNumber")
    if not company.custom_txn_numbers:
        # ref §4: with CustomTxnNumbers off QBO numbers the invoice itself.
        out["DocNumber"] = current_doc if current_doc is not None else next_doc_number(company)
        return
    if validate.blank(supplied):
        out["DocNumber"] = current_doc if current_doc is not None else next_doc_number(company)
        return
    doc = str(supplied)
    if len(doc) > DOC_NUMBER_MAX:
        collector.add(errors.bad_length("DocNumber", DOC_NUMBER_MAX, len(doc)))
        return
    if not allow_duplicate:
        for other in company.live("Invoice"):
            if other["Id"] != self_id and str(other.get("DocNumber")) == doc:
                collector.add(errors.duplicate_doc_number(doc))
                break
    out["DocNumber"] = doc


def _due_date(company: Company, fields: dict[str, Any], customer: dict[str, Any], txn_date: date) -> date:
    if fields.get("DueDate"):
        return _parse_date(fields["DueDate"], "DueDate")
    term_id = validate.ref_id(fields.get("SalesTermRef")) or validate.ref_id(customer.get("SalesTermRef"))
    term = company.get("Term", term_id) if term_id else None
    # ref §4: DueDate defaults to TxnDate + term days.
    return txn_date + timedelta(days=int(term.get("DueDays", 0))) if term else txn_date


def _compute_tax(company: Company, fields: dict[str, Any], taxed: list[tuple[Decimal, str]],
                 global_tax: str, supplied: dict[str, Decimal] | None = None) -> tax.TaxResult | None:
    if company.is_us:
        explicit = None
        detail = fields.get("TxnTaxDetail")
        if isinstance(detail, dict) and not validate.blank(detail.get("TotalTax")):
            explicit = validate.money(detail["TotalTax"], "TxnTaxDetail.TotalTax")
            if explicit == 0 and not any(code == "TAX" for _, code in taxed):
                explicit = None
        return tax.us_automated(company, taxed, explicit)
    if global_tax == "NotApplicable":
        return None
    return tax.non_us(company, taxed, inclusive=global_tax == "TaxInclusive", supplied=supplied)


def refresh_customer_balance(company: Company, customer_id: str) -> None:
    customer = company.get("Customer", customer_id, include_deleted=True)
    if customer is None:
        return
    open_total = sum((Decimal(str(inv.get("Balance", "0"))) for inv in company.stored("Invoice")
                      if inv.get("CustomerRef", {}).get("value") == customer_id), Decimal("0"))
    balance = Decimal(str(customer.get("_opening_balance", "0"))) + open_total
    customer["Balance"] = balance
    customer["BalanceWithJobs"] = balance
