"""API routes of the tech-enterprise list (名单库), included under ``/api/v1/``."""

from django.urls import path

from kejin.registry.api import views as api

urlpatterns = [
    path("registry/entries/", api.RegistryEntryListView.as_view(), name="api-registry-entry-list"),
    path(
        "registry/entries/<int:enterprise_id>/",
        api.RegistryEntryDetailView.as_view(),
        name="api-registry-entry-detail",
    ),
    path(
        "registry/entries/<int:enterprise_id>/history/",
        api.RegistryHistoryView.as_view(),
        name="api-registry-entry-history",
    ),
    path(
        "registry/overrides/",
        api.RegistryOverrideListView.as_view(),
        name="api-registry-override-list",
    ),
    path(
        "registry/overrides/<int:pk>/",
        api.RegistryOverrideDetailView.as_view(),
        name="api-registry-override-detail",
    ),
    path(
        "registry/overrides/<int:pk>/lift/",
        api.RegistryOverrideLiftView.as_view(),
        name="api-registry-override-lift",
    ),
    path("registry/runs/", api.EvaluationRunListView.as_view(), name="api-registry-run-list"),
    path(
        "registry/runs/preview/",
        api.EvaluationRunPreviewView.as_view(),
        name="api-registry-run-preview",
    ),
    path(
        "registry/runs/<int:pk>/",
        api.EvaluationRunDetailView.as_view(),
        name="api-registry-run-detail",
    ),
    path(
        "registry/runs/<int:pk>/events/",
        api.EvaluationRunEventListView.as_view(),
        name="api-registry-run-events",
    ),
    path("registry/stages/", api.GrowthStageListView.as_view(), name="api-registry-stage-list"),
    path(
        "registry/stages/<slug:code>/",
        api.GrowthStageDetailView.as_view(),
        name="api-registry-stage-detail",
    ),
    path(
        "registry/stages/<slug:code>/versions/",
        api.StageRuleVersionListView.as_view(),
        name="api-registry-stage-versions",
    ),
    path("registry/labels/", api.LabelListView.as_view(), name="api-registry-label-list"),
    path(
        "registry/labels/<slug:code>/",
        api.LabelDetailView.as_view(),
        name="api-registry-label-detail",
    ),
    path(
        "registry/labels/<slug:code>/versions/",
        api.LabelRuleVersionListView.as_view(),
        name="api-registry-label-versions",
    ),
]
