from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "fieldbook.catalogue"
    label = "catalogue"
