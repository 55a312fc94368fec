"""Time to load the demo books at scale: 10,000 customers with 50,000 jobs (target: about a minute).

    .venv/bin/python bench/demo_data.py [--customers 10000] [--jobs 50000] [--contracts 200]

Uses a throw-away SQLite database under a temp folder (or DATABASE_URL if set).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date

os.environ.setdefault("FIELDBOOK_VAR", tempfile.mkdtemp(prefix="fieldbook-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from fieldbook.contracts.models import ServiceInvoice  # noqa: E402
from fieldbook.jobs.models import Job, JobLine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--contracts", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    call_command("demo_data", customers=args.customers, jobs=args.jobs, contracts=args.contracts, seed=7,
                 org="bench", as_of=date(2026, 6, 30), verbosity=0)  # fmt: skip
    elapsed = time.perf_counter() - t0
    print(f"demo-data: {args.customers} customers, {Job.objects.count()} jobs ({JobLine.objects.count()} lines), "
          f"{args.contracts} contracts, {ServiceInvoice.objects.count()} service invoices in {elapsed:.1f} s "
          f"(target: about 60 s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
