"""Pages of the tech-enterprise list (名单库), included at ``/registry/``."""

from django.urls import path

from kejin.registry import views
from kejin.registry.rule_pages import views as rule_views

app_name = "registry"
urlpatterns = [
    path("", views.registry_list_view, name="list"),
    path("export.xlsx", views.registry_export_view, name="export"),
    path("enterprises/<int:pk>/panel/", views.registry_panel_view, name="panel"),
    path(
        "enterprises/<int:pk>/overrides/new/",
        views.override_create_view,
        name="override_create",
    ),
    path("overrides/", views.override_list_view, name="override_list"),
    path("overrides/<int:pk>/lift/", views.override_lift_view, name="override_lift"),
    path("runs/", views.run_list_view, name="run_list"),
    path("runs/preview/", views.run_preview_view, name="run_preview"),
    path("runs/previews/", views.run_preview_request_view, name="run_preview_request"),
    path("runs/previews/<int:pk>/", views.run_preview_detail_view, name="run_preview_detail"),
    path("runs/new/", views.run_start_view, name="run_start"),
    path("runs/<int:pk>/", views.run_detail_view, name="run_detail"),
    path("stages/", rule_views.stage_list_view, name="stage_list"),
    path("stages/<slug:code>/edit/", rule_views.stage_edit_view, name="stage_edit"),
    path("labels/", rule_views.label_list_view, name="label_list"),
    path("labels/new/", rule_views.label_create_view, name="label_create"),
    path("labels/<slug:code>/edit/", rule_views.label_edit_view, name="label_edit"),
    path(
        "stages/<slug:code>/versions/",
        rule_views.rule_version_list_view,
        {"kind": "stages"},
        name="stage_versions",
    ),
    path(
        "labels/<slug:code>/versions/",
        rule_views.rule_version_list_view,
        {"kind": "labels"},
        name="label_versions",
    ),
    path("versions/<int:pk>/", rule_views.rule_version_view, name="rule_version"),
]
