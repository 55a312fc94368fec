"""The amounts every ledger accepts, checked on Compare before an invoice is sent.

The forms refuse a line or a document beyond these limits, but an invoice may still hold one
(saved before the limits existed, or written by a command): Compare shows it as "Cannot be sent"
with the limit it breaks, and Start Sync never sends it. The numbers themselves come from the
caller (core/bounds in the web app): this package imports nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fieldbook.connectors.records import InvoiceRecord


@dataclass(frozen=True)
class Limits:
    max_amount: Decimal  # a line's amount and the invoice's net, tax and total
    max_unit_price: Decimal
    max_quantity: Decimal


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def limit_problem(invoice: InvoiceRecord, limits: Limits) -> str:
    """Why no ledger can take this invoice's amounts, naming the limit ('' = within them all)."""
    for n, line in enumerate(invoice.lines, start=1):
        if abs(line.quantity) > limits.max_quantity:
            quantity = f"{line.quantity.normalize():,f}"
            return (f"Line {n}'s quantity {quantity} is beyond the {limits.max_quantity:,} every ledger accepts. "
                    "Split the line, then sync again.")  # fmt: skip
        if abs(line.unit_price) > limits.max_unit_price:
            return (f"Line {n}'s unit price {_money(line.unit_price)} is beyond the "
                    f"{_money(limits.max_unit_price)} every ledger accepts. Split the line, then sync again.")
        amount = abs(line.net_amount) + abs(line.tax_amount)
        if abs(line.net_amount) > limits.max_amount or amount > limits.max_amount:
            return (f"Line {n} comes to {_money(amount)}, beyond the {_money(limits.max_amount)} every ledger "
                    "accepts. Split it over several invoices, then sync again.")  # fmt: skip
    for label, value in (("total", invoice.total), ("net total", invoice.net_total), ("tax", invoice.tax_total)):
        if abs(value) > limits.max_amount:
            return (f"The invoice's {label} is {_money(value)}, beyond the {_money(limits.max_amount)} every "
                    "ledger accepts. Split the lines over several invoices, then sync again.")  # fmt: skip
    return ""
