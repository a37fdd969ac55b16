"""API routes of the enterprise directory (企业名录)."""

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
