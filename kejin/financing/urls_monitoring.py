"""Pages of financing: monitoring (see kejin/financing/urls.py)."""

from django.urls import path

from kejin.financing import views_monitoring as views

urlpatterns = [
    path("monitoring/", views.monitoring_view, name="monitoring"),
    path(
        "monitoring/institutions/<int:institution_id>/",
        views.scoreboard_view,
        name="monitoring_scoreboard",
    ),
    path("monitoring/my-scoreboard/", views.my_scoreboard_view, name="my_scoreboard"),
    path("monitoring/deadlines/", views.step_deadlines_view, name="step_deadlines"),
    path(
        "monitoring/deadlines/<int:pk>/reset/",
        views.step_deadline_reset_view,
        name="step_deadline_reset",
    ),
]
