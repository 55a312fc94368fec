from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator

from fieldbook.core import ratelimit


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


LOCKED = "Too many failed sign-in attempts. Wait a few minutes and try again."


class ThrottleMixin:
    """Sign-in throttling for any AuthenticationForm (ours and the admin's)."""

    data: Any
    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        address = _client_address(self.request) if self.request else ""
        if ratelimit.pair_locked(username, address):
            raise ValidationError(LOCKED, code="locked")
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            throttled = ratelimit.address_throttled(address)
            ratelimit.record_failure(username, address)
            if throttled:
                raise ValidationError(LOCKED, code="locked") from None
            raise
        ratelimit.clear_pair(username, address)
        return cleaned


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    pass


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")
