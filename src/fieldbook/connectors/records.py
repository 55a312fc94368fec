"""Canonical records: what Fieldbook and every ledger agree a customer or invoice is.

Frozen dataclasses with Decimal money. Vendor field names never appear here; each provider's
mapping.py translates to and from its own shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class LedgerState(StrEnum):
    """Where a record stands in the ledger; anything but ACTIVE is shown, never silently edited."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"
    MERGED = "merged"
    DELETED = "deleted"
    VOIDED = "voided"
    PAID = "paid"
    PART_PAID = "part_paid"


@dataclass(frozen=True)
class Address:
    line1: str = ""
    line2: str = ""
    line3: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        parts = (self.line1, self.line2, self.line3, self.city, self.region, self.postcode, self.country)
        return not any(parts)


@dataclass(frozen=True)
class CustomerRecord:
    """A customer on either side. `number` is our account reference (for a ledger record: the
    reference the ledger carries, if any); `ledger_id`/`version` are the ledger's id and its
    optimistic-lock token (QBO SyncToken)."""

    number: str
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: Address = field(default_factory=Address)
    tax_number: str = ""
    notes: str = ""
    active: bool = True
    ledger_id: str | None = None
    version: str | None = None
    marker: str = ""
    updated_at: datetime | None = None
    state: LedgerState = LedgerState.ACTIVE

    # The fields compared and synced both ways; identity and bookkeeping fields are not.
    SYNCED_FIELDS = ("name", "first_name", "last_name", "email", "phone", "mobile", "address", "tax_number")


@dataclass(frozen=True)
class InvoiceLine:
    """One line as Fieldbook priced it. `unit_price` is before discount and exclusive of tax
    unless the invoice says amounts include tax; `net_amount` and `tax_amount` are Fieldbook's
    own per-line results (ROUND_HALF_UP, 2 dp)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_code: str
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    discount_percent: Decimal = Decimal("0")
    item_code: str = ""
    account_code: str = ""
    is_credit: bool = False


@dataclass(frozen=True)
class InvoiceRecord:
    """A job invoice (J1042) or service invoice (S0311) on either side."""

    number: str
    customer_number: str
    issue_date: date
    lines: tuple[InvoiceLine, ...]
    currency: str
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    due_date: date | None = None
    amounts_include_tax: bool = False
    memo: str = ""
    customer_name: str = ""
    customer_ledger_id: str | None = None
    ledger_id: str | None = None
    ledger_number: str = ""
    version: str | None = None
    marker: str = ""
    balance: Decimal | None = None
    updated_at: datetime | None = None
    state: LedgerState = LedgerState.ACTIVE

    SYNCED_FIELDS = ("customer_number", "issue_date", "due_date", "lines", "memo", "total")


@dataclass(frozen=True)
class Totals:
    """An invoice's totals. As a connector's prediction, `note` says how the invoice will look in
    the ledger where that is not line for line (a credit sent as a discount), and `problem` why
    the ledger cannot take it as it stands (a sentence and its fix; '' = it can)."""

    net: Decimal
    tax: Decimal
    total: Decimal
    note: str = ""
    problem: str = ""


@dataclass(frozen=True)
class TaxCode:
    ledger_id: str
    name: str
    rate: Decimal
    active: bool = True
    rates: tuple[tuple[str, Decimal], ...] = ()  # its component rates: (the ledger's rate id, percent)


@dataclass(frozen=True)
class Item:
    ledger_id: str
    name: str
    code: str = ""
    income_account: str = ""
    active: bool = True


@dataclass(frozen=True)
class Account:
    ledger_id: str
    name: str
    code: str = ""
    kind: str = ""
    active: bool = True


@dataclass(frozen=True)
class Term:
    ledger_id: str
    name: str
    due_days: int | None = None


@dataclass(frozen=True)
class Payment:
    ledger_id: str
    customer_ledger_id: str
    amount: Decimal
    paid_on: date
    invoice_ledger_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompanyInfo:
    """What Connect reads once: the company, its home currency and the rules it plays by."""

    company_id: str
    name: str
    country: str
    home_currency: str
    custom_numbers: bool = True
    ledger_computes_tax: bool = False
    # Each tax code's component rates, kept with the reference lists read at Connect: a run
    # sending our VAT per rate needs their ids and need not read them again (issue 10 §5).
    tax_rates: Mapping[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)

    def with_reference(self, ref: ReferenceData) -> CompanyInfo:
        """These rules with the tax codes' component rates from the lists read beside them."""
        rates = {code.ledger_id: code.rates for code in ref.tax_codes if code.rates}
        return replace(self, tax_rates=rates)


@dataclass(frozen=True)
class ReferenceData:
    """The ledger's live lists, for Settings' mapping and to check it."""

    tax_codes: tuple[TaxCode, ...] = ()
    items: tuple[Item, ...] = ()
    accounts: tuple[Account, ...] = ()
    terms: tuple[Term, ...] = ()
    payments: tuple[Payment, ...] = ()  # added for QBO reference_data (payments against invoices)


@dataclass(frozen=True)
class ReadResult(Generic[T]):
    """Records read plus the ledger's own clock at the time of reading: the next incremental read
    starts from `watermark` (minus an overlap), never from our clock."""

    records: tuple[T, ...]
    watermark: datetime | None
    incremental: bool = False
