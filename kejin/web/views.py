"""The role home pages: each role lands on a page made for what it comes for."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from kejin.accounts.permissions import platform_can_overview
from kejin.credit.permissions import report_request_can_browse
from kejin.credit.selectors_reports import report_request_pending_count
from kejin.web import selectors


@login_required
def home(request):
    """The home page made for the user's role."""
    user = request.user
    if user.is_enterprise_user:
        context = {**selectors.enterprise_home(user=user), **_reports_pending(user)}
        return render(request, "web/home_enterprise.html", context)
    if user.is_institution_user:
        context = {**selectors.institution_home(user=user), **_reports_pending(user)}
        return render(request, "web/home_institution.html", context)
    if user.is_officer:
        return _officer_home(request)
    if user.is_data_provider:
        return render(request, "web/home_data_provider.html", selectors.department_home(user=user))
    if platform_can_overview(user=user):
        return render(request, "web/home_admin.html", selectors.platform_overview(user=user))
    return render(request, "web/home.html", {})


def _reports_pending(user) -> dict:
    """Credit-report requests waiting for the enterprise's answer (the platform has no
    notifications yet: the home page shows the count)."""
    if not report_request_can_browse(user=user):
        return {}
    return {"reports_pending": report_request_pending_count(user=user)}


def _chart(chart_id: str, title: str, kind: str, counts) -> dict:
    """One chart for charts.js: its element id, title, kind (bar, hbar, line) and data."""
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "data": {
            "kind": kind,
            "series": _("企业数"),
            "categories": [item.label for item in counts],
            "values": [item.count for item in counts],
        },
    }


def _officer_home(request):
    """City officer: the whole city by county. County officer: their county by industry."""
    user = request.user
    city_wide = user.sees_whole_city
    overview = selectors.enterprise_overview(
        user=user, by_county=city_wide, by_industry=not city_wide
    )
    charts = []
    if city_wide:
        charts.append(_chart("chart-by-county", _("各县(市、区)企业数"), "bar", overview.by_county))
    else:
        charts.append(
            _chart(
                "chart-by-industry", _("按行业门类的企业数"), "hbar", overview.by_industry_section
            )
        )
    charts.append(
        _chart("chart-by-year", _("按成立年份的企业数"), "bar", overview.by_founding_year)
    )
    context = {
        "overview": overview,
        "registry": selectors.registry_figures(user=user, in_scope=overview.total),
        "charts": charts,
        "scope_name": selectors.officer_scope_name(user=user),
        "city_wide": city_wide,
    }
    return render(request, "web/home_officer.html", context)


def favicon(request):
    """Pages without their own <link rel="icon"> (the admin) make browsers ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("kejin/favicon.svg"))
