"""API of the policies module: matching and impact simulation (see kejin/policies/api/urls.py)."""

from django.urls import path

from kejin.policies.api import matching

urlpatterns: list = [
    path("policies/for-me/", matching.PoliciesForMeView.as_view(), name="api-policies-for-me"),
    path(
        "policies/<int:pk>/check/",
        matching.PolicyCheckView.as_view(),
        name="api-policies-policy-check",
    ),
    path(
        "policies/<int:pk>/qualifying-enterprises/",
        matching.PolicyQualifyingView.as_view(),
        name="api-policies-qualifying",
    ),
    path(
        "policies/versions/<int:pk>/simulation/",
        matching.VersionSimulationView.as_view(),
        name="api-policies-version-simulation",
    ),
]
