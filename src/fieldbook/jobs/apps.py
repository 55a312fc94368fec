from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "fieldbook.jobs"
    label = "jobs"
