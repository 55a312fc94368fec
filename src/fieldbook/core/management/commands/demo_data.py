from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldbook.core import demo
from fieldbook.customers.models import Customer


class Command(BaseCommand):
    help = "Load deterministic demo data (a demo organisation and login, customers, jobs, contracts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=40)
        parser.add_argument("--jobs", type=int, default=0)
        parser.add_argument("--contracts", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--org", default="demo", help="organisation slug (created when missing)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the organisation has data")

    def handle(self, *args: Any, **opts: Any) -> None:
        org = demo.ensure_demo_org(opts["org"])
        demo.ensure_demo_user(org)
        if opts["if_empty"] and Customer.objects.filter(organisation=org).exists():
            self.stdout.write("Demo data already present; nothing loaded.")
            return
        rng = random.Random(opts["seed"])
        customers = demo.make_customers(org, opts["customers"], rng)
        self.stdout.write(f"Loaded {len(customers)} customers into {org.slug}.")
