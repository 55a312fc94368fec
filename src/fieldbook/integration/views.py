from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fieldbook.catalogue.models import TaxCode
from fieldbook.connectors import registry
from fieldbook.connectors.errors import LedgerError
from fieldbook.connectors.limiter import Throttled
from fieldbook.connectors.records import ReferenceData
from fieldbook.core.tenancy import current_organisation, is_admin
from fieldbook.integration import connect as connecting
from fieldbook.integration import ledgers, mapping, reference
from fieldbook.integration.forms import ConnectionSettingsForm, MappingForm
from fieldbook.integration.models import Connection


def _host(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _ledger(ledger: str) -> str:
    if ledger not in ledgers.available_ledgers():
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
    available = ledgers.available_ledgers()
    rows = [(value, label, connections.get(value)) for value, label in registry.ledger_choices() if value in available]
    return render(request, "integration/index.html", {"ledgers": rows})


def settings_view(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    posted = request.method == "POST"
    saving_mapping = posted and "save_mapping" in request.POST
    refreshing = posted and "refresh_reference" in request.POST
    form = ConnectionSettingsForm(request.POST if posted and not (saving_mapping or refreshing) else None,
                                  instance=connection, ledger=ledger)  # fmt: skip
    if posted and not is_admin(request):
        messages.error(request, "Only an administrator can change the ledger settings.")
        return redirect("integration:settings", ledger=ledger)
    if refreshing:
        if connection.is_connected:
            return _refresh_reference(request, connection, ledger)
        return redirect("integration:settings", ledger=ledger)
    if posted and not saving_mapping and form.is_valid():  # the credentials form
        form.save()
        messages.success(request, form.saved_message)
        return redirect("integration:settings", ledger=ledger)
    context: dict[str, Any] = {
        "connection": connection, "form": form, "ledger": ledger,
        "redirect_uri": ledgers.redirect_uri(connection, _host(request)),
    }  # fmt: skip
    if connection.is_connected:
        # The lists as read at Connect or on "Refresh from ledger": a page load never asks the
        # ledger (issue 10 §1), so it never waits on its limits.
        ref, read_at = reference.stored(connection)
        context.update(reference_read_at=read_at)
        if ref is not None:
            mapping_form = _mapping_form(connection, ref, request.POST if saving_mapping else None)
            if saving_mapping and mapping_form.is_valid():
                connection.mapping = {**(connection.mapping or {}), **mapping_form.mapping()}
                connection.save(update_fields=["mapping"])
                messages.success(request, "Mapping saved.")
                return redirect("integration:settings", ledger=ledger)
            context.update(mapping_form=mapping_form, mapping_problems=mapping.problems(connection, ref))
    return render(request, "integration/settings.html", context)


def _refresh_reference(request: HttpRequest, connection: Connection, ledger: str) -> HttpResponse:
    """"Refresh from ledger": read the lists now. A throttle answers at once (nothing waits)."""
    try:
        reference.refresh(connection, _host(request))
    except Throttled as exc:
        messages.error(request, f"{exc.message} The lists below are the ones read before; {_later(exc)}")
    except LedgerError as exc:
        messages.error(request, f"Could not read the ledger's lists: {exc.message} {exc.fix}".strip())
    else:
        messages.success(request, "Tax codes, items, accounts and terms read from the ledger.")
    return redirect("integration:settings", ledger=ledger)


def _later(exc: Throttled) -> str:
    seconds = max(1, round(exc.retry_after or 1))
    return f"press Refresh from ledger again in {seconds} s."


def _mapping_form(connection: Connection, ref: ReferenceData, data: Any) -> MappingForm:
    current = connection.mapping or {}
    initial = {f"tax_{k}": v for k, v in current.get("tax_codes", {}).items()}
    initial.update(default_item=current.get("default_item", ""), payment_terms=current.get("payment_terms", ""))
    return MappingForm(
        data, initial=initial,
        our_tax_codes=[(t.code, str(t)) for t in TaxCode.objects.filter(organisation=connection.organisation,
                                                                        active=True)],
        ledger_tax_codes=[(c.ledger_id, f"{c.name} ({c.rate.normalize():f} %)") for c in ref.tax_codes if c.active],
        ledger_items=[(i.ledger_id, i.name) for i in ref.items if i.active],
        ledger_terms=[(t.ledger_id, t.name) for t in ref.terms],
    )  # fmt: skip


ADMIN_ONLY = "Only an administrator can connect or disconnect a ledger."


@require_POST
def connect_view(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    if not is_admin(request):
        messages.error(request, ADMIN_ONLY)
        return redirect("integration:settings", ledger=ledger)
    cand = connecting.candidate(connection)
    if not cand.client_id or not cand.client_secret:
        messages.error(request, "Enter your app's client id and secret in Settings first.")
        return redirect("integration:settings", ledger=ledger)
    try:
        url, state = connecting.start(connection, _host(request))
    except connecting.ConnectRefused as exc:
        messages.error(request, exc.message)
        return redirect("integration:settings", ledger=ledger)
    request.session[f"oauth_state:{ledger}"] = state
    return redirect(url)


def callback(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    if not is_admin(request):  # the reply finishes a Connect: as admin-only as starting one
        messages.error(request, ADMIN_ONLY)
        return redirect("integration:settings", ledger=ledger)
    state = request.session.pop(f"oauth_state:{ledger}", None)  # works once
    if request.GET.get("error"):
        messages.error(request, "The ledger did not grant access (you may have pressed Cancel). Try Connect again.")
    elif not state:
        messages.error(request, "This sign-in reply was not expected. Start Connect again from Settings.")
    else:
        try:
            info = connecting.finish(connection, request.build_absolute_uri(), state, _host(request))
        except connecting.ConnectRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Connected to {info.name} ({info.home_currency}).")
    return redirect("integration:settings", ledger=ledger)


@require_POST
def disconnect(request: HttpRequest, ledger: str) -> HttpResponse:
    connection = get_connection(request, ledger)
    if not is_admin(request):
        messages.error(request, ADMIN_ONLY)
    else:
        connecting.disconnect(connection, "Disconnected by a user.")
        messages.success(request, "Disconnected. Links to ledger records are kept for when you reconnect.")
    return redirect("integration:settings", ledger=ledger)
