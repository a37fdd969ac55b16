"""API of the policies module: publishing, under /api/v1/policies/."""

from django.urls import path

from kejin.policies.api import publishing as api

urlpatterns: list = [
    path("policies/", api.PolicyListView.as_view(), name="api-policies-policy-list"),
    path(
        "policies/subscriptions/",
        api.PolicySubscriptionsView.as_view(),
        name="api-policies-subscriptions",
    ),
    path("policies/<int:pk>/", api.PolicyDetailView.as_view(), name="api-policies-policy-detail"),
    path(
        "policies/<int:pk>/revise/",
        api.PolicyReviseView.as_view(),
        name="api-policies-policy-revise",
    ),
    path(
        "policies/<int:pk>/publish/",
        api.PolicyPublishView.as_view(),
        name="api-policies-policy-publish",
    ),
    path(
        "policies/<int:pk>/expire/",
        api.PolicyExpireView.as_view(),
        name="api-policies-policy-expire",
    ),
    path(
        "policies/<int:pk>/attachments/",
        api.PolicyAttachmentsView.as_view(),
        name="api-policies-policy-attachments",
    ),
]
