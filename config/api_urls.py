"""The API root /api/v1/: every app's API routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("kejin.accounts.api.urls")),
    path("", include("kejin.core.api.urls")),
    path("", include("kejin.enterprises.imports.api_urls")),
    path("", include("kejin.enterprises.api.urls")),
    path("", include("kejin.enterprises.profile.api_urls")),
    path("", include("kejin.registry.api.urls")),
    path("", include("kejin.credit.api.urls")),
    path("", include("kejin.institutions.api.urls")),
    path("", include("kejin.financing.api.urls")),
    path("", include("kejin.policies.api.urls")),
    path("", include("kejin.notifications.api.urls")),
]
