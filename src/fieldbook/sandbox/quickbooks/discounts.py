"""Discount lines and a client's own tax on invoices (Finance.xsd; ref §4 lists the fields).

DiscountLineDetail is "the total discount on a transaction": one per invoice, a positive Amount
or PercentBased with DiscountPercent. Its TaxCodeRef names the tax code it comes off; without
one it is shared by the lines in proportion to their amounts. TxnTaxDetail outside the US "can
be calculated by QuickBooks business logic or you may supply it": supplied TaxLines must name a
TaxRate of the invoice's own tax codes and are kept per rate (tax.non_us).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fieldbook.sandbox.quickbooks import errors, tax, validate
from fieldbook.sandbox.quickbooks.model import Company


def discount_line(company: Company, raw: dict[str, Any], line: dict[str, Any],
                   global_tax: str) -> dict[str, Any]:
    detail = raw.get("DiscountLineDetail") or {}
    percent_based = detail.get("PercentBased") is True
    out: dict[str, Any] = {"PercentBased": percent_based}
    percent: Decimal | None = None
    amount = Decimal("0")
    if percent_based:
        if validate.blank(detail.get("DiscountPercent")):
            raise errors.missing("DiscountLineDetail.DiscountPercent", "DiscountPercent")
        percent = validate.money(detail["DiscountPercent"], "DiscountLineDetail.DiscountPercent")
        if not Decimal("0") <= percent <= Decimal("100"):  # XSD: "from 0% to 100%"
            raise errors.invalid_value("DiscountLineDetail.DiscountPercent", percent)
        out["DiscountPercent"] = percent
    else:
        if validate.blank(raw.get("Amount")):
            raise errors.missing("Line.Amount", "Amount")
        amount = validate.money(raw["Amount"], "Line.Amount")
        if amount < 0:
            raise errors.negative_amount()  # ref §8: 2290, a discount is a positive amount off
    code_id = validate.ref_id(detail.get("TaxCodeRef"))
    if code_id is not None:
        if company.is_us:
            if code_id not in ("TAX", "NON"):
                raise errors.us_tax_code()
        elif global_tax != "NotApplicable":
            code = company.get("TaxCode", code_id)
            if code is None:
                raise errors.invalid_reference("DiscountLineDetail.TaxCodeRef", code_id)
            if code.get("Active") is False:
                raise errors.not_found(f"TaxCode {code_id} is inactive")
        out["TaxCodeRef"] = {"value": code_id}
    account = validate.ref_id(detail.get("DiscountAccountRef"))
    account_obj = company.get("Account", account) if account else _discount_account(company)
    if account and account_obj is None:
        raise errors.invalid_reference("DiscountLineDetail.DiscountAccountRef", account)
    if account_obj is not None:
        out["DiscountAccountRef"] = {"value": account_obj["Id"], "name": account_obj["Name"]}
    line["Amount"] = amount
    line["DiscountLineDetail"] = out
    return {"line": line, "amount": amount, "percent": percent, "code": code_id}


def _discount_account(company: Company) -> dict[str, Any] | None:
    return next((a for a in company.live("Account") if a.get("AccountSubType") == "DiscountsRefundsGiven"), None)


def spread(discount: Decimal, taxed: list[tuple[Decimal, str]], code: str | None) -> list[tuple[Decimal, str]]:
    """The discount as negative (amount, TaxCode) entries: all on its own code's lines, or shared
    by the lines' codes in proportion to their amounts (the last code takes the rounding)."""
    if discount == 0:
        return []
    if code is not None:
        base = sum((amount for amount, c in taxed if c == code), Decimal("0"))
        if discount > base:
            raise errors.business(f"The discount ({discount}) is more than the amount of the lines it applies to "
                                  f"({base}).", "Line.DiscountLineDetail")
        return [(-discount, code)]
    by_code: dict[str, Decimal] = {}
    for amount, c in taxed:
        by_code[c] = by_code.get(c, Decimal("0")) + amount
    subtotal = sum(by_code.values(), Decimal("0"))
    if discount > subtotal:
        raise errors.business(f"The discount ({discount}) is more than the invoice's subtotal ({subtotal}).",
                              "Line.DiscountLineDetail")
    shares: list[tuple[Decimal, str]] = []
    left = discount
    codes = sorted(by_code)
    for n, c in enumerate(codes):
        share = left if n == len(codes) - 1 else tax.round_money(discount * by_code[c] / subtotal)
        left -= share
        shares.append((-share, c))
    return shares


def supplied_tax(company: Company, fields: dict[str, Any], taxed: list[tuple[Decimal, str]], global_tax: str,
                  collector: errors.Collector) -> dict[str, Decimal] | None:
    """Non-US: the client's TaxLine amounts per TaxRate (Finance.xsd TxnTaxDetail: "you may supply
    it"). Each must name a rate of the invoice's own tax codes."""
    detail = fields.get("TxnTaxDetail")
    if company.is_us or global_tax == "NotApplicable" or not isinstance(detail, dict):
        return None
    tax_lines = detail.get("TaxLine") or []
    if not tax_lines:
        return None
    used = tax.rates_used(company, {code for _, code in taxed})
    supplied: dict[str, Decimal] = {}
    for entry in tax_lines:
        line_detail = entry.get("TaxLineDetail") if isinstance(entry, dict) else None
        rate_id = validate.ref_id((line_detail or {}).get("TaxRateRef"))
        if rate_id is None:
            collector.add(errors.missing("TxnTaxDetail.TaxLine.TaxLineDetail.TaxRateRef", "TaxRateRef"))
            continue
        if rate_id not in used:
            collector.add(errors.business(f"TaxRate {rate_id} is not a rate of any tax code on this transaction.",
                                          "TxnTaxDetail.TaxLine"))
            continue
        if validate.blank(entry.get("Amount")):
            collector.add(errors.missing("TxnTaxDetail.TaxLine.Amount", "Amount"))
            continue
        amount = validate.money(entry["Amount"], "TxnTaxDetail.TaxLine.Amount")
        if amount < 0:
            collector.add(errors.negative_amount("TxnTaxDetail.TaxLine.Amount"))
            continue
        supplied[rate_id] = supplied.get(rate_id, Decimal("0")) + amount
    return supplied
