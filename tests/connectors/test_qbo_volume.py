"""Volume on the virtual clock: calls counted at the transport (token refreshes and lookups
included), and the limiter keeping every QBO limit with no 429."""

from __future__ import annotations

import math

from fieldbook.connectors.base import ResultStatus
from fieldbook.core.clock import VirtualClock
from tests.connectors import factories as f
from tests.connectors.harness import QuickBooksHarness


def test_push_1000_invoices_100_new_customers_call_budget(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    clock.advance(3600)  # access token lapsed: the refresh is part of the budget
    connector = ledger.connector()
    calls_before = len(ledger.transport.requests)
    customers = [f.customer(n) for n in range(1, 101)]
    invoices = [f.invoice(n, f"C{(n % 100) + 1:04d}") for n in range(1, 1001)]
    results = f.push(connector, customers, invoices)
    assert sum(r.status == ResultStatus.CREATED for r in results.values()) == 1100
    calls = len(ledger.transport.requests) - calls_before
    assert calls <= math.ceil(1000 / 30) + math.ceil(100 / 30) + 5
    assert ledger.transport.count("tokens/bearer") == 1


def test_2000_invoice_push_keeps_every_limit(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    customers = [f.customer(n) for n in range(1, 201)]
    invoices = [f.invoice(n, f"C{(n % 200) + 1:04d}") for n in range(1, 2001)]
    start = clock.monotonic()
    results = f.push(connector, customers, invoices)
    assert sum(r.status == ResultStatus.CREATED for r in results.values()) == 2200
    assert 429 not in ledger.transport.statuses
    assert not ledger.sandbox.faults.fired()
    elapsed = clock.monotonic() - start
    # 2,200 metered items (+ a few reads) under 500/min: the limiter waits, but not much more than needed.
    assert 60 * (2200 / 500 - 1) <= elapsed <= 60 * (2200 / 480 + 1)
