from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.urls import include, path

from fieldbook.core import preferences
from fieldbook.core import views as core_views


def _superusers_only(request: HttpRequest) -> bool:
    # The admin sees every organisation's rows: it is for the operators, not for members.
    return bool(request.user.is_active and request.user.is_superuser)


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]
admin.site.login_form = core_views.ThrottledAdminAuthenticationForm
admin.site.site_header = "Fieldbook operators"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("customers/", include("fieldbook.customers.urls")),
    path("catalogue/", include("fieldbook.catalogue.urls")),
    path("jobs/", include("fieldbook.jobs.urls")),
    path("contracts/", include("fieldbook.contracts.urls")),
    path("integration/", include("fieldbook.integration.urls")),
    path("admin/", admin.site.urls),
]
