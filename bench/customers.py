"""Median time of the customer list and of a search over 10,000 customers (target < 200 ms each).

    .venv/bin/python bench/customers.py [--customers 10000] [--runs 15]

Uses a throw-away SQLite database under a temp folder (or DATABASE_URL if set).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("FIELDBOOK_VAR", tempfile.mkdtemp(prefix="fieldbook-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from fieldbook.site import demo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo_data", customers=args.customers, seed=7, verbosity=0)
    org = demo.ensure_demo_org()
    client = Client()
    client.force_login(org.memberships.first().user)  # type: ignore[union-attr]
    for label, url in (("list", "/customers/"), ("search", "/customers/?q=plumbing+leeds"),
                       ("list page 100", "/customers/?page=100")):  # fmt: skip
        client.get(url)  # warm-up
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        print(f"{label:>14}: median {statistics.median(times):6.1f} ms over {args.runs} runs "
              f"(min {min(times):.1f}, max {max(times):.1f}) with {args.customers} customers")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
