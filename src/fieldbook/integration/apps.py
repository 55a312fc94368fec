from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "fieldbook.integration"
    label = "integration"
