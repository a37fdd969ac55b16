"""API routes of the credit app, included under ``/api/v1/``."""

from django.urls import path

from kejin.credit.api import reports

urlpatterns = [
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
]
