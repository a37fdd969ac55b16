from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "kejin.enterprises"
    label = "enterprises"
    verbose_name = "企业"
