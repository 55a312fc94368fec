"""Demo service contracts (some anchored on the 31st, every frequency, advance and arrears) and the
service invoices of the last three months."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from fieldbook.catalogue.models import TaxCode
from fieldbook.contracts import billing
from fieldbook.contracts.models import ContractLine, ServiceContract
from fieldbook.core.models import Organisation

PLANS = [
    ("Boiler cover — gold", "Boiler and controls cover, parts and labour", "24.99"),
    ("Planned maintenance", "Planned preventative maintenance visit", "145.00"),
    ("Landlord portfolio", "Gas safety checks for a lettings portfolio (12 properties)", "540.00"),
    ("Care home heating", "Heating and hot water maintenance — Cartref Gofal", "389.50"),
]


def make_contracts(org: Organisation, count: int, rng: random.Random, customer_ids: list[int],
                   codes: dict[str, TaxCode], as_of: date) -> int:  # fmt: skip
    if not count or not customer_ids:
        return 0
    frequencies = list(ServiceContract.Frequency)
    with transaction.atomic():
        for n in range(count):
            start = as_of - timedelta(days=rng.randint(30, 420))
            if n % 4 == 0:  # month-end anchors exercise 31 Jan -> 28 Feb -> 31 Mar
                start = start.replace(day=calendar.monthrange(start.year, start.month)[1])
            name, line, price = PLANS[n % len(PLANS)]
            contract = ServiceContract.objects.create(
                organisation=org, customer_id=rng.choice(customer_ids), reference=f"SC-{n + 1:03d}",
                description=name, start_date=start,
                end_date=start + timedelta(days=365 * rng.randint(1, 3)) if n % 3 else None,
                billing_frequency=frequencies[n % len(frequencies)],
                billing_timing=ServiceContract.Timing.ADVANCE if n % 2 == 0 else ServiceContract.Timing.ARREARS,
            )  # fmt: skip
            ContractLine.objects.create(contract=contract, description=line, unit_price=Decimal(price),
                                        tax_code=codes["VAT20"])  # fmt: skip
            if n % 5 == 0:
                ContractLine.objects.create(
                    contract=contract, position=1, description="Loyalty discount", quantity=Decimal(-1),
                    is_credit=True, unit_price=Decimal("5.00"), tax_code=codes["VAT20"],
                )  # fmt: skip
    return count


def generate_recent(org: Organisation, as_of: date) -> int:
    return len(billing.generate_invoices(org, as_of - timedelta(days=90), as_of).created)
