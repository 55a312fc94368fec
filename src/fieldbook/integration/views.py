from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fieldbook.connectors.errors import LedgerError
from fieldbook.core.tenancy import current_organisation, is_admin
from fieldbook.integration import connect as connecting
from fieldbook.integration.forms import ConnectionSettingsForm
from fieldbook.integration.models import Connection, Ledger

LEDGERS_AVAILABLE = ("quickbooks",)  # Xero and Sage join through their own issues


def _host(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _ledger(ledger: str) -> str:
    if ledger not in LEDGERS_AVAILABLE:
        raise Http404("No such ledger")
    return ledger


def get_connection(request: HttpRequest, ledger: str) -> Connection:
    org = current_organisation(request)
    connection, _ = Connection.objects.select_related("organisation").get_or_create(
        organisation=org, ledger=_ledger(ledger)
    )
    return connection


def index(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    connections = {c.ledger: c for c in Connection.objects.filter(organisation=org)}
    ledgers = [(value, label, connections.get(value)) for value, label in Ledger.choices if value in LEDGERS_AVAILABLE]
    return render(request, "integration/index.html", {"ledgers": ledgers})


def settings_view(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    form = ConnectionSettingsForm(request.POST or None, instance=connection, ledger=ledger)
    if request.method == "POST":
        if not is_admin(request):
            messages.error(request, "Only an administrator can change the ledger settings.")
        elif form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("integration:settings", ledger=ledger)
    context = {
        "connection": connection, "form": form, "ledger": ledger,
        "redirect_uri": connecting.connector_for(connection, _host(request)).settings.redirect_uri,
    }  # fmt: skip
    return render(request, "integration/settings.html", context)


@require_POST
def connect_view(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    if not connection.client_id or not connection.client_secret:
        messages.error(request, "Enter your app's client id and secret in Settings first.")
        return redirect("integration:settings", ledger=ledger)
    url, state = connecting.start(connection, _host(request))
    request.session[f"oauth_state:{ledger}"] = state
    return redirect(url)


def callback(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    state = request.session.pop(f"oauth_state:{ledger}", None)  # works once
    if request.GET.get("error"):
        messages.error(request, "The ledger did not grant access (you may have pressed Cancel). Try Connect again.")
    elif not state:
        messages.error(request, "This sign-in reply was not expected. Start Connect again from Settings.")
    else:
        try:
            info = connecting.finish(connection, request.build_absolute_uri(), state, _host(request))
        except (LedgerError, connecting.ConnectRefused) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, f"Connected to {info.name} ({info.home_currency}).")
    return redirect("integration:settings", ledger=ledger)


@require_POST
def disconnect(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    if not is_admin(request):
        messages.error(request, "Only an administrator can disconnect a ledger.")
    else:
        connecting._disconnect(connection, "Disconnected by a user.")
        messages.success(request, "Disconnected. Links to ledger records are kept for when you reconnect.")
    return redirect("integration:settings", ledger=ledger)
