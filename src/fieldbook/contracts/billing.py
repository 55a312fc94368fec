"""Billing periods and the generation of service invoices.

Periods are anchored on the contract's start day: a monthly contract starting 31 January has periods
starting 31 Jan, 28 (or 29) Feb, 31 Mar, 30 Apr... (never drifting to the 28th). A period ends the day
before the next one starts, or on the contract's end date. In advance, an invoice is dated the first
day of its period; in arrears, the last. Dates are local dates in the organisation's time zone.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fieldbook.contracts.models import (
    INVOICE_SEQUENCE,
    ContractLine,
    ServiceContract,
    ServiceInvoice,
    ServiceInvoiceLine,
    invoice_number,
)  # fmt: skip
from fieldbook.core.models import Organisation, Sequence

MONTHS = {
    ServiceContract.Frequency.MONTHLY: 1,
    ServiceContract.Frequency.QUARTERLY: 3,
    ServiceContract.Frequency.SIX_MONTHLY: 6,
    ServiceContract.Frequency.ANNUALLY: 12,
}


def add_months(anchor: date, months: int) -> date:
    """anchor + n months on the anchor's day, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = anchor.month - 1 + months
    year, month = anchor.year + index // 12, index % 12 + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    invoice_date: date


def periods(contract: ServiceContract, until: date) -> Iterator[Period]:
    """The contract's billing periods that start on or before `until` (and within the contract)."""
    step = MONTHS[ServiceContract.Frequency(contract.billing_frequency)]
    k = 0
    while True:
        start = add_months(contract.start_date, k * step)
        if start > until or (contract.end_date and start > contract.end_date):
            return
        end = add_months(contract.start_date, (k + 1) * step) - timedelta(days=1)
        if contract.end_date and end > contract.end_date:
            end = contract.end_date
        in_advance = contract.billing_timing == ServiceContract.Timing.ADVANCE
        yield Period(start, end, start if in_advance else end)
        k += 1


def due_periods(contract: ServiceContract, date_from: date, date_to: date) -> list[Period]:
    """Periods whose invoice date falls within [date_from, date_to]."""
    return [p for p in periods(contract, date_to) if date_from <= p.invoice_date <= date_to]


def local_today(organisation: Organisation, now: datetime | None = None) -> date:
    """Today in the organisation's time zone (00:30 in London on 1 April is April, not 31 March UTC)."""
    return (now or timezone.now()).astimezone(organisation.tzinfo).date()


def current_month(organisation: Organisation, now: datetime | None = None) -> tuple[date, date]:
    today = local_today(organisation, now)
    first = today.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)


@dataclass
class GenerationResult:
    created: list[ServiceInvoice] = field(default_factory=list)
    already: int = 0  # contract-periods that already had their invoice


def generate_invoices(organisation: Organisation, date_from: date, date_to: date) -> GenerationResult:
    """Generate the service invoices due in [date_from, date_to]. Safe to run twice, or twice at the
    same time: the one-invoice-per-contract-period constraint refuses the second, whose savepoint
    (and the sequence number it took) rolls back, so numbers stay gap-free."""
    result = GenerationResult()
    flag = organisation.flag_service_invoices_on_generate
    contracts = (
        ServiceContract.objects.filter(organisation=organisation, active=True, start_date__lte=date_to)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=date_from))
        .select_related("customer")
        .prefetch_related("lines")
        .order_by("customer__name", "start_date", "id")
    )
    with transaction.atomic():
        for contract in contracts:
            due = due_periods(contract, date_from, date_to)
            if not due:
                continue
            existing = set(
                ServiceInvoice.objects.filter(contract=contract, period_start__in=[p.start for p in due])
                .values_list("period_start", flat=True)
            )  # fmt: skip
            for period in due:
                if period.start in existing:
                    result.already += 1
                    continue
                try:
                    with transaction.atomic():
                        result.created.append(_create_invoice(organisation, contract, period, flag))
                except IntegrityError:
                    result.already += 1  # another run generated it first
    return result


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _create_invoice(
    organisation: Organisation, contract: ServiceContract, period: Period, flag: bool
) -> ServiceInvoice:
    lines: list[ContractLine] = list(contract.lines.all())
    invoice = ServiceInvoice.objects.create(
        organisation=organisation,
        number=invoice_number(Sequence.take(organisation, INVOICE_SEQUENCE)),
        contract=contract,
        customer=contract.customer,
        period_start=period.start,
        period_end=period.end,
        invoice_date=period.invoice_date,
        description=f"{contract.description} — {_day(period.start)} to {_day(period.end)}",
        prices_include_tax=contract.prices_include_tax,
        ready_for_invoice=flag,
        transfer_to_accounts=flag,
    )
    copies = [
        ServiceInvoiceLine(
            invoice=invoice, position=line.position, item_id=line.item_id, description=line.description,
            quantity=line.quantity, unit_price=line.unit_price, discount_percent=line.discount_percent,
            tax_code_id=line.tax_code_id, is_credit=line.is_credit,
        )
        for line in lines
    ]  # fmt: skip
    ServiceInvoiceLine.objects.bulk_create(copies)
    return invoice
