"""API routes of the credit module, included under ``/api/v1/``."""

from django.urls import path

from kejin.credit.api import batches, catalogue, disputes, profile, public, reports, scorecards

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
    path(
        "credit/report-requests/",
        reports.ReportRequestListView.as_view(),
        name="api-credit-report-request-list",
    ),
    path(
        "credit/report-requests/<int:pk>/",
        reports.ReportRequestDetailView.as_view(),
        name="api-credit-report-request-detail",
    ),
    path(
        "credit/report-requests/<int:pk>/grant/",
        reports.ReportRequestGrantView.as_view(),
        name="api-credit-report-request-grant",
    ),
    path(
        "credit/report-requests/<int:pk>/refuse/",
        reports.ReportRequestRefuseView.as_view(),
        name="api-credit-report-request-refuse",
    ),
    path(
        "credit/report-requests/<int:pk>/revoke/",
        reports.ReportGrantRevokeView.as_view(),
        name="api-credit-report-request-revoke",
    ),
    path(
        "credit/report-requests/<int:pk>/report/",
        reports.ReportView.as_view(),
        name="api-credit-report",
    ),
    path(
        "credit/report-reads/",
        reports.ReportReadListView.as_view(),
        name="api-credit-report-read-list",
    ),
    path(
        "credit/categories/",
        catalogue.RecordCategoryListView.as_view(),
        name="api-credit-category-list",
    ),
    path(
        "credit/categories/<slug:code>/",
        catalogue.RecordCategoryDetailView.as_view(),
        name="api-credit-category-detail",
    ),
    path("credit/batches/", batches.CreditBatchListView.as_view(), name="api-credit-batch-list"),
    path(
        "credit/batches/<int:pk>/",
        batches.CreditBatchDetailView.as_view(),
        name="api-credit-batch-detail",
    ),
    # Public credit information (信用信息公示): no sign-in, as the public page
    path(
        "credit/public/",
        public.PublicEnterpriseListView.as_view(),
        name="api-credit-public-list",
    ),
    path(
        "credit/public/<str:uscc>/",
        public.PublicCreditDetailView.as_view(),
        name="api-credit-public-detail",
    ),
]
