from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kejin.registry"
    label = "registry"
    verbose_name = "名单库"
