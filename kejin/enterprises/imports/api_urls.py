"""API routes of the import, under /api/v1/."""

from django.urls import path

from kejin.enterprises.imports import api

urlpatterns = [
    path("enterprises/imports/", api.ImportBatchListView.as_view(), name="api-import-batch-list"),
    path(
        "enterprises/imports/<int:pk>/",
        api.ImportBatchDetailView.as_view(),
        name="api-import-batch-detail",
    ),
]
