"""Pages of the policies module: applications (see kejin/policies/urls.py)."""

from django.urls import path

from kejin.policies import views_applications as views

urlpatterns = [
    path("<int:pk>/apply/", views.application_new_view, name="application_new"),
    path("applications/", views.application_list_view, name="application_list"),
    path("applications/<int:pk>/", views.application_detail_view, name="application_detail"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/",
        views.application_attachment_view,
        name="application_attachment",
    ),
    path(
        "applications/<int:pk>/resubmit/",
        views.application_resubmit_view,
        name="application_resubmit",
    ),
    path("applications/<int:pk>/accept/", views.application_accept_view, name="application_accept"),
    path("applications/<int:pk>/return/", views.application_return_view, name="application_return"),
    path("applications/<int:pk>/reject/", views.application_reject_view, name="application_reject"),
    path(
        "applications/<int:pk>/approve/",
        views.application_approve_view,
        name="application_approve",
    ),
    path("applications/<int:pk>/pay/", views.application_pay_view, name="application_pay"),
    path(
        "applications/<int:pk>/withdraw/",
        views.application_withdraw_view,
        name="application_withdraw",
    ),
]
