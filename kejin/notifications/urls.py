"""Pages of the inbox (URL namespace ``notifications:``), under /notifications/."""

from django.urls import path

from kejin.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("badge/", views.notification_badge_view, name="badge"),
    path("read-all/", views.notification_read_all_view, name="read_all"),
    path("<int:pk>/open/", views.notification_open_view, name="open"),
]
