"""Pages of financing: loans (see kejin/financing/urls.py)."""

from django.urls import path

from kejin.financing import views_loans

urlpatterns = [
    path("loans/", views_loans.loan_list_view, name="loan_list"),
    path("loans/import/", views_loans.loan_import_view, name="loan_import"),
    path("loans/import/<int:pk>/", views_loans.loan_import_detail_view, name="loan_import_detail"),
    path("loans/<int:pk>/", views_loans.loan_detail_view, name="loan_detail"),
    path("loans/<int:pk>/repayments/", views_loans.loan_repayment_view, name="loan_repayment"),
    path("loans/<int:pk>/status/", views_loans.loan_status_view, name="loan_status"),
]
