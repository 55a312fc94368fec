"""Isolation cases for the catalogue, and the small factories the jobs/contracts tests share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.contracts.models import ContractLine, ServiceContract
from fieldbook.core.models import Organisation, Sequence
from fieldbook.customers.models import Customer
from fieldbook.jobs.models import JOB_SEQUENCE, Job, JobLine, job_number

UK_VAT = [("VAT20", "Standard 20%", "20", False), ("VAT5", "Reduced 5%", "5", False),
          ("ZERO", "Zero rated", "0", False), ("EXEMPT", "Exempt", "0", True)]  # fmt: skip


def tax_codes(org: Organisation) -> dict[str, TaxCode]:
    codes = {}
    for code, name, rate, exempt in UK_VAT:
        codes[code], _ = TaxCode.objects.get_or_create(
            organisation=org, code=code,
            defaults={"name": name, "rate": Decimal(rate), "is_exempt": exempt, "is_default": code == "VAT20"},
        )  # fmt: skip
    return codes


def make_customer(org: Organisation, ref: str = "C001", name: str = "Acme Heating Ltd") -> Customer:
    return Customer.objects.get_or_create(organisation=org, account_ref=ref, defaults={"name": name})[0]


def make_job(org: Organisation, customer: Customer | None = None, lines: Any = (("1", "100.00", "VAT20"),),
             closed: bool = False, flagged: bool = False, description: str = "Boiler service") -> Job:  # fmt: skip
    codes = tax_codes(org)
    job = Job.objects.create(
        organisation=org, number=job_number(Sequence.take(org, JOB_SEQUENCE)), customer=customer or make_customer(org),
        description=description, status=Job.Status.CLOSED if closed else Job.Status.OPEN,
        closed_at=timezone.now() if closed else None, ready_for_invoice=flagged, transfer_to_accounts=flagged,
    )  # fmt: skip
    for i, (qty, price, code) in enumerate(lines):
        JobLine.objects.create(
            job=job, position=i, description=f"Line {i + 1}", quantity=Decimal(qty), unit_price=Decimal(price),
            tax_code=codes[code], is_credit=Decimal(qty) < 0,
        )  # fmt: skip
    return job


def make_contract(org: Organisation, customer: Customer | None = None, start: date = date(2026, 1, 31),
                  frequency: str = "monthly", timing: str = "advance", end: date | None = None,
                  description: str = "Annual maintenance") -> ServiceContract:  # fmt: skip
    contract = ServiceContract.objects.create(
        organisation=org, customer=customer or make_customer(org), description=description, start_date=start,
        end_date=end, billing_frequency=frequency, billing_timing=timing,
    )  # fmt: skip
    ContractLine.objects.create(
        contract=contract, description="Planned maintenance visit", quantity=Decimal(1),
        unit_price=Decimal("45.00"), tax_code=tax_codes(org)["VAT20"],
    )  # fmt: skip
    return contract


def tax_code(org):  # type: ignore[no-untyped-def]
    row = tax_codes(org)["VAT20"]
    return row, {"pk": row.pk}


def item(org):  # type: ignore[no-untyped-def]
    row = Item.objects.create(organisation=org, code="BOILER", name="Boiler service", unit_price=Decimal("80"))
    return row, {"pk": row.pk}


def taxcode_list_marker(org):  # type: ignore[no-untyped-def]
    TaxCode.objects.create(organisation=org, code="ZZ9", name="Zanzibar Alpha Rate", rate=Decimal("17.5"))
    return "Zanzibar Alpha Rate"


def item_list_marker(org):  # type: ignore[no-untyped-def]
    Item.objects.create(organisation=org, code="ZZ9", name="Zanzibar Alpha Widget", unit_price=Decimal(1))
    return "Zanzibar Alpha Widget"


def taxcode_create_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    data = {"code": "X", "name": "X", "rate": "1", "organisation": org_a.pk}
    client_b.post(reverse("catalogue:taxcode_create"), data)
    assert not TaxCode.objects.filter(organisation=org_a).exists()


def item_create_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    code = tax_codes(org_a)["VAT20"]
    response = client_b.post(
        reverse("catalogue:item_create"), {"code": "X", "name": "X", "unit_price": "1", "tax_code": code.pk}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Item.objects.exists()


OBJECTS = {
    "catalogue:taxcode_edit": (tax_code, ("GET", "POST")),
    "catalogue:item_edit": (item, ("GET", "POST")),
}
LISTS = {"catalogue:taxcode_list": taxcode_list_marker, "catalogue:item_list": item_list_marker}
FOREIGN_POSTS = {"catalogue:taxcode_create": taxcode_create_foreign, "catalogue:item_create": item_create_foreign}
