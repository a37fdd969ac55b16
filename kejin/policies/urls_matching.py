"""Pages of the policies module: matching and impact simulation (see kejin/policies/urls.py)."""

from django.urls import path

from kejin.policies import views_matching as views

urlpatterns: list = [
    path("for-me/", views.policies_for_me_view, name="for_me"),
    path("<int:pk>/check/", views.policy_check_view, name="policy_check"),
    path("<int:pk>/qualifying/", views.policy_qualifying_view, name="policy_qualifying"),
    path("<int:pk>/qualifying.csv", views.policy_qualifying_csv_view, name="policy_qualifying_csv"),
    path("versions/<int:pk>/simulate/", views.version_simulate_view, name="version_simulate"),
]
