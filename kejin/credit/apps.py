from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "kejin.credit"
    label = "credit"
    verbose_name = "信用信息"
