"""Pages of the credit module (URL namespace ``credit:``), under /credit/."""

from django.urls import path

from kejin.credit import views_profile, views_scorecards

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
]
