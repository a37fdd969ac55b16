"""Pages of the policies module: the risk compensation fund (see views_funds.py)."""

from django.urls import path

from kejin.policies import views_funds as views

urlpatterns: list = [
    path("funds/", views.fund_list_view, name="fund_list"),
    path("funds/<int:pk>/", views.fund_detail_view, name="fund_detail"),
    path("funds/<int:pk>/contribute/", views.fund_contribute_view, name="fund_contribute"),
    path(
        "funds/<int:pk>/enrolments/check/",
        views.fund_enrolment_check_view,
        name="fund_enrolment_check",
    ),
    path("funds/<int:pk>/report/", views.fund_report_view, name="fund_report"),
    path("funds/<int:pk>/report.csv", views.fund_report_csv_view, name="fund_report_csv"),
    path("fund-claims/", views.fund_claim_list_view, name="fund_claim_list"),
    path("fund-claims/new/", views.fund_claim_create_view, name="fund_claim_create"),
    path("fund-claims/<int:pk>/", views.fund_claim_detail_view, name="fund_claim_detail"),
    path(
        "fund-claims/<int:pk>/<str:action>/",
        views.fund_claim_action_view,
        name="fund_claim_action",
    ),
]
