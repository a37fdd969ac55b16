"""Pages of financing: demands (see kejin/financing/urls.py)."""

from django.urls import path

from kejin.financing import views_demands

urlpatterns = [
    path("demands/", views_demands.demand_list_view, name="demand_list"),
    path("demands/new/", views_demands.demand_create_view, name="demand_create"),
    path("demands/<int:pk>/", views_demands.demand_detail_view, name="demand_detail"),
    path(
        "demands/<int:pk>/attachments/<int:attachment_id>/",
        views_demands.demand_attachment_view,
        name="demand_attachment",
    ),
    path(
        "demands/<int:pk>/<slug:slug>/",
        views_demands.demand_action_view,
        name="demand_action",
    ),
]
