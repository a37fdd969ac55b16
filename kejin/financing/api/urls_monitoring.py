"""API of financing: monitoring (see kejin/financing/api/urls.py)."""

from django.urls import path

from kejin.financing.api import monitoring

urlpatterns = [
    path("monitoring/", monitoring.MonitoringReportView.as_view(), name="api-financing-monitoring"),
    path(
        "monitoring/institutions/<int:institution_id>/scoreboard/",
        monitoring.InstitutionScoreboardView.as_view(),
        name="api-financing-scoreboard",
    ),
]
