"""Push 2,000 invoices (and their 200 new customers) through the QuickBooks connector to the
served sandbox over real HTTP, on scaled wall time with the real QBO limits (reference §9), and
report the share of the binding limit reached (500 metered items/min per realm; target >= 80%)
and the number of 429s (target 0).

    .venv/bin/python bench/push.py [--factor 30] [--invoices 2000] [--customers 200]
"""

from __future__ import annotations

import argparse
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

from fieldbook.connectors.base import Attempt, ConnectionSettings, TokenSet  # noqa: E402
from fieldbook.connectors.limiter import MemoryBudgetStore  # noqa: E402
from fieldbook.connectors.quickbooks import QuickBooksConnector  # noqa: E402
from fieldbook.core.clock import ScaledClock  # noqa: E402
from fieldbook.core.http import make_client  # noqa: E402
from fieldbook.sandbox import Sandbox  # noqa: E402
from fieldbook.sandbox.server import start_in_thread  # noqa: E402

BINDING = 500  # items per minute per realm; 40 batches x 30 items = 1,200 would allow more


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=float, default=30.0, help="scaled time: sandbox minutes per wall minute")
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--padding", type=float, default=1.0, help="limiter window padding, scaled seconds")
    args = parser.parse_args()

    clock = ScaledClock(args.factor)
    sandbox = Sandbox(clock=clock)  # the real limits, on the same scaled clock as the client
    base, sandbox, stop = start_in_thread(sandbox=sandbox, relaxed_limits=False)
    try:
        realm = sandbox.quickbooks.default_realm
        issued = sandbox.quickbooks.issue_tokens(realm)
        store = MemoryTokenStore(TokenSet(issued["access_token"], issued["refresh_token"],
                                          clock.now() + timedelta(seconds=int(issued.get("expires_in", 3600))),
                                          company_id=realm))
        attempts: list[tuple[float, Attempt]] = []
        settings = ConnectionSettings(
            connection_id="bench", org_slug="bench", ledger="quickbooks", base_url=f"{base}/quickbooks",
            auth_url=f"{base}/quickbooks", client_id="fieldbook-sandbox-qbo",
            client_secret="fieldbook-sandbox-qbo-secret", company_id=realm,
            options={"backoff_cap": 60.0, "limit_padding": args.padding},
        )
        client = make_client()
        budget = MemoryBudgetStore()  # one company: the mapping's reads and the push spend one budget
        settings = replace(settings, mapping=discover_mapping(QuickBooksConnector(settings, store, client, clock,
                                                                                  budget=budget)))
        connector = QuickBooksConnector(settings, store, client, clock,
                                        on_attempt=lambda a: attempts.append((clock.monotonic(), a)), budget=budget)
        customers = [f.customer(n) for n in range(1, args.customers + 1)]
        invoices = [f.invoice(n, f"C{(n % args.customers) + 1:04d}") for n in range(1, args.invoices + 1)]
        connector.company_info()
        start, wall = clock.monotonic(), time.monotonic()
        results = f.push(connector, customers, invoices)
        elapsed, wall = clock.monotonic() - start, time.monotonic() - wall
    finally:
        stop()
    created = sum(r.status.value == "created" for r in results.values())
    throttled = sum(1 for _, a in attempts if a.status == 429)
    items = created
    rate = items / (elapsed / 60)
    # The first minute starts with a full window; the steady state is what the limiter sustains.
    after_first = [t for t, a in attempts if t - start >= 60 and a.status == 200]
    steady_items = sum(1 for _ in after_first) * 30
    steady = steady_items / ((elapsed - 60) / 60) if elapsed > 60 else rate
    print(f"pushed {created} records ({args.customers} customers, {args.invoices} invoices) in "
          f"{elapsed:.0f} s scaled ({wall:.1f} s wall at x{args.factor:g})")
    print(f"average {rate:.0f} items/min = {rate / BINDING:.0%} of the binding {BINDING}/min; "
          f"steady state ~{steady:.0f}/min = {steady / BINDING:.0%}")
    print(f"429 responses: {throttled}; limiter waited {connector.limiter.waited:.0f} s scaled; "
          f"calls: {connector.api.calls}")
    return 0 if throttled == 0 and rate / BINDING >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
