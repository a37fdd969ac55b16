from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kejin.notifications"
    label = "notifications"
    verbose_name = "站内消息"
