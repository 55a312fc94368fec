"""Canonical records for tests, and a minimal engine loop (prepare -> send, customers first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from fieldbook.connectors.base import Connector, Operation, RecordKind, Step, StepResult
from fieldbook.connectors.records import Address, CustomerRecord, InvoiceLine, InvoiceRecord

D = Decimal


def customer(n: int, **kw: object) -> CustomerRecord:
    fields: dict[str, object] = {
        "number": f"C{n:04d}", "name": f"Customer {n:04d} Ltd", "first_name": "Jo", "last_name": f"Bloggs{n}",
        "email": f"jo{n}@example.test", "phone": "0117 496 0000",
        "address": Address(line1=f"{n} High Street", city="Bristol", postcode="BS1 4DJ", country="GB"),
    }
    fields.update(kw)
    return CustomerRecord(**fields)  # type: ignore[arg-type]


def line(qty: str = "2", price: str = "45.00", code: str = "S", rate: str = "20", **kw: object) -> InvoiceLine:
    net = (D(qty) * D(price)).quantize(D("0.01"))
    tax = (net * D(rate) / 100).quantize(D("0.01"))
    fields: dict[str, object] = {"description": "Boiler service", "quantity": D(qty), "unit_price": D(price),
                                 "tax_code": code, "tax_rate": D(rate), "net_amount": net, "tax_amount": tax}
    fields.update(kw)
    return InvoiceLine(**fields)  # type: ignore[arg-type]


def invoice(n: int, customer_number: str, *lines: InvoiceLine, prefix: str = "J", **kw: object) -> InvoiceRecord:
    lines = lines or (line(),)
    net = sum((ln.net_amount for ln in lines), D(0))
    tax = sum((ln.tax_amount for ln in lines), D(0))
    fields: dict[str, object] = {
        "number": f"{prefix}{n:04d}", "customer_number": customer_number, "issue_date": date(2026, 11, 2),
        "due_date": date(2026, 12, 2), "lines": tuple(lines), "currency": "GBP", "net_total": net,
        "tax_total": tax, "total": net + tax, "memo": "Thank you for your business",
    }
    fields.update(kw)
    return InvoiceRecord(**fields)  # type: ignore[arg-type]


def customer_steps(customers: Sequence[CustomerRecord], op: Operation = Operation.CREATE) -> list[Step]:
    return [Step(id=f"c-{c.number}", kind=RecordKind.CUSTOMER, operation=op, record=c) for c in customers]


def invoice_steps(invoices: Sequence[InvoiceRecord], ids: dict[str, str], op: Operation = Operation.CREATE,
                  depends: bool = True) -> list[Step]:
    steps = []
    for inv in invoices:
        record = replace(inv, customer_ledger_id=ids.get(inv.customer_number) or inv.customer_ledger_id)
        steps.append(Step(id=f"i-{inv.number}", kind=RecordKind.INVOICE, operation=op, record=record,
                          depends_on=(f"c-{inv.customer_number}",) if depends else ()))
    return steps


def run(connector: Connector, steps: Sequence[Step]) -> dict[str, StepResult]:
    results: dict[str, StepResult] = {}
    for request in connector.prepare(steps):
        for result in connector.send(request).results:
            results[result.step_id] = result
    return results


def push(connector: Connector, customers: Sequence[CustomerRecord], invoices: Sequence[InvoiceRecord],
         ) -> dict[str, StepResult]:
    """What the engine does: customers first, then invoices with their customers' ledger ids."""
    results = run(connector, customer_steps(customers))
    ids = {c.number: results[f"c-{c.number}"].ledger_id for c in customers if f"c-{c.number}" in results}
    results.update(run(connector, invoice_steps(invoices, ids)))
    return results
