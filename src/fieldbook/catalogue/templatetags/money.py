"""{% load money %}: {{ value|money }} -> 1,234.50; {{ price|price }} keeps up to 4 dp (33.335)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from fieldbook.core.money import format_money

register = template.Library()


@register.filter(name="money")
def money_filter(value: Decimal | None) -> str:
    return "" if value is None else format_money(Decimal(value))


@register.filter
def price(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.quantize(Decimal("0.01")):
        return format_money(value)
    return f"{value.normalize():,f}"
