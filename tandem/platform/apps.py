from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PlatformConfig(AppConfig):
    name = "tandem.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tandem.platform import roles

        # Every app declares its permissions, event handlers and searchable records in these
        # modules; importing them once at start fills the registries.
        autodiscover_modules("permissions", "events", "handlers", "search", "records", "navigation", "checks",
                             "imports")
        post_migrate.connect(roles.sync_all_system_roles, sender=self)
