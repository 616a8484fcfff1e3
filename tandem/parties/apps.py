from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "tandem.parties"
    label = "parties"
    verbose_name = "Parties"
