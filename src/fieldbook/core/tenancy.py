"""Every query is scoped to the current organisation: views get their rows only through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest

from fieldbook.core.models import Membership, Organisation


def current_organisation(request: HttpRequest) -> Organisation:
    org = getattr(request, "organisation", None)
    if org is None:
        raise PermissionDenied("You are not a member of any organisation.")
    return org


def is_admin(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.role == Membership.Role.ADMIN)


class OrgScopedMixin:
    """For class-based views: the queryset is the model's rows of the user's organisation, so a
    foreign id simply does not exist (404), whatever the view does with it."""

    model: type[models.Model]
    request: HttpRequest

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(organisation=current_organisation(self.request))

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["organisation"] = current_organisation(self.request)
        return kwargs
