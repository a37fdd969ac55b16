"""Pages of the policies module: publishing (see kejin/policies/urls.py)."""

from django.urls import path

from kejin.policies import views_publishing as views

urlpatterns: list = [
    path("", views.policy_list_view, name="policy_list"),
    path("new/", views.policy_create_view, name="policy_create"),
    path("subscriptions/", views.policy_subscriptions_view, name="subscriptions"),
    path("<int:pk>/", views.policy_detail_view, name="policy_detail"),
    path("<int:pk>/edit/", views.policy_edit_view, name="policy_edit"),
    path("<int:pk>/revise/", views.policy_revise_view, name="policy_revise"),
    path("<int:pk>/publish/", views.policy_publish_view, name="policy_publish"),
    path("<int:pk>/expire/", views.policy_expire_view, name="policy_expire"),
    path("<int:pk>/attachments/", views.policy_attachments_view, name="policy_attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.policy_attachment_view,
        name="policy_attachment",
    ),
]
