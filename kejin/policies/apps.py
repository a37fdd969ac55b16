from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "kejin.policies"
    label = "policies"
    verbose_name = "政策服务"
