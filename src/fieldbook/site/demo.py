"""Deterministic demo data: the same seed gives the same books, on any machine."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from fieldbook.core.models import Membership, Organisation
from fieldbook.customers.models import Customer

DEMO_USER = "demo"
DEMO_ORG = "demo"
DEMO_PASSWORD = "fieldbook-demo"  # printed by `make run`; a demo login, not a secret

FIRST = ["Amelia", "Oliver", "Siân", "Zoë", "Łukasz", "Aoife", "Rhys", "Chloé", "Mohammed", "Ingrid", "Niamh",
         "Jürgen", "Priya", "Tomás", "Eilidh", "Kwame"]  # fmt: skip
LAST = ["Smith", "O'Brien", "Jones", "Williams", "Nguyen", "Müller", "Ó Súilleabháin", "Patel", "Davies",
        "Kowalski", "Brown", "Evans", "MacLeod", "Dubois"]  # fmt: skip
TRADES = ["Plumbing", "Heating", "Facilities", "Property Services", "Estates", "Lettings", "Care Home",
          "Dental Practice", "School", "Hotel", "Café & Bistro", "Garage"]  # fmt: skip
SUFFIX = ["Ltd", "Limited", "& Sons", "LLP", "plc", ""]
TOWNS = [("Leeds", "LS1 4AP"), ("Cardiff", "CF10 1EP"), ("Glasgow", "G1 1XQ"), ("Bristol", "BS1 5TR"),
         ("Belfast", "BT1 5GS"), ("Norwich", "NR2 1NH"), ("York", "YO1 7HH"), ("Ystradgynlais", "SA9 1JJ")]  # fmt: skip
STREETS = ["High Street", "Station Road", "Church Lane", "Heol y Castell", "Mill Road", "Queen's Parade"]


def customer_name(rng: random.Random, i: int) -> str:
    if i % 97 == 0:  # a few very long names: they must survive every ledger's length rules
        return (f"{rng.choice(LAST)} {rng.choice(TRADES)} and Building Maintenance Services for the "
                f"North West Region Partnership Number {i}")  # fmt: skip
    if i % 5 == 0:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return " ".join(p for p in (rng.choice(LAST), rng.choice(TRADES), rng.choice(SUFFIX)) if p)


class DemoRefused(Exception):
    """demo-data will not touch this organisation (bad slug, or someone else's organisation)."""


def ensure_demo_org(slug: str = DEMO_ORG, name: str = "Demo Field Services Ltd") -> Organisation:
    org, _ = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name, "home_currency": "GBP", "timezone": "Europe/London"}
    )
    return org


def _others_are_members(org: Organisation) -> bool:
    return Membership.objects.filter(organisation=org).exclude(user__username=DEMO_USER).exists()


def demo_org_for(slug: str, existing: bool = False) -> tuple[Organisation, bool]:
    """The organisation demo-data loads into, and whether it is the demo login's own. A new one is
    created (its slug checked as the admin checks it); an existing one is refused unless
    `existing` is asked for, except the demo login's own (it is a member, nobody else is)."""
    try:
        Organisation._meta.get_field("slug").clean(slug, None)
    except ValidationError as exc:
        raise DemoRefused(f"{slug!r} is not a valid organisation slug: {' '.join(exc.messages)}") from None
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        return ensure_demo_org(slug), True
    own = not _others_are_members(org) and org.memberships.filter(user__username=DEMO_USER).exists()
    if not (own or existing):
        raise DemoRefused(f"The organisation {slug} already exists: pass --existing to add demo records to it "
                          "(the demo login gets no access to it).")  # fmt: skip
    return org, own


def ensure_demo_user(org: Organisation) -> None:
    """The published demo login (a known password): call only for the demo login's own organisation."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=DEMO_USER, defaults={"first_name": "Demo"})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": Membership.Role.ADMIN})


def make_customers(org: Organisation, count: int, rng: random.Random, batch: int = 2000) -> list[Customer]:
    start = Customer.objects.filter(organisation=org).count()
    rows = []
    for n in range(start + 1, start + count + 1):
        name = customer_name(rng, n)
        town, postcode = rng.choice(TOWNS)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            Customer(
                organisation=org,
                account_ref=f"C{n:05d}",
                name=name[:200],
                contact_first_name=first,
                contact_last_name=last,
                email=f"accounts{n}@example.co.uk" if n % 7 else "",
                phone=f"01{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                address_line1=f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
                city=town,
                postcode=postcode,
                country="United Kingdom",
                tax_number=f"GB{rng.randint(100000000, 999999999)}" if n % 3 == 0 else "",
                integrate=n % 11 != 0,
            )
        )
    with transaction.atomic():
        return Customer.objects.bulk_create(rows, batch_size=batch)
