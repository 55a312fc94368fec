"""Money: Decimal only, ROUND_HALF_UP to 2 dp, tax computed per line and then summed.

Pure Python (no Django), so the sync engine and the connectors' tests can use it too.

Rules
- A line's amount is quantity x unit price less its discount %, rounded once to 2 dp.
- Prices exclusive of tax: net = amount, tax = round(net x rate / 100).
- Prices inclusive of tax: gross = amount, tax = round(gross x rate / (100 + rate)), net = gross - tax,
  so net + tax always equals the price the customer was quoted.
- Tax is rounded per line and the document's tax is the sum of its lines' tax (as Xero and Sage do;
  a ledger that rounds per rate on the total may differ by pennies: its connector predicts that).
- A credit line carries a negative quantity and must be marked as credit; a negative quantity on an
  ordinary line is refused (it is almost always a typing mistake). Rounding is symmetric: a credit
  of -0.125 rounds to -0.13, exactly mirroring a charge of 0.125.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class MoneyError(ValueError):
    """An amount that cannot be priced; the message is meant for the person who typed it."""


def to_decimal(value: Decimal | int | str, name: str = "amount") -> Decimal:
    """Decimal from Decimal, int or str. Floats are refused: 0.1 is not 1/10 in binary."""
    if isinstance(value, bool | float):
        raise TypeError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except ArithmeticError as exc:
            raise MoneyError(f"{name}: {value!r} is not a number.") from exc
    if not result.is_finite():
        raise MoneyError(f"{name}: {value!r} is not a finite number.")
    return result


def round_money(value: Decimal) -> Decimal:
    """Round half up (away from zero on a tie) to 2 decimal places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO  # percent: Decimal("20") for 20 %
    discount_percent: Decimal = ZERO
    is_credit: bool = False

    def __post_init__(self) -> None:
        for name in ("quantity", "unit_price", "tax_rate", "discount_percent"):
            object.__setattr__(self, name, to_decimal(getattr(self, name), name))
        if self.unit_price < 0:
            raise MoneyError("Unit price cannot be negative: enter a negative quantity on a credit line instead.")
        if not ZERO <= self.discount_percent <= HUNDRED:
            raise MoneyError("Discount must be between 0 and 100 %.")
        if self.tax_rate < 0:
            raise MoneyError("Tax rate cannot be negative.")
        if self.quantity < 0 and not self.is_credit:
            raise MoneyError("A negative quantity is only allowed on a line marked as credit.")
        if self.is_credit and self.quantity >= 0:
            raise MoneyError("A credit line takes a negative quantity (e.g. -1).")


@dataclass(frozen=True)
class Totals:
    net: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.net + other.net, self.tax + other.tax, self.total + other.total)


def line_amount(line: Line) -> Decimal:
    """Quantity x unit price less the discount, rounded once (before tax)."""
    return round_money(line.quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED)


def line_totals(line: Line, prices_include_tax: bool = False) -> Totals:
    amount = line_amount(line)
    if prices_include_tax:
        tax = round_money(amount * line.tax_rate / (HUNDRED + line.tax_rate))
        return Totals(net=amount - tax, tax=tax, total=amount)
    tax = round_money(amount * line.tax_rate / HUNDRED)
    return Totals(net=amount, tax=tax, total=amount + tax)


def totals(lines: Iterable[Line], prices_include_tax: bool = False) -> Totals:
    """Per-line tax, summed. An empty document totals zero."""
    result = Totals()
    for line in lines:
        result = result + line_totals(line, prices_include_tax)
    return result


def format_money(value: Decimal) -> str:
    """1234.5 -> '1,234.50'; -3 -> '-3.00' (no currency symbol: the organisation's currency is shown
    beside it)."""
    return f"{round_money(value):,.2f}"
