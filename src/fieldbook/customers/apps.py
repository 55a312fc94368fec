from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "fieldbook.customers"
    label = "customers"
