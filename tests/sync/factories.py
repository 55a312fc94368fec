"""Canonical records for the engine's tests, priced the way Fieldbook prices them (per line,
ROUND_HALF_UP to 2 dp)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from fieldbook.connectors.base import marker
from fieldbook.connectors.records import CustomerRecord, InvoiceLine, InvoiceRecord, LedgerState

ORG = "acme"
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def customer(number: str, name: str, **kw: object) -> CustomerRecord:
    return CustomerRecord(number=number, name=name, **kw)  # type: ignore[arg-type]


def theirs(
    record: CustomerRecord | InvoiceRecord,
    ledger_id: str,
    version: str = "0",
    *,
    ours: bool = True,
    state: LedgerState = LedgerState.ACTIVE,
) -> CustomerRecord | InvoiceRecord:
    """The ledger's copy of one of our records (carrying our marker when `ours`)."""
    mark = marker(ORG, record.number) if ours else ""
    return replace(record, ledger_id=ledger_id, version=version, marker=mark, state=state)


def line(description: str, quantity: str, price: str, rate: str = "20", code: str = "S") -> InvoiceLine:
    """`rate` is a percentage, as the connectors read `InvoiceLine.tax_rate`."""
    net = money(Decimal(quantity) * Decimal(price))
    return InvoiceLine(
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        tax_code=code,
        tax_rate=Decimal(rate),
        net_amount=net,
        tax_amount=money(net * Decimal(rate) / 100),
    )


def invoice(number: str, customer_number: str, *lines: InvoiceLine, **kw: object) -> InvoiceRecord:
    lines = lines or (line("Boiler service", "1", "100.00"),)
    net = sum((ln.net_amount for ln in lines), Decimal(0))
    tax = sum((ln.tax_amount for ln in lines), Decimal(0))
    fields: dict[str, object] = {
        "number": number,
        "customer_number": customer_number,
        "issue_date": date(2026, 11, 2),
        "lines": tuple(lines),
        "currency": "GBP",
        "net_total": net,
        "tax_total": tax,
        "total": net + tax,
    }
    fields.update(kw)
    return InvoiceRecord(**fields)  # type: ignore[arg-type]
