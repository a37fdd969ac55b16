"""Writes of credit scoring: scorecard versions drafted, saved from training, their worked
cases restated, activated.

Every write is audited (actor explicit) in the transaction that makes it. Activation is the
stored rule versions' (``kejin.facts.rule_versions.rule_version_activate``): the worked cases
must pass on the explanation and the batch path (``worked_cases_fail`` otherwise), the
version it replaces is retired, and every enterprise is rescored once committed.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.credit.choices import ScorecardKind
from kejin.credit.models import ScorecardVersion
from kejin.credit.permissions import scorecard_can_edit
from kejin.credit.scoring.scorecards import (
    EXPERT_CODE,
    carried_worked_cases,
    document_ruleset,
    expert_document,
    expert_worked_cases,
)
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import rule_version_activate
from kejin.rules.expressions import RuleError
from kejin.rules.messages import rule_error_message

_AUDITED = (
    "code",
    "version",
    "title",
    "kind",
    "status",
    "valid_from",
    "valid_to",
    "reference",
    "note",
    "worked_cases",
)


def _snapshot(version: ScorecardVersion) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in _AUDITED:
        value = getattr(version, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _next_version(code: str) -> int:
    latest = ScorecardVersion.objects.filter(code=code).aggregate(m=Max("version"))["m"]
    return (latest or 0) + 1


def _checked(document: dict[str, Any]) -> None:
    try:
        document_ruleset(document)
    except RuleError as exc:
        raise ApplicationError.invalid(
            {"document": [str(rule_error_message(exc))]},
            _("评分表有误：%(error)s") % {"error": rule_error_message(exc)},
        ) from exc


def scorecard_default_install(*, acting_user=None) -> ScorecardVersion:
    """The default Jiaxing expert scorecard, version 1, with its worked cases; activated
    through the same gate as any version (its cases must pass) when no version is active.
    Created once; later calls return it."""
    existing = ScorecardVersion.objects.filter(code=EXPERT_CODE, version=1).first()
    if existing is not None:
        return existing
    document = expert_document()
    with transaction.atomic():
        version = ScorecardVersion.objects.create(
            code=EXPERT_CODE,
            version=1,
            title=document["title"],
            kind=ScorecardKind.EXPERT,
            status=RuleVersionStatus.DRAFT,
            valid_from=document["valid_from"],
            reference=document["reference"],
            document=document,
            worked_cases=expert_worked_cases(),
            note=_("默认专家评分卡"),
            created_by=acting_user,
        )
        audit_record(
            actor=acting_user, action=AuditAction.CREATE, instance=version, after=_snapshot(version)
        )
        if not ScorecardVersion.objects.filter(status=RuleVersionStatus.ACTIVE).exists():
            version = rule_version_activate(version=version, actor=acting_user)
    return version


def scorecard_draft_create(
    *,
    base: ScorecardVersion,
    acting_user,
    points: dict[str, dict[int, float]],
    base_points: float | None = None,
    grade_mins: dict[str, float] | None = None,
    note: str = "",
    worked_cases: list[dict[str, Any]] | None = None,
) -> ScorecardVersion:
    """A new draft version of ``base``'s scorecard with edited points: ``points[indicator]
    [band index]``, the base points and the grades' lower bounds. Its worked cases are
    ``worked_cases`` if given, else ``base``'s carried over expecting the score and grade
    ``base`` expected (``carried_worked_cases``: restate them when the points change).
    Audited with every changed point before and after."""
    require(scorecard_can_edit, user=acting_user, obj=base)
    document: dict[str, Any] = copy.deepcopy(base.document or {})
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    indicators = {i["id"]: i for i in document.get("indicators", [])}
    for indicator_id, bands in points.items():
        if indicator_id not in indicators:
            raise ApplicationError.invalid({"points": [_("没有这个指标：%s") % indicator_id]})
        for index, value in bands.items():
            band_list = indicators[indicator_id]["bands"]
            if not 0 <= index < len(band_list):
                raise ApplicationError.invalid({"points": [_("没有这个分档：%s") % indicator_id]})
            if band_list[index]["points"] != value:
                key = f"{indicator_id}[{index}]"
                before[key], after[key] = band_list[index]["points"], value
                band_list[index]["points"] = value
    if base_points is not None and document.get("base_points") != base_points:
        before["base_points"], after["base_points"] = document.get("base_points"), base_points
        document["base_points"] = base_points
    for grade in document.get("grades", []):
        new_min = (grade_mins or {}).get(grade["code"])
        if new_min is not None and grade.get("min") is not None and grade["min"] != new_min:
            key = f"grade.{grade['code']}"
            before[key], after[key] = grade["min"], new_min
            grade["min"] = new_min
    number = _next_version(base.code)
    document["version"] = str(number)
    _checked(document)
    cases = (
        _checked_cases(worked_cases, document)
        if worked_cases is not None
        else carried_worked_cases(base)
    )
    with transaction.atomic():
        version = ScorecardVersion.objects.create(
            code=base.code,
            version=number,
            title=base.title,
            kind=base.kind,
            status=RuleVersionStatus.DRAFT,
            valid_from=timezone.localdate(),
            reference=base.reference,
            parameters=base.parameters,
            document=document,
            worked_cases=cases,
            metrics={},
            note=note,
            created_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action=AuditAction.CREATE,
            instance=version,
            before={"based_on": base.version, **before},
            after={**_snapshot(version), **after},
        )
    return version


def scorecard_statistical_save(
    *,
    document: dict[str, Any],
    metrics: dict[str, Any],
    worked_cases: list[dict[str, Any]] | None = None,
    acting_user=None,
    note: str = "",
) -> ScorecardVersion:
    """A trained scorecard saved as a draft version with its held-out metrics and worked
    cases (held-out rows and the fitted model's scores for them, so the points table must
    reproduce the model to be activated); ``acting_user`` None: the management command,
    recorded as the system."""
    if acting_user is not None:
        require(scorecard_can_edit, user=acting_user)
    code = document["id"]
    number = _next_version(code)
    document = {**document, "version": str(number)}
    _checked(document)
    cases = _checked_cases(worked_cases or [], document)
    with transaction.atomic():
        version = ScorecardVersion.objects.create(
            code=code,
            version=number,
            title=document["title"],
            kind=ScorecardKind.STATISTICAL,
            status=RuleVersionStatus.DRAFT,
            valid_from=document["valid_from"],
            reference=_reference_line(document["reference"]),
            document=document,
            worked_cases=cases,
            metrics=metrics,
            note=note,
            created_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action=AuditAction.CREATE,
            instance=version,
            after={**_snapshot(version), "auc": metrics.get("auc")},
        )
    return version


def scorecard_worked_cases_update(
    *, version: ScorecardVersion, acting_user, worked_cases: list[dict[str, Any]]
) -> ScorecardVersion:
    """Replace a draft's worked cases (``[{"name", "facts", "expect"}]``: facts over the
    points table's facts, expected ``score``/``grade``…). Only drafts
    (``version_not_draft``); audited before and after."""
    require(scorecard_can_edit, user=acting_user, obj=version)
    cases = _checked_cases(worked_cases, version.document or {})
    with transaction.atomic():
        locked = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
        _refuse_unless_draft(locked)
        before = {"worked_cases": locked.worked_cases}
        locked.worked_cases = cases
        locked.save(update_fields=["worked_cases"])
        audit_record(
            actor=acting_user,
            action=AuditAction.UPDATE,
            instance=locked,
            before=before,
            after={"worked_cases": cases},
        )
    return locked


def scorecard_activate(
    *, version: ScorecardVersion, acting_user, ip_address: str | None = None
) -> ScorecardVersion:
    """Make the draft ``version`` the active scorecard through the stored rule versions'
    gate (``rule_version_activate``): only drafts (``version_not_draft``, 409), over
    catalogued facts (``invalid``), whose worked cases all pass on the explanation and the
    batch path (``worked_cases_fail``, 400, each failing case listed). It takes effect today
    (or on its later ``valid_from``); the active version is retired and closed the day
    before; audited in one transaction; every enterprise is rescored once committed."""
    from kejin.credit.tasks import credit_scores_refresh
    from kejin.facts.catalogue import catalogue

    require(scorecard_can_edit, user=acting_user, obj=version)
    _refuse_unless_draft(version)
    unknown = sorted(set((version.document or {}).get("facts", [])) - set(catalogue()))
    if unknown:
        raise ApplicationError.invalid(
            {"document": [", ".join(unknown)]},
            _("评分卡使用了事实目录中没有的指标（%(facts)s），不能用于给企业评分。")
            % {"facts": "、".join(unknown)},
        )
    _checked(version.document or {})
    with transaction.atomic():
        activated = rule_version_activate(version=version, actor=acting_user, ip_address=ip_address)
        credit_scores_refresh()
    return activated


def _refuse_unless_draft(version: ScorecardVersion) -> None:
    if not version.is_draft:
        raise ApplicationError(
            ErrorCode.VERSION_NOT_DRAFT,
            _("版本 %(version)s 已是“%(status)s”状态，只有草稿可以启用或修改。")
            % {"version": version.version, "status": version.get_status_display()},
        )


def _reference_line(text: str) -> str:
    """A reference as one line of at most 255 characters (the base's field)."""
    line = " ".join(str(text).split())
    return line if len(line) <= 255 else line[:254] + "…"


def _checked_cases(cases: Any, document: dict[str, Any]) -> list[dict[str, Any]]:
    """Worked cases in the stored shape, or ``invalid`` naming what is wrong: a list of
    ``{"name", "facts", "expect"}`` with distinct names, facts the points table reads and
    something expected."""
    known = set(document.get("facts", []))
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    if not isinstance(cases, list):
        cases = None
    for number, case in enumerate(cases or [], start=1):
        if not isinstance(case, dict):
            errors.append(_("第%(n)s个算例格式有误。") % {"n": number})
            continue
        name = " ".join(str(case.get("name") or "").split())
        facts, expect = case.get("facts") or {}, case.get("expect")
        if not name:
            errors.append(_("第%(n)s个算例缺少名称。") % {"n": number})
        elif any(c["name"] == name for c in cleaned):
            errors.append(_("算例名称“%(name)s”重复。") % {"name": name})
        if not isinstance(facts, dict) or set(facts) - known:
            unknown = sorted(set(facts) - known) if isinstance(facts, dict) else []
            errors.append(
                _("算例“%(name)s”使用了评分表没有的指标：%(facts)s")
                % {"name": name or number, "facts": "、".join(unknown) or "?"}
            )
        if not isinstance(expect, dict) or not expect:
            errors.append(_("算例“%(name)s”没有预期结果。") % {"name": name or number})
        cleaned.append(
            {
                "name": name,
                "facts": dict(facts) if isinstance(facts, dict) else {},
                "expect": dict(expect) if isinstance(expect, dict) else {},
            }
        )
    if cases is None:
        errors.append(_("算例应是列表。"))
    if errors:
        raise ApplicationError.invalid({"worked_cases": errors}, errors[0])
    return cleaned
