"""QBO's tax maths, written here from the reference (never the client's money module, DESIGN 7).

Non-US (ref §4, "Non-US tax"): each line names a TaxCode whose sales TaxRates apply. By default
tax is computed per TaxRate on the invoice total:
    tax(rate) = round_half_up(sum of the net amounts of lines with that rate x rate%, 2)
The company switch ``tax_rounding = "line"`` rounds per line instead. TaxInclusive treats a
line's Amount as gross and takes the tax out of it per rate the same way (how QBO splits
inclusive amounts is UNCONFIRMED; this is our reading).

A client may supply the tax itself (Finance.xsd, TxnTaxDetail: "For international versions ...
This can be calculated by QuickBooks business logic or you may supply it when adding a
transaction"): a TaxLine naming one of the invoice's TaxRates keeps its Amount, and the server
records how far it is from its own figure in TaxLineDetail.OverrideDeltaAmount (XSD: "the delta
amount between the calculated and overridden tax"). NetAmountTaxable is always the server's.

US (ref §4, "US tax"): lines say TAX or NON; automated sales tax computes the tax itself at the
company's fixed state rate on the TAX lines, and honours an explicit TotalTax sent by the client.

Discounts (a DiscountLineDetail line) reach this module as negative (amount, TaxCode) entries
when the discount comes off before tax (invoices.py decides how it is spread).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldbook.sandbox.quickbooks.model import Company

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class RateTotal:
    rate_id: str
    percent: Decimal
    net: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    line_taxes: list[Decimal] = field(default_factory=list)
    override_delta: Decimal | None = None


@dataclass
class TaxResult:
    net_total: Decimal
    total_tax: Decimal
    rates: list[RateTotal]
    txn_tax_code_id: str | None = None

    @property
    def total(self) -> Decimal:
        return self.net_total + self.total_tax

    def detail(self) -> dict[str, Any]:
        lines = []
        for rate in self.rates:
            detail: dict[str, Any] = {"TaxRateRef": {"value": rate.rate_id}, "PercentBased": True,
                                      "TaxPercent": rate.percent, "NetAmountTaxable": rate.net}
            if rate.override_delta:
                detail["OverrideDeltaAmount"] = rate.override_delta
            lines.append({"Amount": rate.tax, "DetailType": "TaxLineDetail", "TaxLineDetail": detail})
        out: dict[str, Any] = {"TotalTax": self.total_tax, "TaxLine": lines}
        if self.txn_tax_code_id is not None:
            out["TxnTaxCodeRef"] = {"value": self.txn_tax_code_id}
        return out


def rates_of(company: Company, tax_code_id: str) -> list[tuple[str, Decimal]]:
    code = company.get("TaxCode", tax_code_id)
    if code is None:
        return []
    details = code.get("SalesTaxRateList", {}).get("TaxRateDetail", [])
    out = []
    for detail in details:
        rate = company.get("TaxRate", detail["TaxRateRef"]["value"])
        if rate is not None:
            out.append((str(rate["Id"]), Decimal(str(rate["RateValue"]))))
    return out


def non_us(company: Company, lines: list[tuple[Decimal, str]], inclusive: bool,
           supplied: dict[str, Decimal] | None = None) -> TaxResult:
    """lines: (Amount, TaxCode Id) of each sales line (and discount share); supplied: the client's
    tax per TaxRate Id, kept as sent."""
    by_rate: dict[str, RateTotal] = {}
    gross_total = Decimal("0")
    for amount, code_id in lines:
        gross_total += amount
        for rate_id, percent in rates_of(company, code_id):
            entry = by_rate.setdefault(rate_id, RateTotal(rate_id, percent))
            entry.net += amount
            if company.tax_rounding == "line":
                entry.line_taxes.append(_tax(amount, percent, inclusive))
    for entry in by_rate.values():
        if company.tax_rounding == "line":
            entry.tax = sum(entry.line_taxes, Decimal("0"))
        else:
            entry.tax = _tax(entry.net, percent=entry.percent, inclusive=inclusive)
        if supplied is not None and entry.rate_id in supplied:
            kept = round_money(supplied[entry.rate_id])
            entry.override_delta, entry.tax = kept - entry.tax, kept
        if inclusive:
            entry.net -= entry.tax
    total_tax = sum((entry.tax for entry in by_rate.values()), Decimal("0"))
    net_total = gross_total - total_tax if inclusive else gross_total
    return TaxResult(round_money(net_total), round_money(total_tax), list(by_rate.values()))


def rates_used(company: Company, code_ids: set[str]) -> set[str]:
    return {rate_id for code_id in code_ids for rate_id, _ in rates_of(company, code_id)}


def _tax(amount: Decimal, percent: Decimal, inclusive: bool) -> Decimal:
    if inclusive:
        return round_money(amount * percent / (HUNDRED + percent))
    return round_money(amount * percent / HUNDRED)


def us_automated(company: Company, lines: list[tuple[Decimal, str]], explicit_tax: Decimal | None) -> TaxResult:
    code_id = str(company.tree.get("us_tax_code_id", ""))
    rates = rates_of(company, code_id)
    taxable = sum((amount for amount, code in lines if code == "TAX"), Decimal("0"))
    net_total = sum((amount for amount, _ in lines), Decimal("0"))
    entries = []
    total_tax = Decimal("0")
    for rate_id, percent in rates:
        tax = round_money(taxable * percent / HUNDRED)
        entries.append(RateTotal(rate_id, percent, net=taxable, tax=tax))
        total_tax += tax
    if explicit_tax is not None:
        # ref §4: "an explicit tax amount is honoured and prorated".
        total_tax = round_money(explicit_tax)
        if entries:
            entries[0].tax = total_tax - sum((e.tax for e in entries[1:]), Decimal("0"))
    return TaxResult(round_money(net_total), total_tax, entries, txn_tax_code_id=code_id or None)
