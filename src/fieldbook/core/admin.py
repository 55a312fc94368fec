from django.contrib import admin

from fieldbook.core.models import Membership, Organisation


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "slug", "home_currency", "timezone"]
    inlines = [MembershipInline]
