"""Pages of the policies module under /policies/, one module per part."""

from django.urls import include, path

app_name = "policies"

urlpatterns = [
    path("", include("kejin.policies.urls_publishing")),
    path("", include("kejin.policies.urls_matching")),
    path("", include("kejin.policies.urls_applications")),
    path("", include("kejin.policies.urls_insurance")),
    path("", include("kejin.policies.urls_funds")),
]
