from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kejin.accounts"
    label = "accounts"
    verbose_name = "账户"
