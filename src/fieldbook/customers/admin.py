from django.contrib import admin

from fieldbook.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ["account_ref", "name", "organisation", "active", "integrate", "version"]
    list_filter = ["organisation", "active"]
    search_fields = ["account_ref", "name", "email"]
    readonly_fields = ["version", "updated_at", "merged_into"]
