"""Compare at scale (issue "The integration workflow"): 10,000 customers against a ledger of 10,000,
and 10,000 flagged jobs against 10,000 invoices, with the QuickBooks sandbox served by another
process over real HTTP. Reports the CPU time of this (Fieldbook) process per Compare (median of
the repeated ones) and the requests counted at the transport; a Compare after nothing changed
must read incrementally only (CDC). Targets: CPU median < 5 s; reads <= ceil(N/1000) + 5.

    .venv/bin/python bench/compare.py [--customers 10000] [--invoices 10000] [--runs 5] [--profile]

Fieldbook uses a throw-away SQLite database under a temp folder (or DATABASE_URL if set). The
ledger is seeded in one `seed_records` control call with the records an earlier sync would have
left there (our markers and numbers, rendered by the connector's own mapping), most of them
linked, plus differences: changed on either side, not in the ledger yet, only in the ledger.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OWN_VAR = "FIELDBOOK_VAR" not in os.environ  # a throw-away folder, removed at the end
os.environ.setdefault("FIELDBOOK_VAR", tempfile.mkdtemp(prefix="fieldbook-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from fieldbook.catalogue.demo import make_items, make_tax_codes  # noqa: E402
from fieldbook.connectors.base import RecordKind, marker  # noqa: E402
from fieldbook.connectors.quickbooks import QuickBooksConnector  # noqa: E402
from fieldbook.connectors.quickbooks import mapping as qbo  # noqa: E402
from fieldbook.connectors.quickbooks.api import dumps  # noqa: E402
from fieldbook.core.models import Organisation  # noqa: E402
from fieldbook.integration import ledgers  # noqa: E402
from fieldbook.integration.mapping import suggest  # noqa: E402
from fieldbook.integration.models import Connection, ExternalLink  # noqa: E402
from fieldbook.integration.records import customer_record, integrated_customers, invoice_records  # noqa: E402
from fieldbook.integration.service import run_compare  # noqa: E402
from fieldbook.jobs.demo import make_jobs  # noqa: E402
from fieldbook.jobs.models import Job  # noqa: E402
from fieldbook.site import demo  # noqa: E402
from fieldbook.sync.normalise import field_values  # noqa: E402

CPU_TARGET = 5.0  # seconds, median of the repeated Compares
READ_MARGIN = 5  # reads allowed beyond one per 1,000 records


# --- requests counted at the transport ---------------------------------------------------------


def request_kind(request: httpx.Request) -> str:
    path = request.url.path
    if "/oauth2/" in path:
        return "token"
    if path.endswith("/query"):
        words = request.url.params.get("query", "").split()
        entity = words[words.index("FROM") + 1] if "FROM" in words else "?"
        return f"query {entity}"
    if path.endswith("/cdc"):
        return f"cdc {request.url.params.get('entities', '')}"
    if path.endswith("/batch"):
        return "batch"
    return f"{request.method} {path.rsplit('/', 1)[-1]}"


class CountingTransport(httpx.BaseTransport):
    """The real network transport, counting each request by kind (query Customer, cdc Invoice...)."""

    def __init__(self, counts: Counter[str]) -> None:
        self.inner = httpx.HTTPTransport()
        self.counts = counts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[request_kind(request)] += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def reads(counts: Counter[str]) -> int:
    return sum(n for kind, n in counts.items() if kind.startswith(("query ", "cdc ", "GET ")))


def full_reads(counts: Counter[str]) -> int:
    """Paged queries of the records themselves (Preferences/CompanyInfo are lookups, not reads)."""
    return sum(n for kind, n in counts.items() if kind in ("query Customer", "query Invoice"))


# --- the sandbox in another process ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_sandbox(state: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldbook.sandbox.cli", "--port", str(port), "--state", str(state), "--relaxed"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{url}/control/time", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sandbox did not answer within 30 s")


def control(url: str, action: str, **payload: Any) -> Any:
    reply = httpx.post(f"{url}/control/quickbooks/{action}", content=dumps(payload),
                       headers={"Content-Type": "application/json"}, timeout=600)  # fmt: skip
    if reply.status_code != 200:
        raise SystemExit(f"sandbox {action}: {reply.status_code} {reply.text[:500]}")
    return reply.json()["result"]


# --- Fieldbook's books and the ledger's ----------------------------------------------------------


def fieldbook_books(org: Organisation, customers: int, invoices: int) -> None:
    rng = random.Random(7)
    made = demo.make_customers(org, customers, rng)
    org.customers.update(integrate=True)  # Compare all of them (the demo leaves 1 in 11 out)
    codes = make_tax_codes(org)
    items = make_items(org, codes)
    as_of = date(2026, 3, 2)
    make_jobs(org, invoices, rng, [c.pk for c in made], items, codes, as_of)
    # Every job closed and flagged: make_jobs leaves some open or unflagged.
    closed = datetime.combine(as_of, dtime(12), tzinfo=org.tzinfo)
    jobs = Job.objects.filter(organisation=org)
    jobs.filter(closed_at__isnull=True).update(status=Job.Status.CLOSED, closed_at=closed)
    jobs.update(status=Job.Status.CLOSED, ready_for_invoice=True, transfer_to_accounts=True)


@dataclass
class Seeded:
    customers: int = 0
    invoices: int = 0
    links: Counter[str] | None = None


def seed_ledger(url: str, connection: Connection, realm: str) -> Seeded:
    """The ledger as earlier syncs left it: our customers and invoices (markers, numbers), 9 in 10
    linked; 1 in 100 not sent yet (Add) and as many ledger-only records; 1 in 50 changed in the
    ledger since the sync and 1 in 50 changed by us (Update)."""
    org = connection.organisation
    slug, cid = org.slug, connection.pk
    back = (datetime.now(UTC) - timedelta(hours=1)).isoformat()  # books that existed before today
    seeded = Seeded(links=Counter())
    assert seeded.links is not None

    locals_ = sorted((customer_record(c, org) for c in integrated_customers(org)), key=lambda r: r.number)
    taken = {name.casefold() for name in ("Northwind Plumbing Supplies", "Alex Morgan")}  # seeded names
    bodies, sent = [], []
    for i, rec in enumerate(locals_):
        if i % 100 == 99:
            continue
        name = qbo.display_name(rec.name)
        name = name if name.casefold() not in taken else qbo.unique_name(rec.name, rec.number)
        taken.add(name.casefold())
        body = qbo.customer_body(rec, name, marker(slug, rec.number), update=False)
        original = qbo.customer_from_qbo(body)
        if i % 50 == 7:
            body["PrimaryPhone"] = {"FreeFormNumber": "0300 123 4567"}  # edited in the ledger
        bodies.append(body)
        sent.append((i, rec, original))
    bodies += [{"DisplayName": f"Ledger-only customer {n}"} for n in range(len(locals_) - len(bodies))]
    ids = control(url, "seed_records", realm_id=realm, customers=bodies, created_at=back)["customers"]
    seeded.customers = len(ids)
    customer_ids = {rec.number: ids[n] for n, (_, rec, _) in enumerate(sent)}
    rows = []
    for n, (i, rec, original) in enumerate(sent):
        if i % 10 == 0:
            continue  # unlinked: Compare links it by our marker
        ours = field_values(rec)
        if i % 50 == 11:
            ours["email"] = "before@example.com"  # we changed the email since
        edited = i % 50 == 7
        rows.append(ExternalLink(
            connection_id=cid, kind=RecordKind.CUSTOMER, local_number=rec.number, ledger_id=ids[n],
            ledger_version=None if edited else "0", ledger_number=rec.number, local_values=ours,
            ledger_values=field_values(original),
        ))  # fmt: skip
    ExternalLink.objects.bulk_create(rows, batch_size=2000)
    seeded.links["customer"] = len(rows)

    connector = ledgers.connector_for(connection)
    assert isinstance(connector, QuickBooksConnector)
    ctx = connector.context()
    invoices = sorted(invoice_records(Job, org), key=lambda inv: inv.number)
    if not invoices:
        return seeded
    bodies, sent_invoices = [], []
    for i, inv in enumerate(invoices):
        if i % 100 == 42 or inv.customer_number not in customer_ids or qbo.refusal(inv, ctx):
            continue  # not sent yet (or QBO cannot take it): Add or refused
        inv = replace(inv, customer_ledger_id=customer_ids[inv.customer_number])
        body = qbo.invoice_body(inv, marker(slug, inv.number), ctx, update=False)
        memo = body["CustomerMemo"]["value"]
        if i % 50 == 3:
            body["CustomerMemo"] = {"value": "Edited in QuickBooks"}
        bodies.append(body)
        sent_invoices.append((i, inv, memo))
    first = next(iter(customer_ids.values()))
    bodies += [{"CustomerRef": {"value": first}, "DocNumber": f"Q{n}", "GlobalTaxCalculation": "TaxExcluded",
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "10.00", "Description": "Not ours",
                          "SalesItemLineDetail": {"TaxCodeRef": {"value": ctx.tax_codes["VAT20"]}}}]}
               for n in range(len(invoices) - len(bodies))]  # fmt: skip
    ids = control(url, "seed_records", realm_id=realm, invoices=bodies, created_at=back)["invoices"]
    seeded.invoices = len(ids)
    stored = {str(obj["Id"]): obj for obj in control(url, "invoices", realm_id=realm)}
    tax_names = {ledger: ours for ours, ledger in ctx.tax_codes.items()}
    rows = []
    for n, (i, inv, memo) in enumerate(sent_invoices):
        if i % 10 == 0:
            continue
        theirs = qbo.invoice_from_qbo(stored[ids[n]], tax_names)
        ours = field_values(inv)
        if i % 50 == 13:
            ours["memo"] = "Before our edit"
        edited = i % 50 == 3
        rows.append(ExternalLink(
            connection_id=cid, kind=RecordKind.INVOICE, local_number=inv.number, ledger_id=ids[n],
            ledger_version=None if edited else "0", ledger_number=inv.number, local_values=ours,
            ledger_values=field_values(replace(theirs, memo=memo)),
        ))  # fmt: skip
    ExternalLink.objects.bulk_create(rows, batch_size=2000)
    seeded.links["invoice"] = len(rows)
    return seeded


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Measured:
    cpu: float
    wall: float
    gc: float  # CPU spent in the cyclic garbage collector, part of `cpu`
    counts: Counter[str]
    outcome: dict[str, int]


class GcTimer:
    """CPU time spent in garbage collection (gc.callbacks), to tell it apart from our own work."""

    def __init__(self) -> None:
        self.total = self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.total += time.process_time() - self._started


GC = GcTimer()


def measure(connection: Connection, option: str, counts: Counter[str],
            profile: cProfile.Profile | None = None) -> Measured:  # fmt: skip
    counts.clear()
    collected = GC.total
    wall, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    result = run_compare(connection, option)
    if profile is not None:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Measured(cpu, wall, GC.total - collected, Counter(counts), result.counts())


def describe(counts: Counter[str]) -> str:
    return ", ".join(f"{kind} x{n}" for kind, n in sorted(counts.items()))


def bench(connection: Connection, option: str, label: str, records: int, runs: int, counts: Counter[str],
          profile: bool) -> bool:  # fmt: skip
    limit = math.ceil(records / 1000) + READ_MARGIN
    first = measure(connection, option, counts)
    again = [measure(connection, option, counts) for _ in range(runs)]
    median = statistics.median(m.cpu for m in again)
    worst_reads = max(reads(m.counts) for m in [first, *again])
    incremental = all(full_reads(m.counts) == 0 and any(k.startswith("cdc ") for k in m.counts) for m in again)
    cpu_ok, reads_ok = median < CPU_TARGET, worst_reads <= limit
    print(f"\n{label}: {records} ours against the ledger's")
    print(f"  first (full read): cpu {first.cpu:5.2f} s (gc {first.gc:4.2f}), wall {first.wall:5.2f} s, "
          f"{reads(first.counts)} reads "
          f"[{describe(first.counts)}]")
    print(f"    outcome: {dict(sorted(first.outcome.items()))}")
    for n, m in enumerate(again, 1):
        print(f"  again #{n} (nothing changed): cpu {m.cpu:5.2f} s (gc {m.gc:4.2f}), wall {m.wall:5.2f} s, "
              f"{reads(m.counts)} reads "
              f"[{describe(m.counts)}]")
    print(f"  CPU median of {runs}: {median:.2f} s (target < {CPU_TARGET:g} s) {'PASS' if cpu_ok else 'FAIL'}")
    print(f"  reads per Compare: at most {worst_reads} (target <= {limit}) {'PASS' if reads_ok else 'FAIL'}")
    print(f"  repeated Compares incremental only (CDC, no paged queries): {'yes PASS' if incremental else 'no FAIL'}")
    if profile:
        prof = cProfile.Profile()
        measure(connection, option, counts, prof)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
        print("  profile of one more repeated Compare (cumulative):")
        print("\n".join("    " + line for line in out.getvalue().splitlines()[6:40]))
    return cpu_ok and reads_ok and incremental


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="repeated Compares after nothing changed")
    parser.add_argument("--profile", action="store_true", help="cProfile one more repeated Compare of each")
    args = parser.parse_args()

    work = Path(os.environ["FIELDBOOK_VAR"])
    proc, url = start_sandbox(work / "sandbox.json")
    saved = ledgers.transport_factory
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        org = demo.ensure_demo_org()
        fieldbook_books(org, args.customers, args.invoices)
        call_command("connect", "quickbooks", org=org.slug, local_sandbox=url, verbosity=0, stdout=io.StringIO())
        connection = Connection.objects.get(organisation=org, ledger="quickbooks")
        connection.mapping = suggest(connection, ledgers.connector_for(connection).reference_data())
        connection.save(update_fields=["mapping"])
        realm = connection.company_id
        seeded = seed_ledger(url, connection, realm)
        print(f"set-up {time.perf_counter() - started:.0f} s: Fieldbook {args.customers} customers, "
              f"{Job.objects.filter(organisation=org).qualifies_for_transfer().count()} closed flagged jobs; "
              f"ledger (QuickBooks sandbox, pid {proc.pid}, {url}) {seeded.customers} customers, "
              f"{seeded.invoices} invoices; links {dict(seeded.links or {})}")

        counts: Counter[str] = Counter()
        ledgers.transport_factory = lambda: CountingTransport(counts)
        ok = bench(connection, "customers", "Customers", args.customers, args.runs, counts, args.profile)
        ok = bench(connection, "jobs", "Invoices (Invoice Jobs)", args.invoices, args.runs, counts,
                   args.profile) and ok  # fmt: skip
    finally:
        ledgers.transport_factory = saved
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if OWN_VAR:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
