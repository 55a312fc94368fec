"""Correcting service invoices (issue 11): Edit (lines, dates, memo) before and after transfer, and
Void. Generate never makes a second invoice for a period, so a wrong or refused invoice is put
right here. An invoice a ledger already has is flagged again by an edit (Compare shows an
Update) and by a void (Compare offers to void it in the ledger, which happens only when the user
ticks it there); one no ledger has is simply changed, or voided, in Fieldbook."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fieldbook.catalogue.lines import BaseLineFormSet
from fieldbook.contracts.forms import ServiceInvoiceForm, ServiceInvoiceLineFormSet
from fieldbook.contracts.models import ServiceInvoice
from fieldbook.core.tenancy import current_organisation, is_admin


class Refused(Exception):
    """The invoice's state does not allow this; the message is for the user."""


def save_invoice(form: ServiceInvoiceForm, lines: BaseLineFormSet) -> ServiceInvoice:
    """Dates, memo and lines in one transaction; a transferred invoice is flagged for an Update."""
    with transaction.atomic():
        invoice = ServiceInvoice.objects.select_for_update().get(pk=form.instance.pk)
        if invoice.is_voided:
            raise Refused(f"Service invoice {invoice.number} is voided: it can no longer be changed.")
        edited: ServiceInvoice = form.save(commit=False)
        if form.has_changed() or lines.has_changed():
            edited.reflag_if_transferred()
            try:
                with transaction.atomic():
                    edited.save()
            except IntegrityError:
                raise Refused("The contract already has an invoice for a period starting that day.") from None
        lines.instance = edited
        lines.save_lines()
        if not edited.lines.exists():
            raise Refused(f"Service invoice {edited.number} must keep at least one line.")
    return edited


def void_invoice(invoice: ServiceInvoice) -> bool:
    """Void in Fieldbook. Returns True when a ledger has it: its flags are set so the next
    Service Contracts Compare offers to void it there too."""
    with transaction.atomic():
        invoice = ServiceInvoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.is_voided:
            raise Refused(f"Service invoice {invoice.number} is already voided.")
        in_ledger = invoice.transferred_version is not None
        invoice.status = ServiceInvoice.Status.VOIDED
        invoice.ready_for_invoice = invoice.transfer_to_accounts = in_ledger
        invoice.save(update_fields=["status", "ready_for_invoice", "transfer_to_accounts"])
    return in_ledger


def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = current_organisation(request)
    invoice = get_object_or_404(ServiceInvoice, pk=pk, organisation=org)
    if invoice.is_voided:
        messages.error(request, f"Service invoice {invoice.number} is voided: it can no longer be changed.")
        return redirect("contracts:invoice_detail", pk=invoice.pk)
    data = request.POST if request.method == "POST" else None
    form = ServiceInvoiceForm(data, instance=invoice, organisation=org)
    lines = ServiceInvoiceLineFormSet(data, instance=invoice, organisation=org, prefix="lines")
    if data is not None and form.is_valid() and lines.is_valid():
        try:
            saved = save_invoice(form, lines)
        except Refused as exc:
            form.add_error(None, str(exc))  # nothing was saved
        else:
            again = " It is flagged to go to the ledger again as an Update." if saved.transferred_version else ""
            messages.success(request, f"Service invoice {saved.number} saved.{again}")
            return redirect("contracts:invoice_detail", pk=saved.pk)
    return render(request, "contracts/invoice_form.html", {"form": form, "lines": lines, "object": invoice})


def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what voiding will do, to confirm. POST: void (admins only)."""
    invoice = get_object_or_404(ServiceInvoice, pk=pk, organisation=current_organisation(request))
    if request.method != "POST":
        return render(request, "contracts/invoice_void.html", {"object": invoice, "can_void": is_admin(request)})
    return _void(request, invoice)


def _void(request: HttpRequest, invoice: ServiceInvoice) -> HttpResponse:
    if not is_admin(request):
        raise PermissionDenied("Only an admin can void a service invoice.")
    try:
        in_ledger = void_invoice(invoice)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        where = (" It is voided in the ledger at the next Service Contracts sync, once you confirm it on Compare."
                 if in_ledger else " No ledger has it, so nothing else happens.")  # fmt: skip
        messages.success(request, f"Service invoice {invoice.number} voided.{where}")
    return redirect("contracts:invoice_detail", pk=invoice.pk)
