"""API routes of the credit module, included under ``/api/v1/``."""

from django.urls import path

from kejin.credit.api import disputes, profile, scorecards

urlpatterns = [
    path(
        "credit/profiles/<int:enterprise_id>/",
        profile.CreditProfileView.as_view(),
        name="api-credit-profile",
    ),
    path("credit/scorecards/", scorecards.ScorecardListView.as_view(), name="api-scorecard-list"),
    path(
        "credit/scorecards/<int:pk>/",
        scorecards.ScorecardDetailView.as_view(),
        name="api-scorecard-detail",
    ),
    path(
        "credit/scorecards/<int:pk>/drafts/",
        scorecards.ScorecardDraftView.as_view(),
        name="api-scorecard-draft",
    ),
    path(
        "credit/scorecards/<int:pk>/activate/",
        scorecards.ScorecardActivateView.as_view(),
        name="api-scorecard-activate",
    ),
    path(
        "credit/scorecards/<int:pk>/preview/",
        scorecards.ScorecardPreviewView.as_view(),
        name="api-scorecard-preview",
    ),
    # --- disputes ---
    path("credit/disputes/", disputes.DisputeListView.as_view(), name="api-credit-dispute-list"),
    path(
        "credit/disputes/overdue/",
        disputes.DisputeOverdueListView.as_view(),
        name="api-credit-dispute-overdue",
    ),
    path(
        "credit/disputes/<int:pk>/",
        disputes.DisputeDetailView.as_view(),
        name="api-credit-dispute-detail",
    ),
    path(
        "credit/disputes/<int:pk>/resolve/",
        disputes.DisputeResolveView.as_view(),
        name="api-credit-dispute-resolve",
    ),
    path(
        "credit/disputes/<int:pk>/reply/",
        disputes.DisputeReplyView.as_view(),
        name="api-credit-dispute-reply",
    ),
    path(
        "credit/disputes/<int:pk>/withdraw/",
        disputes.DisputeWithdrawView.as_view(),
        name="api-credit-dispute-withdraw",
    ),
]
