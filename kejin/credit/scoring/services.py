"""Writes of credit scoring: scorecard versions drafted, saved from training, activated.

Every write is audited (actor explicit) in the transaction that makes it; activation
retires the version it replaces and rescores every enterprise once committed.
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
from kejin.credit.choices import ScorecardKind, ScorecardStatus
from kejin.credit.models import ScorecardVersion
from kejin.credit.permissions import scorecard_can_edit
from kejin.credit.scoring.scorecards import EXPERT_CODE, document_ruleset, expert_document
from kejin.rules.expressions import RuleError
from kejin.rules.messages import rule_error_message

_AUDITED = ("code", "version", "title", "kind", "status", "valid_from", "valid_to", "note")


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
    """The default Jiaxing expert scorecard, version 1, active when no version is (created
    once; later calls return it)."""
    existing = ScorecardVersion.objects.filter(code=EXPERT_CODE, version=1).first()
    if existing is not None:
        return existing
    document = expert_document()
    with transaction.atomic():
        active = ScorecardVersion.objects.filter(status=ScorecardStatus.ACTIVE).exists()
        version = ScorecardVersion.objects.create(
            code=EXPERT_CODE,
            version=1,
            title=document["title"],
            kind=ScorecardKind.EXPERT,
            status=ScorecardStatus.DRAFT if active else ScorecardStatus.ACTIVE,
            valid_from=document["valid_from"],
            reference=document["reference"],
            document=document,
            note=_("默认专家评分卡"),
            created_by=acting_user,
            activated_by=None if active else acting_user,
            activated_at=None if active else timezone.now(),
        )
        audit_record(
            actor=acting_user, action=AuditAction.CREATE, instance=version, after=_snapshot(version)
        )
    return version


def scorecard_draft_create(
    *,
    base: ScorecardVersion,
    acting_user,
    points: dict[str, dict[int, float]],
    base_points: float | None = None,
    grade_mins: dict[str, float] | None = None,
    note: str = "",
) -> ScorecardVersion:
    """A new draft version of ``base``'s scorecard with edited points: ``points[indicator]
    [band index]``, the base points and the grades' lower bounds. Audited with every
    changed point before and after."""
    require(scorecard_can_edit, user=acting_user, obj=base)
    document = copy.deepcopy(base.document)
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
    with transaction.atomic():
        version = ScorecardVersion.objects.create(
            code=base.code,
            version=number,
            title=base.title,
            kind=base.kind,
            status=ScorecardStatus.DRAFT,
            valid_from=timezone.localdate(),
            reference=base.reference,
            document=document,
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
    *, document: dict[str, Any], metrics: dict[str, Any], acting_user=None, note: str = ""
) -> ScorecardVersion:
    """A trained scorecard saved as a draft version with its held-out metrics (``acting_user``
    None: the management command, recorded as the system)."""
    if acting_user is not None:
        require(scorecard_can_edit, user=acting_user)
    code = document["id"]
    number = _next_version(code)
    document = {**document, "version": str(number)}
    _checked(document)
    with transaction.atomic():
        version = ScorecardVersion.objects.create(
            code=code,
            version=number,
            title=document["title"],
            kind=ScorecardKind.STATISTICAL,
            status=ScorecardStatus.DRAFT,
            valid_from=document["valid_from"],
            reference=document["reference"],
            document=document,
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


def scorecard_activate(*, version: ScorecardVersion, acting_user) -> ScorecardVersion:
    """Make the draft ``version`` the active scorecard: the active one is retired, every
    enterprise is rescored once committed. Only drafts over catalogued facts."""
    from kejin.credit.tasks import credit_scores_refresh
    from kejin.facts.catalogue import catalogue

    require(scorecard_can_edit, user=acting_user, obj=version)
    unknown = sorted(set(version.document.get("facts", [])) - set(catalogue()))
    if unknown:
        raise ApplicationError.invalid(
            {"document": [", ".join(unknown)]},
            _("评分卡使用了事实目录中没有的指标（%(facts)s），不能用于给企业评分。")
            % {"facts": "、".join(unknown)},
        )
    _checked(version.document)
    with transaction.atomic():
        locked = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ScorecardStatus.DRAFT:
            raise ApplicationError(
                ErrorCode.VERSION_NOT_DRAFT,
                _("只能启用草稿版本；该版本的状态是“%(status)s”。")
                % {"status": locked.get_status_display()},
            )
        today = timezone.localdate()
        for current in ScorecardVersion.objects.select_for_update().filter(
            status=ScorecardStatus.ACTIVE
        ):
            before = _snapshot(current)
            current.status = ScorecardStatus.RETIRED
            current.valid_to = today
            current.save(update_fields=["status", "valid_to"])
            audit_record(
                actor=acting_user,
                action=AuditAction.UPDATE,
                instance=current,
                before=before,
                after=_snapshot(current),
            )
        before = _snapshot(locked)
        locked.status = ScorecardStatus.ACTIVE
        locked.activated_by = acting_user
        locked.activated_at = timezone.now()
        locked.valid_from = max(locked.valid_from, today)
        locked.save(update_fields=["status", "activated_by", "activated_at", "valid_from"])
        audit_record(
            actor=acting_user,
            action=AuditAction.UPDATE,
            instance=locked,
            before=before,
            after=_snapshot(locked),
        )
        credit_scores_refresh()
    return locked
