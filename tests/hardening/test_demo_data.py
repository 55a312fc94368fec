"""`demo-data --org`: never makes the published demo login a member of someone else's organisation,
and validates slugs as the admin does (issue 18, Access control)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fieldbook.core.models import Membership, Organisation
from fieldbook.customers.models import Customer
from fieldbook.site.demo import DEMO_USER

pytestmark = pytest.mark.django_db


def demo_data(**opts):  # type: ignore[no-untyped-def]
    call_command("demo_data", customers=3, stdout=StringIO(), **opts)


def test_an_existing_organisation_is_refused(alice, org_a):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="already exists: pass --existing"):
        demo_data(org=org_a.slug)
    assert not Customer.objects.filter(organisation=org_a).exists()
    assert not Membership.objects.filter(organisation=org_a, user__username=DEMO_USER).exists()


def test_asked_explicitly_it_loads_records_but_grants_the_demo_login_nothing(alice, org_a):  # type: ignore[no-untyped-def]
    demo_data(org=org_a.slug, existing=True)
    assert Customer.objects.filter(organisation=org_a).count() == 3
    assert not Membership.objects.filter(organisation=org_a, user__username=DEMO_USER).exists()


def test_an_empty_existing_organisation_is_not_the_demo_logins_either(org_b):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="already exists"):
        demo_data(org=org_b.slug)
    demo_data(org=org_b.slug, existing=True)
    assert not Membership.objects.filter(organisation=org_b).exists()


def test_its_own_demo_organisation_is_created_and_reused(db):  # type: ignore[no-untyped-def]
    demo_data()
    demo_data(if_empty=True)  # what `make run` does every time
    org = Organisation.objects.get(slug="demo")
    assert Membership.objects.get(organisation=org).user.get_username() == DEMO_USER
    assert Membership.objects.filter(user__username=DEMO_USER).count() == 1


@pytest.mark.parametrize("slug", ["", "bad slug!", "<script>alert(1)</script>", "x" * 51])
def test_invalid_slugs_are_refused(db, slug):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="is not a valid organisation slug"):
        demo_data(org=slug)
    assert not Organisation.objects.exists()
