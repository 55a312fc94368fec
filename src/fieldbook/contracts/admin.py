from django.contrib import admin

from fieldbook.catalogue.lines import AdminLineForm, TotalCheck
from fieldbook.contracts.models import ContractLine, ServiceContract, ServiceInvoice, ServiceInvoiceLine


class ContractLineInline(admin.TabularInline[ContractLine, ServiceContract]):
    model = ContractLine
    extra = 0
    # The bounds every ledger accepts, as on the pages' line forms (issue 18).
    form = AdminLineForm
    formset = TotalCheck


@admin.register(ServiceContract)
class ServiceContractAdmin(admin.ModelAdmin[ServiceContract]):
    list_display = ["__str__", "customer", "start_date", "end_date", "billing_frequency", "billing_timing", "active"]
    list_filter = ["organisation", "billing_frequency", "active"]
    inlines = [ContractLineInline]


class ServiceInvoiceLineInline(admin.TabularInline[ServiceInvoiceLine, ServiceInvoice]):
    model = ServiceInvoiceLine
    extra = 0
    # The bounds every ledger accepts, as on the pages' line forms (issue 18).
    form = AdminLineForm
    formset = TotalCheck


@admin.register(ServiceInvoice)
class ServiceInvoiceAdmin(admin.ModelAdmin[ServiceInvoice]):
    list_display = ["number", "customer", "invoice_date", "ready_for_invoice", "transfer_to_accounts", "version"]
    list_filter = ["organisation"]
    search_fields = ["number", "customer__name"]
    readonly_fields = ["number", "version", "updated_at", "transferred_version", "generated_at"]
    inlines = [ServiceInvoiceLineInline]
