"""API of financing: loans (see kejin/financing/api/urls.py)."""

from django.urls import path

from kejin.financing.api import loans

urlpatterns = [
    path("loans/", loans.LoanListView.as_view(), name="api-financing-loan-list"),
    path(
        "loans/imports/", loans.LoanImportListView.as_view(), name="api-financing-loan-import-list"
    ),
    path(
        "loans/imports/<int:pk>/",
        loans.LoanImportDetailView.as_view(),
        name="api-financing-loan-import-detail",
    ),
    path("loans/<int:pk>/", loans.LoanDetailView.as_view(), name="api-financing-loan-detail"),
    path(
        "loans/<int:pk>/repayments/",
        loans.LoanRepaymentView.as_view(),
        name="api-financing-loan-repayments",
    ),
    path(
        "loans/<int:pk>/status/", loans.LoanStatusView.as_view(), name="api-financing-loan-status"
    ),
]
