"""Login required everywhere (Django's LoginRequiredMiddleware) and the current organisation."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fieldbook.core.models import Membership


class LoginRequiredMiddleware(_LoginRequired):
    pass


class OrganisationMiddleware:
    """Sets request.organisation and request.membership from the session's chosen organisation
    (or the user's first). A logged-in user with no membership sees no data at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organisation = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = Membership.objects.select_related("organisation").filter(user=request.user)
            chosen = request.session.get("organisation_id")
            membership = None
            if chosen:
                membership = memberships.filter(organisation_id=chosen).first()
            if membership is None:
                membership = memberships.order_by("organisation__name").first()
            if membership is not None:
                request.organisation = membership.organisation  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                # Times on every page in the organisation's zone, as its date filters use.
                timezone.activate(membership.organisation.tzinfo)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
