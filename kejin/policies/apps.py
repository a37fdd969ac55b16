from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "kejin.policies"
    label = "policies"
    verbose_name = "政策服务"

    def ready(self) -> None:
        # Registers the tasks of modules Celery's autodiscovery (tasks.py only) does not find.
        from kejin.policies import (
            tasks_applications,  # noqa: F401
            tasks_publishing,  # noqa: F401
        )
