from django.contrib import admin

from fieldbook.catalogue.models import Item, TaxCode


@admin.register(TaxCode)
class TaxCodeAdmin(admin.ModelAdmin[TaxCode]):
    list_display = ["code", "name", "rate", "prices_include_tax", "is_exempt", "organisation"]
    list_filter = ["organisation"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = ["code", "name", "unit_price", "income_account_code", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["code", "name"]
