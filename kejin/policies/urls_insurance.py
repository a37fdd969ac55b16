"""Pages of the policies module: tech insurance and group cover."""

from django.urls import path

from kejin.policies import views_insurance as views

urlpatterns = [
    path("insurance/", views.insurance_policy_list_view, name="insurance_policy_list"),
    path("insurance/new/", views.insurance_policy_create_view, name="insurance_policy_create"),
    path("insurance/<int:pk>/", views.insurance_policy_detail_view, name="insurance_policy_detail"),
    path(
        "insurance/<int:pk>/edit/", views.insurance_policy_edit_view, name="insurance_policy_edit"
    ),
    path("insurance/schemes/", views.insurance_scheme_list_view, name="insurance_scheme_list"),
    path(
        "insurance/schemes/new/",
        views.insurance_scheme_create_view,
        name="insurance_scheme_create",
    ),
    path(
        "insurance/schemes/<int:pk>/",
        views.insurance_scheme_detail_view,
        name="insurance_scheme_detail",
    ),
    path(
        "insurance/schemes/<int:pk>/list-insured/",
        views.insurance_scheme_list_insured_view,
        name="insurance_scheme_list_insured",
    ),
    path(
        "insurance/schemes/<int:pk>/open/",
        views.insurance_scheme_open_view,
        name="insurance_scheme_open",
    ),
    path(
        "insurance/schemes/<int:pk>/confirm/",
        views.insurance_scheme_confirm_view,
        name="insurance_scheme_confirm",
    ),
]
