"""API of the policies module: tech insurance and group cover."""

from django.urls import path

from kejin.policies.api import insurance

urlpatterns = [
    path(
        "policies/insurance/",
        insurance.InsurancePolicyListView.as_view(),
        name="api-policies-insurance-list",
    ),
    path(
        "policies/insurance/<int:pk>/",
        insurance.InsurancePolicyDetailView.as_view(),
        name="api-policies-insurance-detail",
    ),
    path(
        "policies/insurance/schemes/",
        insurance.GroupSchemeListView.as_view(),
        name="api-policies-group-scheme-list",
    ),
    path(
        "policies/insurance/schemes/<int:pk>/",
        insurance.GroupSchemeDetailView.as_view(),
        name="api-policies-group-scheme-detail",
    ),
    path(
        "policies/insurance/schemes/<int:pk>/list-insured/",
        insurance.GroupSchemeListInsuredView.as_view(),
        name="api-policies-group-scheme-list-insured",
    ),
    path(
        "policies/insurance/schemes/<int:pk>/open/",
        insurance.GroupSchemeOpenView.as_view(),
        name="api-policies-group-scheme-open",
    ),
    path(
        "policies/insurance/schemes/<int:pk>/confirm/",
        insurance.GroupSchemeConfirmView.as_view(),
        name="api-policies-group-scheme-confirm",
    ),
    path(
        "policies/insurance/schemes/<int:pk>/decline/",
        insurance.GroupSchemeDeclineView.as_view(),
        name="api-policies-group-scheme-decline",
    ),
]
