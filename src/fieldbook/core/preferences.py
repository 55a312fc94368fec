"""Company preferences (the user's guide, NOTES): whether the two invoice flags, Ready for Invoice
and Transfer to Accounts, are set as soon as a job is closed or a contract invoice is generated
"depending upon your company preferences". Everyone sees them; only an admin changes them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fieldbook.core.models import Organisation
from fieldbook.core.tenancy import current_organisation, is_admin


class PreferencesForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = ["flag_jobs_on_close", "flag_service_invoices_on_generate"]
        help_texts = {
            "flag_jobs_on_close": "Closed jobs are then picked up by the next Invoice Jobs transfer. When off, "
            "set the flags yourself with Set Flags on Closed Jobs.",
            "flag_service_invoices_on_generate": "Generated service invoices are then picked up by the next "
            "Service Contracts transfer. When off, set the flags with Set Flags on Service Invoices.",
        }


def preferences(request: HttpRequest) -> HttpResponse:
    org = current_organisation(request)
    admin = is_admin(request)
    if request.method == "POST":
        if not admin:
            raise PermissionDenied("Only an admin can change the company preferences.")
        form = PreferencesForm(request.POST, instance=org)
        if form.is_valid():
            form.save()
            messages.success(request, "Preferences saved.")
            return redirect("preferences")
    else:
        form = PreferencesForm(instance=org)
    if not admin:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "core/preferences.html", {"form": form, "can_edit": admin})
