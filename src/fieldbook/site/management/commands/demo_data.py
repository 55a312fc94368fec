from __future__ import annotations

import argparse
import random
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldbook.catalogue.demo import make_items, make_tax_codes
from fieldbook.contracts import billing
from fieldbook.contracts.demo import generate_recent, make_contracts
from fieldbook.core import bounds
from fieldbook.customers.models import Customer
from fieldbook.jobs.demo import make_jobs
from fieldbook.site import demo


class Command(BaseCommand):
    help = "Load deterministic demo data (a demo organisation and login, customers, jobs, contracts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=40)
        parser.add_argument("--jobs", type=int, default=0)
        parser.add_argument("--contracts", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--org", default=demo.DEMO_ORG, help="organisation slug (created when missing)")
        parser.add_argument(
            "--existing", action="store_true",
            help="add demo records to an organisation that already exists (the demo login gets no access to it)",
        )  # fmt: skip
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the organisation has data")
        parser.add_argument(
            "--as-of", type=_as_of, default=None,
            help="the day the books are 'today' (YYYY-MM-DD; default: today in the organisation's time zone)",
        )  # fmt: skip

    def handle(self, *args: Any, **opts: Any) -> None:
        if isinstance(opts["as_of"], str):  # call_command(as_of="2026-06-30") skips the argument parser
            try:
                opts["as_of"] = _as_of(opts["as_of"])
            except argparse.ArgumentTypeError as exc:
                raise CommandError(str(exc)) from None
        try:
            org, own = demo.demo_org_for(opts["org"], existing=opts["existing"])
        except demo.DemoRefused as exc:
            raise CommandError(str(exc)) from None
        if own:
            demo.ensure_demo_user(org)
        if opts["if_empty"] and Customer.objects.filter(organisation=org).exists():
            self.stdout.write("Demo data already present; nothing loaded.")
            return
        rng = random.Random(opts["seed"])
        customers = demo.make_customers(org, opts["customers"], rng)
        self.stdout.write(f"Loaded {len(customers)} customers into {org.slug}.")
        if not (opts["jobs"] or opts["contracts"]):
            return
        as_of = opts["as_of"] or billing.local_today(org)
        codes = make_tax_codes(org)
        items = make_items(org, codes)
        ids = list(Customer.objects.filter(organisation=org, active=True).order_by("id").values_list("id", flat=True))
        jobs = make_jobs(org, opts["jobs"], rng, ids, items, codes, as_of)
        contracts = make_contracts(org, opts["contracts"], rng, ids, codes, as_of)
        invoices = generate_recent(org, as_of) if contracts else 0
        self.stdout.write(f"Loaded {jobs} jobs, {contracts} service contracts and {invoices} service invoices.")


def _as_of(text: str) -> date:
    """A date the books can be 'today' on, or an error that names the range (never a traceback)."""
    try:
        value = date.fromisoformat(str(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD.") from None
    if message := bounds.date_error(value):
        raise argparse.ArgumentTypeError(message)
    return value
