"""A day's work through the engine at the speed of the limits (issue 10 §5): 200 invoices and
their 60 new customers, Compare then Start Sync, to the served sandbox over real HTTP with its
real limits and its latency fault adding 0.3 s to every call (about what the internet and
QuickBooks add). Prints the run's wall time beside the bound that latency and QuickBooks'
concurrency set (customers a round before the invoices that need them); goal <= 1.5 x.

    .venv/bin/python bench/day.py [--invoices 200] [--customers 60] [--latency 0.3]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.connectors import factories as f  # noqa: E402
from tests.connectors.conftest import MemoryTokenStore  # noqa: E402
from tests.connectors.harness import discover_mapping  # noqa: E402
from tests.sync.harness import plan_everything  # noqa: E402

from fieldbook.connectors.base import Attempt, ConnectionSettings, TokenSet  # noqa: E402
from fieldbook.connectors.limiter import MemoryBudgetStore  # noqa: E402
from fieldbook.connectors.quickbooks import QuickBooksConnector  # noqa: E402
from fieldbook.connectors.quickbooks.connector import DEFAULT_BATCH_SIZE  # noqa: E402
from fieldbook.connectors.quickbooks.profile import CONCURRENCY as QBO_CONCURRENCY  # noqa: E402
from fieldbook.core.clock import WallClock  # noqa: E402
from fieldbook.core.http import make_client  # noqa: E402
from fieldbook.sandbox import Sandbox  # noqa: E402
from fieldbook.sandbox.server import start_in_thread  # noqa: E402
from fieldbook.sync.apply import Engine  # noqa: E402
from fieldbook.sync.memory import MemoryStore  # noqa: E402
from fieldbook.sync.store import Transfer  # noqa: E402

PER_SECOND = 10  # reference §9: requests a second per realm and app


def bound(levels: list[int], latency: float) -> float:
    """The least wall time: each dependency level is ceil(requests / QBO concurrency) rounds of one
    latency, and no more than PER_SECOND requests start in any second."""
    total = 0.0
    for requests in levels:
        rounds = math.ceil(requests / QBO_CONCURRENCY) * latency
        total += max(rounds, (requests - 1) // PER_SECOND + latency)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()

    clock = WallClock()
    base, sandbox, stop = start_in_thread(sandbox=Sandbox.served(), relaxed_limits=False)  # the real limits
    try:
        realm = sandbox.quickbooks.default_realm
        issued = sandbox.quickbooks.issue_tokens(realm)
        tokens = MemoryTokenStore(TokenSet(issued["access_token"], issued["refresh_token"],
                                           clock.now() + timedelta(seconds=int(issued.get("expires_in", 3600))),
                                           company_id=realm))  # fmt: skip
        settings = ConnectionSettings(
            connection_id="day", org_slug="bench", ledger="quickbooks", base_url=f"{base}/quickbooks",
            auth_url=f"{base}/quickbooks", client_id="fieldbook-sandbox-qbo",
            client_secret="fieldbook-sandbox-qbo-secret", company_id=realm, options={"limit_padding": 0.1},
        )
        budget = MemoryBudgetStore()  # one company: every connector here spends one budget
        client = make_client()
        # Connect: the company's rules and the lists are read once and kept (as Fieldbook does).
        connecting = QuickBooksConnector(settings, tokens, client, clock, budget=budget)
        settings = replace(settings, mapping=discover_mapping(connecting))
        company = connecting.company_info().with_reference(connecting.reference_data())
        attempts: list[Attempt] = []
        connector = QuickBooksConnector(settings, tokens, client, clock, attempts.append, budget=budget,
                                        company=company)  # fmt: skip
        customers = [f.customer(n) for n in range(1, args.customers + 1)]
        invoices = [f.invoice(n, f"C{(n % args.customers) + 1:04d}") for n in range(1, args.invoices + 1)]
        sandbox.faults.add(ledger="quickbooks", kind="latency", seconds=args.latency, count=1_000_000)
        store = MemoryStore()

        started = time.monotonic()
        planned = plan_everything(connector, store, Transfer.INVOICES_UP, invoices, customers=customers)
        compared = time.monotonic() - started
        reads = len(attempts)
        # A person reads Compare before pressing Start Sync: at least the second QBO's 10-a-second
        # rule counts in, so the run is timed against latency and concurrency alone.
        time.sleep(1.0)
        started = time.monotonic()
        run = Engine(store, connector, clock).start(planned)
        wall = time.monotonic() - started
    finally:
        stop()
    sent = attempts[reads:]
    created = run.counts.get("created", 0)
    throttled = sum(1 for a in attempts if a.status == 429)
    levels = [math.ceil(args.customers / DEFAULT_BATCH_SIZE), math.ceil(args.invoices / DEFAULT_BATCH_SIZE)]
    least = bound(levels, args.latency)
    print(f"Compare: {reads} reads in {compared:.2f} s")
    print(f"Start Sync: {created} records created ({args.customers} customers, {args.invoices} invoices) in "
          f"{len(sent)} calls, {wall:.2f} s wall; run {run.state.value}")
    print(f"bound set by {args.latency:g} s latency and QBO concurrency {QBO_CONCURRENCY} "
          f"({' then '.join(map(str, levels))} batches): {least:.2f} s; ratio {wall / least:.2f} x (goal <= 1.5 x)")
    print(f"429 responses: {throttled}; engine sends up to {connector.max_concurrency} at once")
    ok = created == args.customers + args.invoices and throttled == 0 and wall <= 1.5 * least
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
