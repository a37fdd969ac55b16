"""API of the policies module: applications (see kejin/policies/api/urls.py)."""

from django.urls import path

from kejin.policies.api import applications as views

_ACTIONS = [
    ("accept", views.ApplicationAcceptView),
    ("return", views.ApplicationReturnView),
    ("reject", views.ApplicationRejectView),
    ("approve", views.ApplicationApproveView),
    ("pay", views.ApplicationPayView),
    ("withdraw", views.ApplicationWithdrawView),
    ("resubmit", views.ApplicationResubmitView),
]

urlpatterns = [
    path(
        "policies/applications/",
        views.ApplicationListView.as_view(),
        name="api-policies-application-list",
    ),
    path(
        "policies/applications/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="api-policies-application-detail",
    ),
] + [
    path(
        f"policies/applications/<int:pk>/{action}/",
        view.as_view(),
        name=f"api-policies-application-{action}",
    )
    for action, view in _ACTIONS
]
