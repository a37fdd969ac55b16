"""Pages of the credit module (URL namespace ``credit:``), under /credit/."""

from django.urls import path

from kejin.credit import views_disputes as disputes
from kejin.credit import (
    views_ingest,
    views_profile,
    views_public,
    views_reports,
    views_scorecards,
)

app_name = "credit"

urlpatterns = [
    path(
        "profile/<int:enterprise_id>/",
        views_profile.credit_profile_view,
        name="profile",
    ),
    path("scorecards/", views_scorecards.scorecard_list_view, name="scorecard_list"),
    path("scorecards/<int:pk>/", views_scorecards.scorecard_detail_view, name="scorecard_detail"),
    path("scorecards/<int:pk>/edit/", views_scorecards.scorecard_edit_view, name="scorecard_edit"),
    path(
        "scorecards/<int:pk>/activate/",
        views_scorecards.scorecard_activate_view,
        name="scorecard_activate",
    ),
    path(
        "scorecards/<int:pk>/cases/",
        views_scorecards.scorecard_cases_view,
        name="scorecard_cases",
    ),
    # --- disputes ---
    path("disputes/", disputes.dispute_list_view, name="dispute_list"),
    path("disputes/overdue/", disputes.dispute_overdue_view, name="dispute_overdue"),
    path("disputes/records/", disputes.dispute_records_view, name="dispute_records"),
    path("records/<int:record_id>/dispute/", disputes.dispute_create_view, name="dispute_create"),
    path("disputes/<int:pk>/", disputes.dispute_detail_view, name="dispute_detail"),
    path("disputes/<int:pk>/correct/", disputes.dispute_correct_view, name="dispute_correct"),
    path("disputes/<int:pk>/remove/", disputes.dispute_remove_view, name="dispute_remove"),
    path("disputes/<int:pk>/uphold/", disputes.dispute_uphold_view, name="dispute_uphold"),
    path("disputes/<int:pk>/reply/", disputes.dispute_reply_view, name="dispute_reply"),
    path("disputes/<int:pk>/withdraw/", disputes.dispute_withdraw_view, name="dispute_withdraw"),
    path(
        "disputes/<int:pk>/attachments/<int:attachment_id>/",
        disputes.dispute_attachment_view,
        name="dispute_attachment",
    ),
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
    path("catalogue/", views_ingest.catalogue_list_view, name="catalogue_list"),
    path("catalogue/new/", views_ingest.category_edit_view, name="category_create"),
    path("catalogue/<int:pk>/", views_ingest.catalogue_detail_view, name="catalogue_detail"),
    path("catalogue/<int:pk>/edit/", views_ingest.category_edit_view, name="category_edit"),
    path("catalogue/<int:pk>/fields/new/", views_ingest.field_edit_view, name="field_create"),
    path(
        "catalogue/<int:pk>/fields/<int:field_pk>/edit/",
        views_ingest.field_edit_view,
        name="field_edit",
    ),
    path(
        "catalogue/<int:pk>/template.xlsx",
        views_ingest.category_template_view,
        name="category_template",
    ),
    path("ingest/", views_ingest.ingest_home_view, name="ingest_home"),
    path("ingest/batches/", views_ingest.batch_list_view, name="batch_list"),
    path("ingest/batches/<int:pk>/", views_ingest.batch_detail_view, name="batch_detail"),
    path(
        "ingest/batches/<int:pk>/rejects.<str:fmt>",
        views_ingest.batch_rejects_view,
        name="batch_rejects",
    ),
    path("ingest/quality/", views_ingest.quality_dashboard_view, name="quality"),
]
