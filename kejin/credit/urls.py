"""Pages of the credit app (URL namespace ``credit:``), under /credit/."""

from django.urls import path

from kejin.credit import views_public, views_reports

app_name = "credit"
urlpatterns = [
    # Consented reports (信用报告查询授权)
    path("reports/", views_reports.report_request_list_view, name="report_requests"),
    path("reports/new/", views_reports.report_request_create_view, name="report_request_create"),
    path("reports/<int:pk>/", views_reports.report_request_detail_view, name="report_request"),
    path("reports/<int:pk>/grant/", views_reports.report_request_grant_view, name="report_grant"),
    path(
        "reports/<int:pk>/refuse/", views_reports.report_request_refuse_view, name="report_refuse"
    ),
    path("reports/<int:pk>/revoke/", views_reports.report_grant_revoke_view, name="report_revoke"),
    path("reports/<int:pk>/report/", views_reports.report_view, name="report"),
    path("reports/<int:pk>/report.pdf", views_reports.report_pdf_view, name="report_pdf"),
    path("reports/<int:pk>/report.xlsx", views_reports.report_xlsx_view, name="report_xlsx"),
    path("reports/reads/", views_reports.report_read_list_view, name="report_reads"),
    # Public disclosure (信用信息公示), no sign-in
    path("public/", views_public.public_search_view, name="public_search"),
    path("public/<str:uscc>/", views_public.public_enterprise_view, name="public_enterprise"),
]
