"""API routes of the institution directory."""

from django.urls import path

from kejin.institutions.api import views

urlpatterns = [
    path("institutions/", views.InstitutionListView.as_view(), name="api-institution-list"),
    path(
        "institutions/<int:pk>/",
        views.InstitutionDetailView.as_view(),
        name="api-institution-detail",
    ),
]
