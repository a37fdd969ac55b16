"""The policies module's API, one module per part; each part's paths start with ``policies/``
(``/api/v1/policies/...``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("kejin.policies.api.urls_publishing")),
    path("", include("kejin.policies.api.urls_matching")),
    path("", include("kejin.policies.api.urls_applications")),
    path("", include("kejin.policies.api.urls_insurance")),
    path("", include("kejin.policies.api.urls_funds")),
]
