"""API routes of the core app: reference data and the audit trail."""

from django.urls import path

from kejin.core.api import views

urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="api-region-list"),
    path("regions/<str:code>/", views.RegionDetailView.as_view(), name="api-region-detail"),
    path("industries/", views.IndustryListView.as_view(), name="api-industry-list"),
    path("industries/<str:code>/", views.IndustryDetailView.as_view(), name="api-industry-detail"),
    path("departments/", views.DepartmentListView.as_view(), name="api-department-list"),
    path(
        "departments/<str:code>/",
        views.DepartmentDetailView.as_view(),
        name="api-department-detail",
    ),
    path("audit-events/", views.AuditEventListView.as_view(), name="api-audit-event-list"),
]
