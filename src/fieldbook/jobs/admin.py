from django.contrib import admin

from fieldbook.catalogue.lines import AdminLineForm, TotalCheck
from fieldbook.jobs.models import Job, JobLine


class JobLineInline(admin.TabularInline[JobLine, Job]):
    model = JobLine
    extra = 0
    # The bounds every ledger accepts, as on the pages' line forms (issue 18).
    form = AdminLineForm
    formset = TotalCheck


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = [
        "number", "customer", "status", "ready_for_invoice", "transfer_to_accounts", "version", "organisation"
    ]  # fmt: skip
    list_filter = ["organisation", "status"]
    search_fields = ["number", "customer__name"]
    readonly_fields = ["number", "version", "updated_at", "closed_at", "transferred_version"]
    inlines = [JobLineInline]
