"""Exactly once through the real QuickBooks connector and the in-process QBO sandbox.

Each seed: 200 invoices (a third for customers the ledger has not seen, a fifth with a credit
line, which QuickBooks holds as the invoice's discount line), a seeded random fault
schedule (commit-then-drop, resets, 5xx, 429s, a 429 storm on odd seeds) and a crash of the
engine at a random store write, then a new engine resuming from the same store. The sandbox's
own books are then read directly: each invoice once, its total and VAT per rate equal to ours,
each customer's balance the sum of ours. A failure names its seed; more: bench/exactly_once.py.
"""

from __future__ import annotations

import pytest

from tests.sync.qbo_scenario import run_scenario

pytestmark = pytest.mark.pure

SEEDS = range(1, 21)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed={s}" for s in SEEDS])
def test_every_invoice_and_customer_exactly_once_after_faults_and_a_crash(seed: int) -> None:
    report = run_scenario(seed)
    assert report.crashed_in and report.resumes >= 1
