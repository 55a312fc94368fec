from __future__ import annotations

from django.urls import reverse

from fieldbook.customers.models import Customer


def customer(org):  # type: ignore[no-untyped-def]
    row = Customer.objects.create(organisation=org, account_ref="ISO-1", name="Isolated Alpha Customer")
    return row, {"pk": row.pk}


def customer_list_marker(org):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org, account_ref="ISO-LIST", name="Zanzibar Alpha Secret")
    return "Zanzibar Alpha Secret"


def _unchanged(row: Customer) -> None:
    fresh = Customer.objects.get(pk=row.pk)
    assert (fresh.version, fresh.active, fresh.integrate, fresh.merged_into_id) == (1, True, True, None)


def bulk_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    row, _ = customer(org_a)
    client_b.post(reverse("customers:bulk"), {"action": "deactivate", "selected": [row.pk]})
    _unchanged(row)


def merge_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    row, _ = customer(org_a)
    response = client_b.post(reverse("customers:merge"), {"target": row.pk, "duplicates": [row.pk]})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    _unchanged(row)


def create_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    # The form has no foreign keys; the organisation always comes from the session, never the POST.
    client_b.post(
        reverse("customers:create"), {"account_ref": "X1", "name": "Posted", "organisation": org_a.pk}
    )
    assert not Customer.objects.filter(organisation=org_a).exists()


OBJECTS = {
    "customers:detail": (customer, ("GET",)),
    "customers:edit": (customer, ("GET", "POST")),
    "customers:deactivate": (customer, ("POST",)),
}
LISTS = {"customers:list": customer_list_marker}
FOREIGN_POSTS = {
    "customers:bulk": bulk_foreign,
    "customers:merge": merge_foreign,
    "customers:create": create_foreign,
}
