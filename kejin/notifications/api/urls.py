"""API routes of the inbox, included under ``/api/v1/``."""

from django.urls import path

from kejin.notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="api-notification-list"),
    path(
        "notifications/unread-count/",
        views.NotificationUnreadCountView.as_view(),
        name="api-notification-unread-count",
    ),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="api-notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="api-notification-read",
    ),
]
