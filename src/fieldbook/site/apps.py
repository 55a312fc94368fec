from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "fieldbook.site"
    label = "fieldbook_site"
    verbose_name = "Site"
