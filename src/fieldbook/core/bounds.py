"""Limits every ledger accepts, checked wherever a value comes in (forms, filters, commands), so
nothing reaches a ledger that one of them would refuse and no input ends in a 500.

- Money: Sage 50's import takes amounts of 8 digits and 2 decimals (reference sheet sage §14), the
  smallest of the three ledgers: every line amount and document total stays within 99,999,999.99.
- Dates: 1900-01-01 to 2099-12-31, inside what the ledgers and Python's date arithmetic (a period
  after 9999-12-31 does not exist) handle.
- Names and references need a visible character; bidirectional controls (which can make "Smith"
  display as something else) are refused."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

MAX_AMOUNT = Decimal("99999999.99")
MAX_UNIT_PRICE = MAX_AMOUNT
MAX_QUANTITY = Decimal("999999")
EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


def date_error(value: date | None) -> str:
    """Why a date cannot be used, or ""."""
    if value is None or EARLIEST <= value <= LATEST:
        return ""
    return f"Enter a date between {EARLIEST:%d/%m/%Y} and {LATEST:%d/%m/%Y}."


def validate_date(value: date | None) -> None:
    if message := date_error(value):
        raise ValidationError(message, code="date_range")


def text_error(value: str, what: str = "name") -> str:
    """Why a name or reference cannot be used, or "": it needs a visible character and no
    bidirectional control characters."""
    if any(ch in BIDI_CONTROLS for ch in value):
        return f"The {what} contains an invisible direction-control character (e.g. U+202E): remove it."
    if value and not any(_visible(ch) for ch in value):
        return f"The {what} needs at least one visible character."
    return ""


def validate_text(value: str, what: str = "name") -> None:
    if message := text_error(value, what):
        raise ValidationError(message, code="invisible")


def _visible(ch: str) -> bool:
    # Separators (Z*), controls and format characters (C*: Cc, Cf, Co, Cn, Cs) show nothing.
    return unicodedata.category(ch)[0] not in ("Z", "C")
