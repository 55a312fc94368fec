from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse

from fieldbook.customers.merge import merge_customers
from fieldbook.customers.models import Customer

pytestmark = pytest.mark.django_db


def make_customer(org, ref="C001", name="Acme Heating Ltd", **kw):  # type: ignore[no-untyped-def]
    return Customer.objects.create(organisation=org, account_ref=ref, name=name, **kw)


def test_every_page_needs_login(client, org_a):  # type: ignore[no-untyped-def]
    customer = make_customer(org_a)
    for url in (reverse("home"), reverse("customers:list"), reverse("customers:detail", args=[customer.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_create_customer_and_find_it(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.post(
        reverse("customers:create"),
        {"account_ref": "SMITH-01", "name": "  Siân   Smith  ", "email": "sian@example.co.uk", "integrate": "on",
         "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    customer = Customer.objects.get(organisation=org_a, account_ref="SMITH-01")
    assert customer.name == "Siân Smith" and customer.integrate and customer.version == 1
    listing = client_a.get(reverse("customers:list"), {"q": "siân"})
    assert "SMITH-01" in listing.content.decode()
    assert "SMITH-01" not in client_a.get(reverse("customers:list"), {"q": "nobody"}).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account_ref", "has space", "letters, digits or hyphens"),
        ("account_ref", "X" * 21, "at most 20"),
        ("email", "not-an-email", "valid email"),
        ("name", "   ", "This field is required"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_saved(client_a, org_a, field, value, message):  # type: ignore[no-untyped-def]
    data = {"account_ref": "OK-1", "name": "Fine Ltd", field: value}
    response = client_a.post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Customer.objects.filter(organisation=org_a).exists()


def test_account_ref_unique_per_organisation_only(client_a, org_a, org_b):  # type: ignore[no-untyped-def]
    make_customer(org_b, ref="SAME")
    assert client_a.post(reverse("customers:create"), {"account_ref": "SAME", "name": "A"}).status_code == 302
    response = client_a.post(reverse("customers:create"), {"account_ref": "same", "name": "B"})
    assert "already uses the account reference" in response.content.decode()


def test_form_edit_bumps_version(client_a, org_a):  # type: ignore[no-untyped-def]
    customer = make_customer(org_a)
    before = customer.updated_at
    client_a.post(reverse("customers:edit", args=[customer.pk]), {"account_ref": "C001", "name": "Renamed Ltd"})
    customer.refresh_from_db()
    assert customer.name == "Renamed Ltd" and customer.version == 2 and customer.updated_at > before


def test_deactivate_bumps_version(client_a, org_a):  # type: ignore[no-untyped-def]
    customer = make_customer(org_a)
    client_a.post(reverse("customers:deactivate", args=[customer.pk]), {"active": "0"})
    client_a.post(reverse("customers:deactivate", args=[customer.pk]), {"active": "0"})  # a double click
    customer.refresh_from_db()
    assert not customer.active and customer.version == 2


def test_a_merged_duplicate_cannot_be_reactivated(client_a, org_a):  # type: ignore[no-untyped-def]
    target, dupe = make_customer(org_a, "T"), make_customer(org_a, "D")
    merge_customers(target, [dupe])
    response = client_a.post(reverse("customers:deactivate", args=[dupe.pk]), {"active": "1"}, follow=True)
    assert "stays inactive" in response.content.decode()
    response = client_a.post(reverse("customers:edit", args=[dupe.pk]), {"account_ref": "D", "name": "D",
                                                                          "active": "on"})  # fmt: skip
    assert "stays inactive" in response.content.decode()
    dupe.refresh_from_db()
    assert not dupe.active


def test_bulk_action_bumps_version(client_a, org_a):  # type: ignore[no-untyped-def]
    a, b = make_customer(org_a, "A1"), make_customer(org_a, "B1")
    client_a.post(reverse("customers:bulk"), {"action": "integrate_off", "selected": [a.pk, b.pk]})
    for c in (a, b):
        c.refresh_from_db()
        assert not c.integrate and c.version == 2


def test_admin_save_bumps_version(org_a, rf, admin_user):  # type: ignore[no-untyped-def]
    customer = make_customer(org_a)
    model_admin = site._registry[Customer]
    customer.name = "Changed in admin"
    request = rf.post("/admin/")
    request.user = admin_user
    model_admin.save_model(request, customer, form=None, change=True)
    customer.refresh_from_db()
    assert customer.version == 2


def test_admin_is_for_superusers_only(client_a, alice, admin_client):  # type: ignore[no-untyped-def]
    alice.is_staff = True  # staff status alone would let stock Django's admin in
    alice.save()
    assert client_a.get("/admin/").status_code == 302  # a member, even a staff one, is sent to log in
    assert admin_client.get("/admin/").status_code == 200


def test_admin_login_is_rate_limited_too(admin_user, settings):  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.LOGIN_MAX_ATTEMPTS):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_a_valid_login_does_not_reset_the_address_count(alice, bob, settings):  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.LOGIN_MAX_ATTEMPTS - 1):
        client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "alice", "password": "correct horse battery"}).status_code == 302
    client.logout()
    client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "bob", "password": "correct horse battery"})
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_merge_moves_everything_and_keeps_duplicates(client_a, org_a):  # type: ignore[no-untyped-def]
    target, dupe1, dupe2 = make_customer(org_a, "T"), make_customer(org_a, "D1"), make_customer(org_a, "D2")
    prefill = client_a.post(reverse("customers:merge"), {"selected": [dupe1.pk, dupe2.pk]})  # from the list
    assert prefill.status_code == 200 and not prefill.context["form"].is_bound
    response = client_a.post(reverse("customers:merge"), {"target": target.pk, "duplicates": [dupe1.pk, dupe2.pk]})
    assert response.status_code == 302
    for d in (dupe1, dupe2):
        d.refresh_from_db()
        assert d.merged_into == target and not d.active and d.version == 2
    target.refresh_from_db()
    assert target.version == 2 and Customer.objects.filter(organisation=org_a).count() == 3


def test_merge_refuses_target_among_duplicates(client_a, org_a):  # type: ignore[no-untyped-def]
    target = make_customer(org_a, "T")
    response = client_a.post(reverse("customers:merge"), {"target": target.pk, "duplicates": [target.pk]})
    assert response.status_code == 200 and "cannot also be one of the duplicates" in response.content.decode()


def test_merge_refuses_other_organisations(org_a, org_b):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="different organisations"):
        merge_customers(make_customer(org_a, "T"), [make_customer(org_b, "X")])


def test_customer_list_pages(client_a, org_a):  # type: ignore[no-untyped-def]
    Customer.objects.bulk_create(
        [Customer(organisation=org_a, account_ref=f"P{i:03d}", name=f"Page {i:03d}") for i in range(120)]
    )
    page1 = client_a.get(reverse("customers:list"))
    assert page1.context["paginator"].num_pages == 3 and len(page1.context["object_list"]) == 50


def test_login_is_rate_limited(alice, settings):  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.LOGIN_MAX_ATTEMPTS):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery"})
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_works_and_passwords_are_hashed(settings, org_a):  # type: ignore[no-untyped-def]
    from django.conf import global_settings

    from tests.conftest import _member

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # Django's default: PBKDF2
    alice = _member(org_a, "alice")
    client = Client(enforce_csrf_checks=False)
    response = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert alice.password.startswith("pbkdf2_sha256$")


def test_post_without_csrf_token_is_refused(alice, org_a):  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("customers:create"), {"account_ref": "X", "name": "Y"})
    assert response.status_code == 403 and not Customer.objects.exists()
