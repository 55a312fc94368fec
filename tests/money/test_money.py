"""The money rules as a table: each row is a document (lines, inclusive?) and its net / tax / total."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fieldbook.core import money
from fieldbook.core.money import Line, MoneyError, Totals

pytestmark = pytest.mark.pure


def L(qty: str, price: str, rate: str = "20", disc: str = "0", credit: bool = False) -> Line:
    return Line(quantity=D(qty), unit_price=D(price), tax_rate=D(rate), discount_percent=D(disc), is_credit=credit)


# (case, lines, prices include tax, (net, tax, total))
TABLE = [
    ("plain 20%", [L("1", "100.00")], False, ("100.00", "20.00", "120.00")),
    ("x.xx5 amount rounds up", [L("1", "0.125", "0")], False, ("0.13", "0.00", "0.13")),
    ("2.675 rounds up (float says 2.67)", [L("1", "2.675", "0")], False, ("2.68", "0.00", "2.68")),
    ("1.005 then 20% tax", [L("1", "1.005")], False, ("1.01", "0.20", "1.21")),
    ("10.005 rounds up", [L("1", "10.005", "0")], False, ("10.01", "0.00", "10.01")),
    ("tiny line, tax rounds up", [L("1", "0.025")], False, ("0.03", "0.01", "0.04")),
    ("tax on x.xx5 boundary at 5%", [L("1", "4.50", "5")], False, ("4.50", "0.23", "4.73")),
    ("3 lines x 33.335 at 20%: tax per line", [L("1", "33.335")] * 3, False, ("100.02", "20.01", "120.03")),
    ("3 lines x 0.125: per-line rounding adds up", [L("1", "0.125")] * 3, False, ("0.39", "0.09", "0.48")),
    ("discount 10%", [L("2", "50.00", disc="10")], False, ("90.00", "18.00", "108.00")),
    ("discount lands on x.xx5", [L("1", "10.05", "0", "50")], False, ("5.03", "0.00", "5.03")),
    ("discount 12.5% of 3 x 19.99", [L("3", "19.99", disc="12.5")], False, ("52.47", "10.49", "62.96")),
    ("discount 100%", [L("4", "25.00", disc="100")], False, ("0.00", "0.00", "0.00")),
    ("inclusive 120 at 20%", [L("1", "120.00")], True, ("100.00", "20.00", "120.00")),
    ("inclusive 10.00 at 20%", [L("1", "10.00")], True, ("8.33", "1.67", "10.00")),
    ("inclusive 10.50 at 5%", [L("1", "10.50", "5")], True, ("10.00", "0.50", "10.50")),
    ("inclusive tax on x.xx5 boundary", [L("1", "0.21")], True, ("0.17", "0.04", "0.21")),
    ("inclusive with discount", [L("2", "60.00", disc="25")], True, ("75.00", "15.00", "90.00")),
    ("inclusive zero rate", [L("1", "9.99", "0")], True, ("9.99", "0.00", "9.99")),
    ("credit line", [L("-1", "100.00", credit=True)], False, ("-100.00", "-20.00", "-120.00")),
    ("credit x.xx5 mirrors a charge", [L("-1", "0.125", "0", credit=True)], False, ("-0.13", "0.00", "-0.13")),
    ("credit tax boundary at 5%", [L("-1", "4.50", "5", credit=True)], False, ("-4.50", "-0.23", "-4.73")),
    ("credit inclusive", [L("-1", "10.00", credit=True)], True, ("-8.33", "-1.67", "-10.00")),
    ("charges less a credit", [L("2", "75.00"), L("-1", "25.00", credit=True)], False, ("125.00", "25.00", "150.00")),
    ("fractional quantity", [L("1.5", "33.33")], False, ("50.00", "10.00", "60.00")),
    ("small fractional quantity", [L("0.333", "3.00", "0")], False, ("1.00", "0.00", "1.00")),
    ("several rates", [L("1", "100"), L("1", "100", "5"), L("1", "100", "0")], False, ("300.00", "25.00", "325.00")),
    ("empty document", [], False, ("0.00", "0.00", "0.00")),
]


@pytest.mark.parametrize(("lines", "inclusive", "expected"), [t[1:] for t in TABLE], ids=[t[0] for t in TABLE])
def test_totals_table(lines: list[Line], inclusive: bool, expected: tuple[str, str, str]) -> None:
    result = money.totals(lines, prices_include_tax=inclusive)
    assert result == Totals(*(D(x) for x in expected))
    assert result.net + result.tax == result.total
    for value in (result.net, result.tax, result.total):
        assert isinstance(value, D) and value.as_tuple().exponent == -2


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantity": D("-1"), "unit_price": D("5")}, "only allowed on a line marked as credit"),
        ({"quantity": D("1"), "unit_price": D("5"), "is_credit": True}, "credit line takes a negative quantity"),
        ({"quantity": D("1"), "unit_price": D("-5")}, "Unit price cannot be negative"),
        ({"quantity": D("1"), "unit_price": D("5"), "discount_percent": D("100.01")}, "between 0 and 100"),
        ({"quantity": D("1"), "unit_price": D("5"), "tax_rate": D("-1")}, "Tax rate cannot be negative"),
        ({"quantity": "one", "unit_price": D("5")}, "not a number"),
        ({"quantity": "NaN", "unit_price": D("5")}, "not a finite number"),
    ],
)
def test_lines_that_cannot_be_priced_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        Line(**kwargs)  # type: ignore[arg-type]


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="not float"):
        Line(quantity=1.0, unit_price=D("5"))  # type: ignore[arg-type]


def test_ints_and_strings_become_decimals() -> None:
    line = Line(quantity=2, unit_price="9.995")  # type: ignore[arg-type]
    assert money.line_totals(line) == Totals(D("19.99"), D("0.00"), D("19.99"))


def test_round_and_format() -> None:
    assert money.round_money(D("-0.005")) == D("-0.01")
    assert money.round_money(D("0.004999")) == D("0.00")
    assert money.format_money(D("1234.5")) == "1,234.50"
    assert money.format_money(D("-3")) == "-3.00"
