"""Pages of process monitoring: the officers' report (funnel, step times, overdue list,
scoreboard with ECharts), one institution's scoreboard, and the step limits.

Reads go through ``kejin.financing.monitoring`` (scoped to the user; 403 for who may not
see monitoring), writes through ``kejin.financing.services_deadlines``.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.financing import monitoring
from kejin.financing.choices import ProductType
from kejin.financing.permissions import scoreboard_can_view_own, step_deadline_can_edit
from kejin.financing.services_deadlines import (
    MAX_WORKING_DAYS,
    step_deadline_reset,
    step_deadline_set,
    step_limits_list,
)

SCOREBOARD_CHART_ROWS = 15


def _has_demand_page() -> bool:
    try:
        reverse("financing:demand_detail", args=[1])
    except NoReverseMatch:
        return False
    return True


def _months(today: datetime.date, count: int = 24) -> list[datetime.date]:
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def _percent(value: float | None) -> float:
    return round(value * 100, 1) if value is not None else 0.0


def _charts(report: monitoring.MonitoringReport) -> list[dict]:
    board = report.scoreboard[:SCOREBOARD_CHART_ROWS]
    return [
        {
            "id": "chart-funnel",
            "title": _("各环节需求数"),
            "data": {
                "kind": "bar",
                "series": _("需求数"),
                "categories": [label for _k, label, _n in report.funnel],
                "values": [n for _k, _l, n in report.funnel],
            },
        },
        {
            "id": "chart-step-times",
            "title": _("各环节用时中位数（工作日）"),
            "data": {
                "kind": "bar",
                "series": _("中位数"),
                "categories": [row.label for row in report.step_times],
                "values": [
                    row.median if row.median is not None else 0 for row in report.step_times
                ],
            },
        },
        {
            "id": "chart-claim-rate",
            "title": _("机构认领率（%）"),
            "data": {
                "kind": "hbar",
                "series": _("认领率"),
                "categories": [row.name for row in board],
                "values": [_percent(row.claim_rate) for row in board],
            },
        },
        {
            "id": "chart-approved",
            "title": _("机构批准笔数"),
            "data": {
                "kind": "hbar",
                "series": _("批准笔数"),
                "categories": [row.name for row in board],
                "values": [row.approved for row in board],
            },
        },
    ]


@login_required
@require_GET
def monitoring_view(request):
    """Officers: the funnel, step times, overdue demands and the scoreboard, by county and
    month of submission."""
    user = request.user
    month = monitoring.parse_month(request.GET.get("month"))
    county_id = request.GET.get("county") or None
    if county_id is not None and not county_id.isdigit():
        raise ApplicationError.not_found()
    scope = monitoring.monitoring_scope(user=user, county_id=county_id, month=month)
    today = timezone.localdate()
    report = monitoring.monitoring_report(user=user, scope=scope, today=today)
    charts = _charts(report)
    for chart in charts:
        chart["data_id"] = f"{chart['id']}-data"
    return render(
        request,
        "financing/monitoring.html",
        {
            "report": report,
            "charts": charts,
            "counties": monitoring.monitoring_counties(user=user),
            "months": _months(today),
            "county_id": scope.county.pk if scope.county else None,
            "month": scope.month,
            "county_fixed": user.is_county_officer,
            "today": today,
            "demand_links": _has_demand_page(),
        },
    )


@login_required
@require_GET
def scoreboard_view(request, institution_id: int):
    """One institution's scoreboard: its own users, or officers (in their scope)."""
    month = monitoring.parse_month(request.GET.get("month"))
    row = monitoring.institution_scoreboard_get(
        user=request.user, institution_id=institution_id, scope=monitoring.Scope(month=month)
    )
    return render(
        request,
        "financing/scoreboard.html",
        {"row": row, "month": month, "months": _months(timezone.localdate())},
    )


@login_required
@require_GET
def my_scoreboard_view(request):
    """An institution's users: their own institution's scoreboard."""
    require(scoreboard_can_view_own, user=request.user)
    return scoreboard_view(request, institution_id=request.user.institution_id)


@login_required
@require_http_methods(["GET", "POST"])
def step_deadlines_view(request):
    """The step limits in working days (defaults and officers' rows); city officers set them."""
    user = request.user
    errors: dict[str, list[str]] = {}
    values = {"step": "", "product_type": "", "working_days": ""}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in values}
        try:
            step_deadline_set(
                step=values["step"],
                product_type=values["product_type"],
                working_days=values["working_days"],
                acting_user=user,
            )
        except ApplicationError as error:
            if error.status != 400:
                raise
            errors = error.fields
        else:
            messages.success(request, _("环节时限已保存，此后计算的时限按新设置执行。"))
            return redirect("financing:step_deadlines")
    steps = step_limits_list(user=user)
    return render(
        request,
        "financing/step_deadlines.html",
        {
            "steps": steps,
            "can_edit": step_deadline_can_edit(user=user),
            "product_types": ProductType.choices,
            "errors": errors,
            "values": values,
            "max_days": MAX_WORKING_DAYS,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def step_deadline_reset_view(request, pk: int):
    """Remove an officers' limit (city officers)."""
    step_deadline_reset(pk=pk, acting_user=request.user)
    messages.success(request, _("已恢复默认时限。"))
    return redirect("financing:step_deadlines")
