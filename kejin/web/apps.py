from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kejin.web"
    label = "web"
    verbose_name = "页面"
