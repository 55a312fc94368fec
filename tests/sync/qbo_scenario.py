"""Exactly-once through the real QuickBooks connector against the in-process QBO sandbox.

One scenario = one seed: Fieldbook's books (customers already synced, customers not yet in the
ledger, a batch of invoices), a random fault schedule in the sandbox, and a crash of the engine
at a random store write. A new engine (new connector, new HTTP client) resumes from the same
store until the run is done. Then the sandbox's own store is read directly and judged.
Shared by tests/sync/test_exactly_once_qbo.py and bench/exactly_once.py.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fieldbook.connectors.base import ConnectionSettings, Mapping, RecordKind, TokenSet, marker
from fieldbook.connectors.limiter import MemoryBudgetStore
from fieldbook.connectors.quickbooks import QuickBooksConnector
from fieldbook.connectors.records import CustomerRecord, InvoiceLine, InvoiceRecord
from fieldbook.core.clock import VirtualClock
from fieldbook.core.http import make_client
from fieldbook.sandbox import Sandbox
from fieldbook.sync.apply import Engine, EngineOptions
from fieldbook.sync.memory import MemoryStore
from fieldbook.sync.store import OutcomeStatus, RunState, Transfer
from tests.sync.factories import ORG, money
from tests.sync.harness import Crash, CrashingStore, plan_everything

FAULT_KINDS = ("commit_then_drop", "throttle", "http_500", "http_503", "reset_before", "reset_after")
RATES = (Decimal("20"), Decimal("5"), Decimal("0"))
TAX_CODES = {Decimal("20"): "S", Decimal("5"): "R", Decimal("0"): "Z"}


class Tokens:
    """A TokenStore in memory (durable enough: the process under test never dies for real)."""

    def __init__(self, tokens: TokenSet) -> None:
        self.tokens = tokens
        self._lock = threading.Lock()

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self._lock:
            yield


@dataclass
class Books:
    synced: list[CustomerRecord]  # in the ledger and linked before the run
    fresh: list[CustomerRecord]  # not in the ledger: the run creates them first
    invoices: list[InvoiceRecord]

    @property
    def customers(self) -> list[CustomerRecord]:
        return self.synced + self.fresh


def make_books(seed: int, invoices: int = 200) -> Books:
    rng = random.Random(seed)
    synced = [
        CustomerRecord(number=f"C{i:04d}", name=f"Synced Customer {i} Ltd", email=f"c{i}@example.test")
        for i in range(1, 31)
    ]
    fresh = [
        CustomerRecord(number=f"N{i:04d}", name=f"New Customer {i} & Sons", email=f"n{i}@example.test")
        for i in range(1, 41)
    ]
    records = []
    for i in range(invoices):
        # A third of the invoices belong to customers the ledger has not seen yet.
        owner = fresh[i % len(fresh)] if i % 3 == 0 else synced[i % len(synced)]
        lines = tuple(_line(rng, n) for n in range(rng.randint(1, 4)))
        if i % 5 == 0:
            # A fifth of the invoices carry a credit line (negative quantity, marked as credit):
            # QuickBooks refuses negative lines, so it goes as the invoice's discount line.
            lines = (*lines, _credit(rng, lines[0]))
        net = sum((ln.net_amount for ln in lines), Decimal(0))
        tax = sum((ln.tax_amount for ln in lines), Decimal(0))
        number = f"J{1000 + i}" if i % 2 else f"S{300 + i}"
        records.append(
            InvoiceRecord(
                number=number,
                customer_number=owner.number,
                issue_date=date(2026, 10, 1) + timedelta(days=i % 28),
                lines=lines,
                currency="GBP",
                net_total=net,
                tax_total=tax,
                total=net + tax,
                due_date=date(2026, 11, 30),
                memo=f"Job {number}",
            )
        )
    return Books(synced, fresh, records)


def _line(rng: random.Random, n: int) -> InvoiceLine:
    quantity = Decimal(rng.randint(1, 5))
    price = Decimal(rng.randint(1000, 99999)) / 100
    rate = rng.choice(RATES)
    net = money(quantity * price)
    return InvoiceLine(
        description=f"Work item {n}",
        quantity=quantity,
        unit_price=price,
        tax_code=TAX_CODES[rate],
        tax_rate=rate,
        net_amount=net,
        tax_amount=money(net * rate / 100),
    )


def _credit(rng: random.Random, charge: InvoiceLine) -> InvoiceLine:
    """A goodwill credit at the tax code of a charge, for less than it."""
    price = money(charge.net_amount * Decimal(rng.randint(5, 90)) / 100)
    net = -price
    return InvoiceLine(
        description="Goodwill credit",
        quantity=Decimal(-1),
        unit_price=price,
        tax_code=charge.tax_code,
        tax_rate=charge.tax_rate,
        net_amount=net,
        tax_amount=money(net * charge.tax_rate / 100),
        is_credit=True,
    )


def tax_by_rate(invoice: InvoiceRecord) -> dict[Decimal, Decimal]:
    """Our VAT per rate: Fieldbook's per-line tax summed (credit lines negative)."""
    out: dict[Decimal, Decimal] = {}
    for ln in invoice.lines:
        out[ln.tax_rate] = out.get(ln.tax_rate, Decimal(0)) + ln.tax_amount
    return out


def ledger_tax_by_rate(qb: Any, realm: str, stored: dict[str, Any]) -> dict[Decimal, Decimal]:
    """The sandbox's own VAT per rate on an invoice, by the TaxRate's percentage."""
    company = qb.company(realm)
    out: dict[Decimal, Decimal] = {}
    for line in (stored.get("TxnTaxDetail") or {}).get("TaxLine", []):
        rate = company.get("TaxRate", line["TaxLineDetail"]["TaxRateRef"]["value"])
        percent = Decimal(str(rate["RateValue"]))
        out[percent] = out.get(percent, Decimal(0)) + Decimal(str(line["Amount"]))
    return out


class QboWorld:
    def __init__(self, batch_size: int = 30) -> None:
        self.clock = VirtualClock()
        self.sandbox = Sandbox(clock=self.clock)
        qb = self.sandbox.quickbooks
        self.realm = qb.default_realm
        issued = qb.issue_tokens(self.realm)
        self.tokens = Tokens(
            TokenSet(
                issued["access_token"],
                issued["refresh_token"],
                self.clock.now() + timedelta(seconds=int(issued.get("expires_in", 3600))),
                company_id=self.realm,
            )
        )
        base = "http://sandbox.test/quickbooks"
        self.budget = MemoryBudgetStore()  # every "worker process" here serves one company
        self.settings = ConnectionSettings(
            connection_id="conn-qbo",
            org_slug=ORG,
            ledger="quickbooks",
            base_url=base,
            auth_url=base,
            client_id=issued["client_id"],
            client_secret=issued["client_secret"],
            company_id=self.realm,
            options={"backoff_cap": 5.0, "batch_size": batch_size},
        )
        self.settings = replace(self.settings, mapping=self._mapping())
        self.store = MemoryStore()

    def connector(self) -> QuickBooksConnector:
        """A new connector and HTTP client, as a new worker process would build."""
        return QuickBooksConnector(self.settings, self.tokens, make_client(self.sandbox.transport()), self.clock,
                                   budget=self.budget)

    def engine(self, store: Any = None) -> Engine:
        return Engine(store or self.store, self.connector(), self.clock, options=EngineOptions(backoff_cap=5.0))

    def _mapping(self) -> Mapping:
        refs = QuickBooksConnector(
            self.settings, self.tokens, make_client(self.sandbox.transport()), self.clock, budget=self.budget
        ).reference_data()
        codes = {
            ours: code.ledger_id
            for code in refs.tax_codes
            for ours in ("S", "R", "Z")
            if code.name.endswith(f" {ours}")
        }
        item = next(i for i in refs.items if i.active)
        return Mapping(tax_codes=codes, default_item=item.ledger_id)


@dataclass
class Report:
    seed: int
    crash_at: int
    rate: float = 0.0
    crashed_in: str = ""
    resumes: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    virtual_seconds: float = 0.0


def run_scenario(seed: int, invoices: int = 200, fault_rate: float | None = None) -> Report:
    """Run one seed and check it; raises AssertionError naming the seed on any breach."""
    rng = random.Random(seed)
    world = QboWorld()
    books = make_books(seed, invoices)
    # Before the run: the synced customers are in the ledger and linked (a clean earlier sync).
    first = world.engine()
    done = first.start(plan_everything(first.connector, world.store, Transfer.CUSTOMERS_UP, books.synced, run="setup"))
    assert done.state == RunState.DONE and done.counts == {"created": len(books.synced)}, f"seed={seed}: {done}"

    engine = world.engine()
    p = plan_everything(
        engine.connector, world.store, Transfer.INVOICES_UP, books.invoices, customers=books.customers, run="run"
    )
    needed = {i.customer_number for i in books.invoices} & {c.number for c in books.fresh}
    assert len(p.steps) == len(needed) + invoices and not p.blocked, f"seed={seed}: {p.blocked}"

    rate = fault_rate if fault_rate is not None else rng.choice((0.1, 0.2, 0.35))
    world.sandbox.faults.random_schedule(seed, rate=rate, kinds=FAULT_KINDS)
    if seed % 2:
        # A 429 storm on the first writes: longer than the connector's own retries, so the
        # engine's waits (and, when they run out, a pause and a resume) are exercised too.
        world.sandbox.faults.add(kind="throttle", count=rng.randint(3, 12), match="/batch")
    # At least this many store writes happen in any run (3 per invoice step, 2 per customer
    # step, 5 per request): crashing before one of them always abandons the run mid-apply.
    requests = -(-len(needed) // 30) + -(-invoices // 30)
    report = Report(seed, rng.randint(1, 3 * invoices + 2 * len(needed) + 5 * requests), rate)
    crashing = CrashingStore(world.store, limit=report.crash_at)
    try:
        engine = world.engine(crashing)
        engine.start(p)
    except Crash as crash:
        report.crashed_in = str(crash)
    assert report.crashed_in, f"seed={seed}: the run finished before write {report.crash_at}"

    run = world.store.run("run")
    while run.state != RunState.DONE:
        report.resumes += 1
        assert report.resumes <= 20, f"seed={seed}: still {run.state} after 20 resumes: {run.reason}"
        run = world.engine().resume("run")
    report.faults = Counter(f.kind for f in world.sandbox.faults.fired())
    report.virtual_seconds = world.clock.monotonic()
    world.sandbox.faults.clear()
    check_books(world, books, seed)
    return report


def check_books(world: QboWorld, books: Books, seed: int) -> None:
    where = f"seed={seed}"
    qb = world.sandbox.quickbooks
    customers = [c for c in qb.customers(world.realm) if c.get("_status") != "Deleted"]
    used = {i.customer_number for i in books.invoices} | {c.number for c in books.synced}
    ours = {c.number: marker(ORG, c.number) for c in books.customers if c.number in used}
    by_marker = Counter(next((m for m in ours.values() if m in (c.get("Notes") or "")), "") for c in customers)
    for number, mark in ours.items():
        assert by_marker[mark] == 1, f"{where}: customer {number} is in the ledger {by_marker[mark]} times"
    ids = {mark: c["Id"] for c in customers for mark in ours.values() if mark in (c.get("Notes") or "")}

    invoices = [i for i in qb.invoices(world.realm) if i.get("_status") not in ("Deleted",)]
    counts = Counter(i.get("DocNumber") for i in invoices)
    stored = {i.get("DocNumber"): i for i in invoices}
    for inv in books.invoices:
        assert counts[inv.number] == 1, f"{where}: invoice {inv.number} is in the ledger {counts[inv.number]} times"
        got = stored[inv.number]
        # The ledger holds our figures, read from the sandbox's own store: total and VAT per rate.
        assert Decimal(str(got["TotalAmt"])) == inv.total, f"{where}: {inv.number} total {got['TotalAmt']}"
        assert ledger_tax_by_rate(qb, world.realm, got) == tax_by_rate(inv), f"{where}: {inv.number} VAT per rate"
        owner = ids[marker(ORG, inv.customer_number)]
        assert got["CustomerRef"]["value"] == owner, f"{where}: {inv.number} is on the wrong customer"
        assert marker(ORG, inv.number) in (got.get("PrivateNote") or ""), f"{where}: {inv.number} lacks our marker"
    assert len(invoices) == len(books.invoices), f"{where}: {len(invoices)} invoices for {len(books.invoices)}"
    owed: Counter[str] = Counter()
    for inv in books.invoices:
        owed[ids[marker(ORG, inv.customer_number)]] += inv.total  # type: ignore[assignment]
    for c in customers:
        if c["Id"] in owed:
            ours_owed = owed[c["Id"]]
            assert Decimal(str(c["Balance"])) == ours_owed, f"{where}: customer {c['Id']} {c['Balance']} != {ours_owed}"
    credited = [i for i in invoices if any(ln.get("DetailType") == "DiscountLineDetail" for ln in i["Line"])]
    assert len(credited) == sum(1 for i in books.invoices if any(ln.is_credit for ln in i.lines)) > 0, where

    rows = world.store.steps("run")
    missing = [r.planned.id for r in rows if r.outcome is None or r.outcome.status != OutcomeStatus.CREATED]
    assert not missing, f"{where}: steps without a created outcome: {missing[:5]}"
    links = world.store.links(world.settings.connection_id, RecordKind.INVOICE)
    assert {link.local_number for link in links} == {i.number for i in books.invoices}, where
