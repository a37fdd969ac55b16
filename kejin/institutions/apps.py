from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "kejin.institutions"
    label = "institutions"
    verbose_name = "金融机构"
