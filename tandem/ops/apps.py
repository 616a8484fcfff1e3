from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "tandem.ops"
    label = "ops"
    verbose_name = "Operations (the tandem command)"
