"""Company preferences (the user's guide: flags are set "as soon as a Job is closed or a Contract
Invoice is generated (depending upon your company preferences)")."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from fieldbook.contracts.models import ServiceInvoice
from tests.web.isolation.catalogue import make_contract, make_job

pytestmark = pytest.mark.django_db
PREFS = reverse("preferences")


def close(client, job):  # type: ignore[no-untyped-def]
    assert client.post(reverse("jobs:close", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    return job


def generate(client):  # type: ignore[no-untyped-def]
    client.post(reverse("contracts:generate"), {"period_from": "2026-01-01", "period_to": "2026-01-31"})
    return ServiceInvoice.objects.get()


def test_preferences_decide_whether_closing_and_generating_set_the_two_flags(client_a, org_a):  # type: ignore[no-untyped-def]
    page = client_a.get(PREFS).content.decode()
    assert "Set invoice flags when a job is closed" in page and "Save preferences" in page
    assert client_a.post(PREFS, {}).status_code == 302  # both unticked
    org_a.refresh_from_db()
    assert not org_a.flag_jobs_on_close and not org_a.flag_service_invoices_on_generate

    job = close(client_a, make_job(org_a))
    assert job.is_closed and not job.ready_for_invoice and not job.transfer_to_accounts
    make_contract(org_a, start=date(2026, 1, 1))
    invoice = generate(client_a)
    assert not invoice.ready_for_invoice and not invoice.transfer_to_accounts

    client_a.post(PREFS, {"flag_jobs_on_close": "on", "flag_service_invoices_on_generate": "on"})
    job = close(client_a, make_job(org_a))
    assert job.ready_for_invoice and job.transfer_to_accounts


def test_only_an_admin_changes_the_preferences(client, bob, org_a):  # type: ignore[no-untyped-def]
    client.force_login(bob)
    page = client.get(PREFS).content.decode()
    assert "Only an admin can change the preferences." in page and "disabled" in page
    assert client.post(PREFS, {}).status_code == 403
    org_a.refresh_from_db()
    assert org_a.flag_jobs_on_close and org_a.flag_service_invoices_on_generate


def test_preferences_are_per_organisation(client_b, org_a, org_b):  # type: ignore[no-untyped-def]
    client_b.post(PREFS, {})
    org_a.refresh_from_db()
    org_b.refresh_from_db()
    assert org_a.flag_jobs_on_close and not org_b.flag_jobs_on_close
