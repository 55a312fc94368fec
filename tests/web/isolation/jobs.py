from __future__ import annotations

from django.urls import reverse

from fieldbook.jobs.models import Job
from tests.web.isolation.catalogue import make_customer, make_job, tax_codes


def open_job(org):  # type: ignore[no-untyped-def]
    row = make_job(org)
    return row, {"pk": row.pk}


def closed_job(org):  # type: ignore[no-untyped-def]
    row = make_job(org, closed=True, flagged=False)
    return row, {"pk": row.pk}


def job_list_marker(org):  # type: ignore[no-untyped-def]
    make_job(org, customer=make_customer(org, "ZZ", "Zanzibar Alpha Job Customer"))
    return "Zanzibar Alpha Job Customer"


def closed_list_marker(org):  # type: ignore[no-untyped-def]
    make_job(org, customer=make_customer(org, "ZZ", "Zanzibar Alpha Closed"), closed=True)
    return "Zanzibar Alpha Closed"


def create_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    customer, code = make_customer(org_a), tax_codes(org_a)["VAT20"]
    response = client_b.post(reverse("jobs:create"), {
        "customer": customer.pk, "organisation": org_a.pk,
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-kind": "labour", "lines-0-description": "x", "lines-0-quantity": "1", "lines-0-unit_price": "1",
        "lines-0-tax_code": code.pk,
    })  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors["customer"] + response.context["lines"].forms[0].errors["tax_code"]
    assert all("Select a valid choice" in e for e in errors) and len(errors) == 2
    assert not Job.objects.exists()


def set_flags_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    job = make_job(org_a, closed=True)
    client_b.post(reverse("jobs:set_flags"), {"selected": [job.pk], "ready_for_invoice": "on",
                                              "transfer_to_accounts": "on"})  # fmt: skip
    job.refresh_from_db()
    assert (job.ready_for_invoice, job.transfer_to_accounts, job.version) == (False, False, 1)


OBJECTS = {
    "jobs:detail": (open_job, ("GET",)),
    "jobs:edit": (open_job, ("GET", "POST")),
    "jobs:close": (open_job, ("POST",)),
    "jobs:reopen": (closed_job, ("POST",)),
}
LISTS = {"jobs:list": job_list_marker, "jobs:closed": closed_list_marker}
FOREIGN_POSTS = {"jobs:create": create_foreign, "jobs:set_flags": set_flags_foreign}
