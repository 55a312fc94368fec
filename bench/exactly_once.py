"""Exactly-once under faults and crashes, for as many seeds as you like.

    .venv/bin/python bench/exactly_once.py --seeds 200 --invoices 200 [--start 1] [--rate 0.35]

The same scenario as tests/sync/test_exactly_once_qbo.py (which runs 20 seeds in CI): the real
QuickBooks connector against the in-process sandbox on a virtual clock. Prints one line per
seed and, on a breach, the seed to replay.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sync.qbo_scenario import run_scenario


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--start", type=int, default=1)
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--rate", type=float, default=None, help="fault rate (default: 0.1, 0.2 or 0.35 per seed)")
    args = parser.parse_args()
    failures: list[int] = []
    faults: Counter[str] = Counter()
    started = time.monotonic()
    for seed in range(args.start, args.start + args.seeds):
        t0 = time.monotonic()
        try:
            report = run_scenario(seed, args.invoices, args.rate)
        except AssertionError as breach:
            failures.append(seed)
            print(f"seed={seed} FAILED: {breach}", flush=True)
            continue
        faults.update(report.faults)
        print(
            f"seed={seed} ok in {time.monotonic() - t0:.2f}s: rate {report.rate}, {report.crashed_in}, "
            f"{sum(report.faults.values())} faults, {report.virtual_seconds:.0f}s virtual",
            flush=True,
        )
    print(
        f"{args.seeds - len(failures)}/{args.seeds} seeds exactly once in {time.monotonic() - started:.1f}s; "
        f"faults fired: {dict(faults)}"
    )
    if failures:
        print(f"replay with: --start <seed> --seeds 1; failed seeds: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
