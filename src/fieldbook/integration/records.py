"""Fieldbook's own rows as the engine's canonical records, and the engine's LocalSide."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.connectors.base import RecordKind, marker
from fieldbook.connectors.records import Address, CustomerRecord, InvoiceLine, InvoiceRecord, LedgerState
from fieldbook.contracts.models import ServiceInvoice, ServiceInvoiceLine
from fieldbook.core import bounds, money
from fieldbook.core.models import Organisation
from fieldbook.customers.models import Customer
from fieldbook.jobs.models import Job, JobLine
from fieldbook.sync.compare import Absent


def customer_record(c: Customer, org: Organisation) -> CustomerRecord:
    return CustomerRecord(
        number=c.account_ref, name=c.name, first_name=c.contact_first_name, last_name=c.contact_last_name,
        email=c.email, phone=c.phone, mobile=c.mobile,
        address=Address(c.address_line1, c.address_line2, c.address_line3, c.city, c.region, c.postcode, c.country),
        tax_number=c.tax_number, notes=c.notes, active=c.active, marker=marker(org.slug, c.account_ref),
        updated_at=c.updated_at,
    )  # fmt: skip


def absent_customers(org: Organisation) -> Absent:
    """Our customers that exist but are not compared: merged duplicates and those left out of
    integration (Compare shows their links for what they are, never as records to re-create)."""
    rows = Customer.objects.filter(organisation=org).exclude(integrate=True, merged_into__isnull=True)
    merged: dict[str, str] = {}
    left_out: set[str] = set()
    for ref, target in rows.values_list("account_ref", "merged_into__account_ref"):
        if target:
            merged[ref] = target
        else:
            left_out.add(ref)
    return Absent(merged=merged, not_integrated=frozenset(left_out))


def integrated_customers(org: Organisation) -> QuerySet[Customer]:
    """Customers flagged "integrate with accounts", never the duplicates of a merge."""
    return Customer.objects.filter(organisation=org, integrate=True, merged_into__isnull=True)


def invoice_records(model: type[Job] | type[ServiceInvoice], org: Organisation) -> list[InvoiceRecord]:
    """Every job (or service invoice) that qualifies for transfer, as canonical records.

    Read as plain values with the organisation's few tax codes and items in dicts: Compare reads
    thousands of documents, and ORM objects per line cost more than the whole comparison."""
    docs = model.objects.filter(organisation=org).qualifies_for_transfer()
    is_job = model is Job
    fields = ["id", "number", "customer__account_ref", "customer__name", "prices_include_tax", "description",
              "updated_at", "closed_at" if is_job else "invoice_date", "status"]  # fmt: skip
    rows = list(docs.values_list(*fields))
    line_model = JobLine if is_job else ServiceInvoiceLine
    parent = "job_id" if is_job else "invoice_id"
    lines: dict[int, list[tuple[Any, ...]]] = {}
    for line in (line_model.objects.filter(**{f"{parent}__in": [r[0] for r in rows]})
                 .order_by(parent, "position", "id")
                 .values_list(parent, "description", "quantity", "unit_price", "discount_percent", "is_credit",
                              "tax_code_id", "item_id")):  # fmt: skip
        lines.setdefault(line[0], []).append(line)
    taxes = {t.pk: t for t in TaxCode.objects.filter(organisation=org)}
    items = {i.pk: i for i in Item.objects.filter(organisation=org)}
    tz = org.tzinfo
    records = []
    for doc_id, number, ref, name, inclusive, description, updated_at, dated, status in rows:
        issue_date = dated.astimezone(tz).date() if is_job else dated
        record = _invoice(org, number, ref, name, inclusive, description, updated_at, issue_date,
                          lines.get(doc_id, []), taxes, items)  # fmt: skip
        # Voided in Fieldbook, flagged so the void reaches the ledger (Compare offers to void it).
        records.append(replace(record, state=LedgerState.VOIDED) if status == "voided" else record)
    return records


def _invoice(org: Organisation, number: str, customer_ref: str, customer_name: str, inclusive: bool, memo: str,
             updated_at: datetime, issue_date: date, rows: list[tuple[Any, ...]], taxes: dict[int, TaxCode],
             items: dict[int, Item]) -> InvoiceRecord:  # fmt: skip
    out = []
    net = tax = money.ZERO
    for _, description, qty, price, discount, is_credit, tax_id, item_id in rows:
        code, item = taxes[tax_id], items.get(item_id) if item_id else None
        t = money.line_totals(money.Line(qty, price, code.rate, discount, is_credit), inclusive)
        net, tax = net + t.net, tax + t.tax
        out.append(InvoiceLine(
            description=description or (item.name if item else ""), quantity=qty, unit_price=price,
            tax_code=code.code, tax_rate=code.rate, net_amount=t.net, tax_amount=t.tax, discount_percent=discount,
            item_code=item.code if item else "", account_code=item.income_account_code if item else "",
            is_credit=is_credit,
        ))  # fmt: skip
    return InvoiceRecord(
        number=number, customer_number=customer_ref, issue_date=issue_date, lines=tuple(out),
        currency=org.home_currency, net_total=net, tax_total=tax, total=net + tax, amounts_include_tax=inclusive,
        memo=memo, customer_name=customer_name, marker=marker(org.slug, number), updated_at=updated_at,
    )  # fmt: skip


class AlreadyLinked(Exception):
    """A ledger customer to create in Fieldbook is already linked to one of ours."""


_REF_OK = re.compile(r"^[A-Za-z0-9-]{1,20}$")


class DjangoLocalSide:
    """The engine's LocalSide for one organisation: customers down, and flags cleared after a
    transfer (the user's guide: transferred documents drop out of the next Compare)."""

    def __init__(self, org: Organisation, connection_id: int | str | None = None) -> None:
        self.org = org
        self.connection_id = connection_id

    def customers(self) -> list[CustomerRecord]:
        return [customer_record(c, self.org) for c in integrated_customers(self.org)]

    def _free_ref(self, wanted: str) -> str:
        taken = Customer.objects.filter(organisation=self.org)
        if wanted and _REF_OK.match(wanted) and not taken.filter(account_ref__iexact=wanted).exists():
            return wanted
        n = taken.count() + 1
        while taken.filter(account_ref=f"L{n:05d}").exists():
            n += 1
        return f"L{n:05d}"

    def create_customer(self, record: CustomerRecord) -> str:
        """Idempotent per ledger record: the customer and a first link to the ledger id are
        written in one transaction, so a crash before the engine saves its link cannot make a
        second customer on resume."""
        from fieldbook.integration.models import ExternalLink

        with transaction.atomic():
            if self.connection_id is not None and record.ledger_id:
                done = ExternalLink.objects.filter(
                    connection_id=self.connection_id, kind=RecordKind.CUSTOMER, ledger_id=record.ledger_id
                ).first()
                if done is not None and done.synced_at is None:
                    return done.local_number  # made by an earlier try of this step (its link not saved yet)
                if done is not None:
                    # Already linked at an earlier sync: nothing is created, and the run says so.
                    raise AlreadyLinked(
                        f"This ledger customer is already linked to our customer {done.local_number}: "
                        "nothing was created."
                    )
            c = Customer(organisation=self.org, account_ref=self._free_ref(record.number))
            _write(c, record)
            c.save()
            if self.connection_id is not None and record.ledger_id:
                ExternalLink.objects.create(
                    connection_id=self.connection_id, kind=RecordKind.CUSTOMER, local_number=c.account_ref,
                    local_id=c.pk, ledger_id=record.ledger_id, ledger_version=record.version,
                )  # fmt: skip
        return c.account_ref

    def update_customer(self, number: str, record: CustomerRecord) -> None:
        with transaction.atomic():
            c = Customer.objects.select_for_update().get(organisation=self.org, account_ref=number)
            _write(c, record)
            c.save()

    def mark_transferred(self, kind: RecordKind, number: str, ledger_id: str) -> None:
        if kind != RecordKind.INVOICE:
            return
        model: type[Job] | type[ServiceInvoice] = ServiceInvoice if number.startswith("S") else Job
        with transaction.atomic():
            for doc in model.objects.select_for_update().filter(organisation=self.org, number=number):
                # The flags clear and the transferred version is the one after this save, so an
                # edit after the transfer (version moves on) flags the document again.
                doc.ready_for_invoice = doc.transfer_to_accounts = False
                doc.transferred_version = doc.version + 1
                doc.save(update_fields=["ready_for_invoice", "transfer_to_accounts", "transferred_version"])


class Refused(ValueError):
    """A ledger value our forms would refuse: the record is not saved (never cut or changed), and
    the run says which field and what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


class TooLong(Refused):
    def __init__(self, label: str, length: int, limit: int) -> None:
        super().__init__(f"its {label} in the ledger is {length:,} characters long; Fieldbook keeps at most "
                         f"{limit:,} and never cuts it.",
                         f"Shorten the {label} in the ledger to {limit:,} characters or fewer, then compare and "
                         "sync again.")  # fmt: skip


def _write(c: Customer, r: CustomerRecord) -> None:
    a = r.address
    values = {
        "name": r.name or c.name or r.number, "contact_first_name": r.first_name, "contact_last_name": r.last_name,
        "email": r.email, "phone": r.phone, "mobile": r.mobile, "address_line1": a.line1, "address_line2": a.line2,
        "address_line3": a.line3, "city": a.city, "region": a.region, "postcode": a.postcode, "country": a.country,
        "tax_number": r.tax_number,
    }  # fmt: skip
    for name, value in values.items():  # every field checked before any is written
        model_field = Customer._meta.get_field(name)
        limit = getattr(model_field, "max_length", None)
        if limit is not None and len(value) > limit:
            raise TooLong(str(getattr(model_field, "verbose_name", name)).lower(), len(value), limit)
    if message := bounds.text_error(values["name"], "name in the ledger"):
        raise Refused(f"{message[0].lower()}{message[1:]}", "Correct the name in the ledger, then compare and sync "
                      "again.")  # fmt: skip
    for name, value in values.items():
        setattr(c, name, value)
