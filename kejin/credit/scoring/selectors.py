"""Reads of credit scoring: scorecard versions, previews, monitoring, the credit profile.

Every read is for an acting user: scorecards for those ``scorecard_can_view`` allows, an
enterprise's profile only within ``Enterprise.objects.visible_to(user)`` and
``credit_profile_can_view`` (404 otherwise, never revealing that it exists).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone

from kejin.core.errors import ApplicationError
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.credit.indicators import (
    INDICATOR_SCHEMA,
    credit_indicators_frame,
    iter_indicator_frames,
)
from kejin.credit.models import CreditRecord, CreditScore, CreditScoreHistory, ScorecardVersion
from kejin.credit.permissions import credit_profile_can_view, scorecard_can_view
from kejin.credit.scoring.monitoring import (
    indicators_psi,
    psi_categorical,
    psi_numeric,
    scores_at_month_ends,
    stability,
)
from kejin.credit.scoring.scorecards import (
    grade_counts,
    reason_texts,
    score_frame,
    version_ruleset,
)
from kejin.enterprises.models import Enterprise
from kejin.facts.catalogue import catalogue
from kejin.facts.choices import RuleVersionStatus


def scorecard_list(*, user) -> QuerySet[ScorecardVersion]:
    require(scorecard_can_view, user=user)
    return ScorecardVersion.objects.select_related("created_by", "activated_by").order_by(
        "code", "-version"
    )


def scorecard_get(*, user, pk: int) -> ScorecardVersion:
    require(scorecard_can_view, user=user)
    version = (
        ScorecardVersion.objects.select_related("created_by", "activated_by").filter(pk=pk).first()
    )
    if version is None:
        raise ApplicationError.not_found()
    return version


def scorecard_active() -> ScorecardVersion | None:
    return ScorecardVersion.objects.filter(status=RuleVersionStatus.ACTIVE).first()


def _all_indicators(as_of: datetime.date) -> pl.DataFrame:
    frames = list(iter_indicator_frames(as_of=as_of))
    if frames:
        return pl.concat(frames)
    return pl.DataFrame(schema={"enterprise_id": pl.Int64, **INDICATOR_SCHEMA})


@dataclass
class Preview:
    """A version's grade distribution over every enterprise beside the active version's."""

    as_of: datetime.date
    enterprises: int
    grades: list[dict[str, Any]]
    psi: float | None
    stability: str
    active: ScorecardVersion | None


def scorecard_preview(
    *, user, version: ScorecardVersion, as_of: datetime.date | None = None
) -> Preview:
    """Score every enterprise with ``version`` and with the active version (in chunks,
    vectorised) and count each grade; the PSI between the two score distributions."""
    require(scorecard_can_view, user=user)
    as_of = as_of or timezone.localdate()
    frame = _all_indicators(as_of)
    ruleset = version_ruleset(version)
    mine = score_frame(ruleset, frame)
    active = scorecard_active()
    theirs = score_frame(version_ruleset(active), frame) if active else None
    counts = grade_counts(ruleset, mine)
    other = grade_counts(version_ruleset(active), theirs) if active and theirs is not None else {}
    codes = list(dict.fromkeys([*counts, *other]))
    total = max(frame.height, 1)
    grades = [
        {
            "grade": code,
            "count": counts.get(code, 0),
            "share": counts.get(code, 0) / total,
            "active_count": other.get(code, 0),
            "active_share": other.get(code, 0) / total,
        }
        for code in codes
    ]
    psi = (
        psi_numeric(theirs["score"].to_list(), mine["score"].to_list())
        if theirs is not None and active is not None and active.pk != version.pk
        else None
    )
    return Preview(as_of, frame.height, grades, psi, stability(psi), active)


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


@dataclass
class Monitoring:
    """PSI of scores between months and of each indicator between two dates."""

    months: list[datetime.date]
    score_psi: float | None
    score_stability: str
    grade_psi: float | None
    indicators: list[dict[str, Any]] = field(default_factory=list)
    as_of: datetime.date | None = None
    compared_with: datetime.date | None = None


def scorecard_monitoring(*, user, as_of: datetime.date | None = None) -> Monitoring:
    """Score stability between the last two month ends (from the score history) and each
    indicator's between ``as_of`` and the same day a month earlier."""
    require(scorecard_can_view, user=user)
    as_of = as_of or timezone.localdate()
    this_month = _month_end(as_of)
    last_month = this_month.replace(day=1) - datetime.timedelta(days=1)
    rows = list(
        CreditScoreHistory.objects.order_by().values_list(
            "enterprise_id", "computed_at", "score", "grade"
        )
    )
    tz = timezone.get_current_timezone()
    history = pl.DataFrame(
        {
            "enterprise_id": [r[0] for r in rows],
            "computed_on": [timezone.localtime(r[1], tz).date() for r in rows],
            "score": [None if r[2] is None else float(r[2]) for r in rows],
            "grade": [r[3] or None for r in rows],
        },
        schema={
            "enterprise_id": pl.Int64,
            "computed_on": pl.Date,
            "score": pl.Float64,
            "grade": pl.Utf8,
        },
    )
    held = scores_at_month_ends(history, [last_month, this_month])
    score_psi = psi_numeric(held[last_month], held[this_month])
    grades_held = scores_at_month_ends(
        history.with_columns(pl.col("grade").alias("score")).drop("grade"),
        [last_month, this_month],
    )
    grade_psi = psi_categorical(grades_held[last_month], grades_held[this_month])
    earlier = as_of - datetime.timedelta(days=30)
    by_indicator = indicators_psi(_all_indicators(earlier), _all_indicators(as_of))
    facts = catalogue()
    indicators = [
        {
            "name": name,
            "label": facts[name].label if name in facts else name,
            "psi": psi,
            "stability": stability(psi),
        }
        for name, psi in by_indicator.items()
    ]
    return Monitoring(
        months=[last_month, this_month],
        score_psi=score_psi,
        score_stability=stability(score_psi),
        grade_psi=grade_psi,
        indicators=indicators,
        as_of=as_of,
        compared_with=earlier,
    )


# --- the credit profile -------------------------------------------------------------------


@dataclass
class CreditProfile:
    enterprise: Enterprise
    records_by_category: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    score: CreditScore | None
    reasons: list[dict[str, str]]
    history: list[CreditScoreHistory]
    points: list[dict[str, Any]]
    as_of: datetime.date


def _display(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "元":
        return format_yuan(Decimal(str(value)))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}{unit}" if unit else str(value)


def credit_profile(
    *, user, enterprise_id: int, as_of: datetime.date | None = None
) -> CreditProfile:
    """An enterprise's credit profile for ``user`` (404 if it may not see it)."""
    enterprise = Enterprise.objects.visible_to(user).filter(pk=enterprise_id).first()
    if enterprise is None or not credit_profile_can_view(user=user, obj=enterprise):
        raise ApplicationError.not_found()
    as_of = as_of or timezone.localdate()
    records = list(
        CreditRecord.objects.visible_to(user)
        .current()
        .filter(enterprise=enterprise)
        .select_related("category")
        .order_by("category__order", "category__code", "-event_date", "-id")
    )
    grouped: dict[int, dict[str, Any]] = {}
    for record in records:
        group = grouped.setdefault(record.category_id, {"category": record.category, "entries": []})
        group["entries"].append(record)
    frame = credit_indicators_frame(first_id=enterprise.pk, last_id=enterprise.pk, as_of=as_of)
    values = frame.to_dicts()[0] if frame.height else {}
    facts = catalogue()
    indicators = [
        {
            "name": name,
            "label": facts[name].label,
            "value": values.get(name),
            "display": _display(values.get(name), facts[name].unit),
            "meaning": facts[name].meaning,
        }
        for name in INDICATOR_SCHEMA
    ]
    score = (
        CreditScore.objects.visible_to(user)
        .select_related("scorecard")
        .filter(enterprise=enterprise)
        .first()
    )
    reasons: list[dict[str, str]] = []
    points: list[dict[str, Any]] = []
    if score is not None:
        ruleset = version_ruleset(score.scorecard)
        reasons = reason_texts(ruleset, list(score.reasons))
        if values:
            explanation = ruleset.explain(values)
            points = [
                {"label": i.label, "band": i.band, "points": i.points}
                for i in explanation.indicators
            ]
    history = list(
        CreditScoreHistory.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .select_related("scorecard")
        .order_by("computed_at", "id")
    )
    return CreditProfile(
        enterprise=enterprise,
        records_by_category=list(grouped.values()),
        indicators=indicators,
        score=score,
        reasons=reasons,
        history=history,
        points=points,
        as_of=as_of,
    )


__all__ = [
    "CreditProfile",
    "Monitoring",
    "Preview",
    "credit_profile",
    "scorecard_active",
    "scorecard_get",
    "scorecard_list",
    "scorecard_monitoring",
    "scorecard_preview",
]
