"""Demo jobs, in bulk (50,000 jobs load in well under a minute): several tax rates, discounts, a few
credit lines, very long and non-ASCII descriptions; most older jobs closed and flagged."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core.models import Organisation, Sequence
from fieldbook.jobs.models import JOB_SEQUENCE, Job, JobLine, job_number

WORK = [
    "Annual boiler service", "Replace leaking radiator valve in Siân's kitchen",
    "No hot water — emergency call-out",
    "Install thermostatic radiator valves", "Landlord gas safety check (CP12)", "Power flush of the heating system",
    "Fit magnetic filter and inhibitor", "Heat-pump commissioning", "Loft insulation top-up", "Café & Bistro: "
    "descale water heater", "Replace circulating pump, Ystradgynlais", "Leak under bath — trace and repair",
]  # fmt: skip
LONG = (
    "Investigate intermittent loss of pressure on the sealed heating system serving the ground and first "
    "floors, including the annexe; check expansion vessel charge, pressure relief valve, filling loop and "
    "all accessible joints; report findings to the managing agent — Zoë Ó Súilleabháin — before any work"
)


def _closed_at(rng: random.Random, org: Organisation, as_of: date) -> datetime:
    day = as_of - timedelta(days=rng.randint(0, 120))
    return datetime.combine(day, time(rng.randint(8, 18), rng.choice((0, 15, 30, 45))), tzinfo=org.tzinfo)


def _lines(rng: random.Random, n: int, items: list[Item], codes: dict[str, TaxCode]) -> list[JobLine]:
    lines = [JobLine(kind=JobLine.Kind.LABOUR, description="Engineer labour", quantity=Decimal(rng.choice(
        ("0.5", "1", "1.5", "2", "3.25"))), unit_price=Decimal("65.00"), tax_code=codes["VAT20"])]  # fmt: skip
    for _ in range(rng.randint(0, 3)):
        item = rng.choice(items)
        lines.append(JobLine(
            kind=JobLine.Kind.PART, item=item, description=item.name, quantity=Decimal(rng.randint(1, 4)),
            unit_price=item.unit_price, tax_code=item.tax_code or codes["VAT20"],
            discount_percent=Decimal(rng.choice(("5", "10", "12.5"))) if rng.random() < 0.1 else Decimal(0),
        ))  # fmt: skip
    if n % 37 == 0:  # a few credit lines
        lines.append(JobLine(kind=JobLine.Kind.OTHER, description="Goodwill credit — repeat visit", is_credit=True,
                             quantity=Decimal(-1), unit_price=Decimal("25.00"), tax_code=codes["VAT20"]))  # fmt: skip
    return lines


def make_jobs(org: Organisation, count: int, rng: random.Random, customer_ids: list[int], items: list[Item],
              codes: dict[str, TaxCode], as_of: date, batch: int = 5000) -> int:  # fmt: skip
    if not count or not customer_ids:
        return 0
    flag = org.flag_jobs_on_close
    with transaction.atomic():
        first = Sequence.take(org, JOB_SEQUENCE, count)
        for start in range(0, count, batch):
            jobs, lines = [], []
            for n in range(first + start, first + min(start + batch, count)):
                closed = rng.random() < 0.6
                jobs.append(Job(
                    organisation=org, number=job_number(n), customer_id=rng.choice(customer_ids),
                    description=LONG if n % 113 == 0 else rng.choice(WORK),
                    site_address=f"Unit {rng.randint(1, 40)}, {rng.choice(('Heol y Castell', 'Mill Road'))}",
                    status=Job.Status.CLOSED if closed else Job.Status.OPEN,
                    closed_at=_closed_at(rng, org, as_of) if closed else None,
                    ready_for_invoice=closed and flag and n % 9 != 0,
                    transfer_to_accounts=closed and flag and n % 9 != 0,
                ))  # fmt: skip
                lines.append(_lines(rng, n, items, codes))
            Job.objects.bulk_create(jobs, batch_size=batch)
            rows = []
            for job, job_lines in zip(jobs, lines, strict=True):
                for position, line in enumerate(job_lines):
                    line.job, line.position = job, position
                    rows.append(line)
            JobLine.objects.bulk_create(rows, batch_size=batch)
    return count
