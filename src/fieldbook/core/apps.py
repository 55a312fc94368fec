from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fieldbook.core"
    label = "core"
    verbose_name = "Organisations"
