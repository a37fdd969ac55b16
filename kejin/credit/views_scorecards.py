"""Scorecard pages: versions, one version's points table with metrics and worked cases (a
draft's expected scores and grades restated in place), the edit form (a new draft), the
preview beside the active version with monitoring, activation (refused, with each failing
case, until every case passes)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kejin.core.errors import ApplicationError
from kejin.core.http import client_ip_address
from kejin.credit.permissions import scorecard_can_edit
from kejin.credit.scoring import selectors, services
from kejin.credit.scoring.scorecards import points_rows, version_ruleset, worked_case_results
from kejin.facts.catalogue import catalogue
from kejin.facts.rule_versions import outcome_text


@login_required
@require_GET
def scorecard_list_view(request):
    versions = selectors.scorecard_list(user=request.user)
    context = {"versions": versions, "can_edit": scorecard_can_edit(user=request.user)}
    return render(request, "credit/scorecard_list.html", context)


def _case_rows(version) -> list[dict]:
    """The worked cases for the page: facts in words, expected and actual score and grade."""
    facts = catalogue()
    rows = []
    for index, case in enumerate(worked_case_results(version)):
        expected_score = case["expect"].get("score")
        rows.append(
            {
                **case,
                "index": index,
                "fact_texts": [
                    f"{facts[name].label if name in facts else name}："
                    f"{outcome_text(value) if isinstance(value, bool) or value is None else value}"
                    for name, value in case["facts"].items()
                ],
                "expected_score": expected_score["approx"]
                if isinstance(expected_score, dict)
                else expected_score,
                "tolerance": expected_score.get("tolerance")
                if isinstance(expected_score, dict)
                else None,
                "expected_grade": case["expect"].get("grade"),
            }
        )
    return rows


def _detail(request, version, *, error: str | None = None, failures=(), status: int = 200):
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
        "cases": _case_rows(version),
        "error": error,
        "failures": list(failures),
    }
    return render(request, "credit/scorecard_detail.html", context, status=status)


@login_required
@require_GET
def scorecard_detail_view(request, pk: int):
    version = selectors.scorecard_get(user=request.user, pk=pk)
    return _detail(request, version)


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
    """Activate a draft; a refusal (a failing worked case, a version no longer a draft…) is
    shown on the version's page with each failing case."""
    version = selectors.scorecard_get(user=request.user, pk=pk)
    try:
        services.scorecard_activate(
            version=version, acting_user=request.user, ip_address=client_ip_address(request)
        )
    except ApplicationError as error:
        if error.code == "permission_denied":
            raise
        version.refresh_from_db()
        failures = error.fields.get("worked_cases", []) if error.fields else []
        return _detail(
            request, version, error=error.message, failures=failures, status=error.status
        )
    return redirect("credit:scorecard_detail", pk=version.pk)


def _posted_cases(post, version) -> list[dict]:
    """The draft's worked cases with the expected score and grade as posted (``s-<n>``,
    ``g-<n>``; blank: not expected). A trained card's score kept within its tolerance when
    the posted number is the one shown."""
    cases = []
    errors = []
    for index, case in enumerate(version.worked_cases or []):
        expect = dict(case.get("expect") or {})
        raw_score = post.get(f"s-{index}", "").strip()
        raw_grade = post.get(f"g-{index}", "").strip()
        shown = expect.get("score")
        if raw_score == "":
            expect.pop("score", None)
        else:
            try:
                score = float(raw_score)
            except ValueError:
                errors.append(case.get("name", ""))
                score = None
            if score is not None:
                keep = isinstance(shown, dict) and shown.get("approx") == score
                expect["score"] = shown if keep else score
        if raw_grade:
            expect["grade"] = raw_grade
        else:
            expect.pop("grade", None)
        cases.append({**case, "expect": expect})
    if errors:
        message = _("预期评分应是数字：%s") % "、".join(errors)
        raise ApplicationError.invalid({"worked_cases": [message]}, message)
    return cases


@login_required
@require_POST
def scorecard_cases_view(request, pk: int):
    """Restate a draft's expected scores and grades (city officers)."""
    version = selectors.scorecard_get(user=request.user, pk=pk)
    try:
        services.scorecard_worked_cases_update(
            version=version,
            acting_user=request.user,
            worked_cases=_posted_cases(request.POST, version),
        )
    except ApplicationError as error:
        if error.code == "permission_denied":
            raise
        version.refresh_from_db()
        return _detail(request, version, error=error.message, status=error.status)
    return redirect("credit:scorecard_detail", pk=version.pk)
