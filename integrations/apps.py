from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "QuickBooks integration"

    def ready(self) -> None:
        from . import signals, tasks  # noqa: F401  (connect the receivers)
