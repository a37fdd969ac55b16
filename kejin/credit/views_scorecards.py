"""Scorecard pages: versions, one version's points table with metrics, the edit form (a new
draft), the preview beside the active version with monitoring, activation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.credit.permissions import scorecard_can_edit
from kejin.credit.scoring import selectors, services
from kejin.credit.scoring.scorecards import points_rows, version_ruleset


@login_required
@require_GET
def scorecard_list_view(request):
    versions = selectors.scorecard_list(user=request.user)
    context = {"versions": versions, "can_edit": scorecard_can_edit(user=request.user)}
    return render(request, "credit/scorecard_list.html", context)


@login_required
@require_GET
def scorecard_detail_view(request, pk: int):
    version = selectors.scorecard_get(user=request.user, pk=pk)
    ruleset = version_ruleset(version)
    preview = selectors.scorecard_preview(user=request.user, version=version)
    monitoring = selectors.scorecard_monitoring(user=request.user)
    chart = {
        "kind": "bar",
        "series": _("企业数"),
        "categories": [g["grade"] for g in preview.grades],
        "values": [g["count"] for g in preview.grades],
    }
    context = {
        "version": version,
        "ruleset": ruleset,
        "rows": points_rows(ruleset),
        "preview": preview,
        "monitoring": monitoring,
        "chart": chart,
        "can_edit": scorecard_can_edit(user=request.user),
    }
    return render(request, "credit/scorecard_detail.html", context)


def _posted_points(post, rows) -> dict[str, dict[int, float]]:
    points: dict[str, dict[int, float]] = {}
    errors = []
    for row in rows:
        for band in row["bands"]:
            raw = post.get(f"p-{row['id']}-{band['index']}", "").strip()
            if raw == "":
                continue
            try:
                points.setdefault(row["id"], {})[band["index"]] = float(raw)
            except ValueError:
                errors.append(f"{row['label']} {band['label']}")
    if errors:
        raise ApplicationError.invalid(
            {"points": [_("分值应是数字：%s") % "、".join(errors)]},
            _("分值应是数字：%s") % "、".join(errors),
        )
    return points


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit_view(request, pk: int):
    """Edit points as a new draft version of the scorecard (city officers)."""
    version = selectors.scorecard_get(user=request.user, pk=pk)
    if not scorecard_can_edit(user=request.user):
        raise ApplicationError.permission_denied(str(scorecard_can_edit.refusal))  # type: ignore[attr-defined]
    ruleset = version_ruleset(version)
    rows = points_rows(ruleset)
    error = None
    if request.method == "POST":
        try:
            draft = services.scorecard_draft_create(
                base=version,
                acting_user=request.user,
                points=_posted_points(request.POST, rows),
                base_points=float(request.POST["base_points"])
                if request.POST.get("base_points")
                else None,
                grade_mins={
                    g.code: float(request.POST[f"g-{g.code}"])
                    for g in ruleset.grades
                    if request.POST.get(f"g-{g.code}")
                },
                note=request.POST.get("note", ""),
            )
        except (ApplicationError, ValueError) as exc:
            error = exc.message if isinstance(exc, ApplicationError) else str(exc)
        else:
            return redirect("credit:scorecard_detail", pk=draft.pk)
    context = {"version": version, "ruleset": ruleset, "rows": rows, "error": error}
    return render(request, "credit/scorecard_edit.html", context, status=400 if error else 200)


@login_required
@require_POST
def scorecard_activate_view(request, pk: int):
    version = selectors.scorecard_get(user=request.user, pk=pk)
    services.scorecard_activate(version=version, acting_user=request.user)
    return redirect("credit:scorecard_detail", pk=version.pk)
