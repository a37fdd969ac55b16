"""API routes of the credit module, included under ``/api/v1/``."""

from django.urls import path

from kejin.credit.api import disputes

urlpatterns = [
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
