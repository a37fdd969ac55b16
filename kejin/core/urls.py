"""Pages of the core app: holiday schedules and the audit log (mounted under /system/)."""

from django.urls import path

from kejin.core import views

app_name = "core"
urlpatterns = [
    path("holidays/", views.holiday_schedule_list, name="holiday_schedule_list"),
    path("holidays/<int:year>/", views.holiday_schedule_edit, name="holiday_schedule_edit"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
]
