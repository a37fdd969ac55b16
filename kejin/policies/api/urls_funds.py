"""API of the policies module: the risk compensation fund (see kejin/policies/api/funds.py),
under /api/v1/policies/ (``kejin/policies/api/urls.py`` includes the parts at the API root,
so the prefix is spelled here)."""

from django.urls import path

from kejin.policies.api import funds

urlpatterns: list = [
    path("policies/funds/", funds.FundListView.as_view(), name="api-policies-fund-list"),
    path(
        "policies/funds/<int:pk>/", funds.FundDetailView.as_view(), name="api-policies-fund-detail"
    ),
    path(
        "policies/funds/<int:pk>/entries/",
        funds.FundEntryListView.as_view(),
        name="api-policies-fund-entries",
    ),
    path(
        "policies/funds/<int:pk>/contributions/",
        funds.FundContributionView.as_view(),
        name="api-policies-fund-contribute",
    ),
    path(
        "policies/funds/<int:pk>/enrolments/",
        funds.FundEnrolmentListView.as_view(),
        name="api-policies-fund-enrolments",
    ),
    path(
        "policies/funds/<int:pk>/enrolments/check/",
        funds.FundEnrolmentCheckView.as_view(),
        name="api-policies-fund-enrolment-check",
    ),
    path(
        "policies/funds/<int:pk>/report/",
        funds.FundReportView.as_view(),
        name="api-policies-fund-report",
    ),
    path(
        "policies/fund-claims/", funds.ClaimListView.as_view(), name="api-policies-fund-claim-list"
    ),
    path(
        "policies/fund-claims/<int:pk>/",
        funds.ClaimDetailView.as_view(),
        name="api-policies-fund-claim-detail",
    ),
    *(
        path(
            f"policies/fund-claims/<int:pk>/{action}/",
            view.as_view(),
            name=f"api-policies-fund-claim-{action}",
        )
        for action, view in funds.ACTION_VIEWS.items()
    ),
]
