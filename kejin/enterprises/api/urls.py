"""API routes of the enterprise registry."""

from django.urls import path

from kejin.enterprises.api import views

urlpatterns = [
    path("enterprises/", views.EnterpriseListView.as_view(), name="api-enterprise-list"),
    path(
        "enterprises/<int:pk>/",
        views.EnterpriseDetailView.as_view(),
        name="api-enterprise-detail",
    ),
]
