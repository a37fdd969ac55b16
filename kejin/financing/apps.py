from django.apps import AppConfig


class FinancingConfig(AppConfig):
    name = "kejin.financing"
    label = "financing"
    verbose_name = "融资对接"

    def ready(self) -> None:
        # Registers the tasks of modules Celery's autodiscovery (tasks.py only) does not find.
        from kejin.financing import tasks_monitoring  # noqa: F401
