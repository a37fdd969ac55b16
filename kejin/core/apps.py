from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kejin.core"
    label = "core"
    verbose_name = "核心"
