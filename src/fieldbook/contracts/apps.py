from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "fieldbook.contracts"
    label = "contracts"
