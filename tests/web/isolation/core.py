from __future__ import annotations

ALLOWED = {"login", "logout", "admin:*"}


def _home_marker(org):  # type: ignore[no-untyped-def]
    return org.name


LISTS = {"home": _home_marker}


def preferences_foreign(client_b, org_a):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    client_b.post(reverse("preferences"), {})  # B's own preferences: never A's
    org_a.refresh_from_db()
    assert org_a.flag_jobs_on_close and org_a.flag_service_invoices_on_generate


FOREIGN_POSTS = {"preferences": preferences_foreign}
