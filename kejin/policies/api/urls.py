"""The policies module's API under /api/v1/policies/, one module per part."""

from django.urls import include, path

urlpatterns = [
    path("", include("kejin.policies.api.urls_publishing")),
    path("", include("kejin.policies.api.urls_matching")),
    path("", include("kejin.policies.api.urls_applications")),
    path("", include("kejin.policies.api.urls_insurance")),
    path("", include("kejin.policies.api.urls_funds")),
]
