"""The same table through the database: lines stored as jobs' DecimalFields (3 dp quantity, 4 dp price)
and read back give exactly the same totals, on SQLite and on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldbook.catalogue.models import TaxCode
from fieldbook.core.money import Totals
from fieldbook.customers.models import Customer
from fieldbook.jobs.models import Job, JobLine
from tests.money.test_money import TABLE


@pytest.mark.django_db
def test_the_money_table_survives_the_database(org_a) -> None:  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(organisation=org_a, account_ref="M1", name="Money Ltd")
    codes: dict[Decimal, TaxCode] = {}
    for n, (case, lines, inclusive, expected) in enumerate(TABLE):
        job = Job.objects.create(organisation=org_a, number=f"J{n}", customer=customer, description=case,
                                 prices_include_tax=inclusive)  # fmt: skip
        for position, line in enumerate(lines):
            if line.tax_rate not in codes:
                codes[line.tax_rate] = TaxCode.objects.create(organisation=org_a, code=f"R{len(codes)}",
                                                              name="rate", rate=line.tax_rate)  # fmt: skip
            JobLine.objects.create(
                job=job, position=position, description="x", quantity=line.quantity, unit_price=line.unit_price,
                discount_percent=line.discount_percent, tax_code=codes[line.tax_rate], is_credit=line.is_credit,
            )  # fmt: skip
        stored = Job.objects.prefetch_related("lines__tax_code").get(pk=job.pk)
        assert stored.totals() == Totals(*(Decimal(x) for x in expected)), case
