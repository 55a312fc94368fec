"""Closed Jobs: filter by date (local to the organisation), customer and flags; Set Flags in bulk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from fieldbook.jobs.models import Job
from tests.web.isolation.catalogue import make_customer, make_job

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [job.number for job in response.context["object_list"]]


def test_date_filter_uses_the_organisations_local_day(client_a, org_a):  # type: ignore[no-untyped-def]
    late = make_job(org_a, closed=True)  # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST)
    Job.objects.filter(pk=late.pk).update(closed_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    early = make_job(org_a, closed=True)
    Job.objects.filter(pk=early.pk).update(closed_at=datetime(2026, 6, 30, 22, 59, tzinfo=UTC))
    url = reverse("jobs:closed")
    assert numbers(client_a.get(url, {"closed_from": "2026-07-01", "closed_to": "2026-07-01"})) == [late.number]
    assert numbers(client_a.get(url, {"closed_from": "2026-06-30", "closed_to": "2026-06-30"})) == [early.number]


def test_filter_by_customer_and_flags_and_only_closed_jobs_shown(client_a, org_a):  # type: ignore[no-untyped-def]
    zoe = make_customer(org_a, "Z1", "Zoë Müller")
    flagged = make_job(org_a, customer=zoe, closed=True, flagged=True)
    unflagged = make_job(org_a, customer=zoe, closed=True)
    other = make_job(org_a, closed=True)
    make_job(org_a, customer=zoe)  # open: never on Closed Jobs
    url = reverse("jobs:closed")
    assert set(numbers(client_a.get(url))) == {flagged.number, unflagged.number, other.number}
    assert set(numbers(client_a.get(url, {"customer": "müller"}))) == {flagged.number, unflagged.number}
    assert numbers(client_a.get(url, {"customer": "Z1", "flags": "set"})) == [flagged.number]
    assert set(numbers(client_a.get(url, {"flags": "unset"}))) == {unflagged.number, other.number}


def test_bad_filter_is_explained(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.get(reverse("jobs:closed"), {"closed_from": "2026-07-02", "closed_to": "2026-07-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_set_flags_ticks_both_in_one_go_and_bumps_versions(client_a, org_a):  # type: ignore[no-untyped-def]
    a, b, c = (make_job(org_a, closed=True) for _ in range(3))
    before = a.updated_at
    response = client_a.post(reverse("jobs:set_flags"), {
        "selected": [a.pk, b.pk], "ready_for_invoice": "on", "transfer_to_accounts": "on", "flags": "unset",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("jobs:closed") + "?flags=unset"
    for job in (a, b):
        job.refresh_from_db()
        assert job.ready_for_invoice and job.transfer_to_accounts and job.version == 2 and job.updated_at > before
    c.refresh_from_db()
    assert not c.ready_for_invoice and c.version == 1
    assert set(Job.objects.qualifies_for_transfer()) == {a, b}


def test_set_flags_unticks_and_ignores_open_jobs(client_a, org_a):  # type: ignore[no-untyped-def]
    closed = make_job(org_a, closed=True, flagged=True)
    open_job = make_job(org_a, flagged=True)
    client_a.post(reverse("jobs:set_flags"), {"selected": [closed.pk, open_job.pk], "ready_for_invoice": "on"})
    closed.refresh_from_db()
    open_job.refresh_from_db()
    assert closed.ready_for_invoice and not closed.transfer_to_accounts and closed.version == 2
    assert open_job.transfer_to_accounts and open_job.version == 1


def test_set_flags_needs_a_selection(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.post(reverse("jobs:set_flags"), {"ready_for_invoice": "on"}, follow=True)
    assert "Select at least one closed job" in response.content.decode()


def test_closed_jobs_page_query_count_is_flat(client_a, org_a, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    for _ in range(15):
        make_job(org_a, closed=True, lines=[("1", "5", "VAT20"), ("2", "7", "VAT5")])
    with django_assert_max_num_queries(12):
        response = client_a.get(reverse("jobs:closed"))
    assert len(response.context["object_list"]) == 15
