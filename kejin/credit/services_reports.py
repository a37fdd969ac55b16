"""Writes of the consent workflow: request, grant, refuse, revoke. Each is atomic, checks its
predicate, locks the request it changes and writes an ``AuditEvent`` in the same transaction.

Reading a report is not here: it is the one access function
``kejin.credit.reports.credit_report_for``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, snapshot_diff
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.credit.choices import ReportPurpose, ReportRequestStatus, ReportState
from kejin.credit.models import RecordCategory, ReportRequest
from kejin.credit.models.reports import shanghai_today
from kejin.credit.permissions import (
    report_grant_can_revoke,
    report_request_can_create,
    report_request_can_decide,
)
from kejin.facts.periods import shift_years

DEFAULT_GRANT_DAYS = 90
REASON_MAX_LENGTH = 500


def grant_default_until(today: datetime.date | None = None) -> datetime.date:
    """The default last day of a grant: 90 days from today (Asia/Shanghai)."""
    return (today or shanghai_today()) + datetime.timedelta(days=DEFAULT_GRANT_DAYS)


def grant_latest_until(today: datetime.date | None = None) -> datetime.date:
    """The latest last day a grant may have: one year from today (same calendar day)."""
    return shift_years(today or shanghai_today(), 1)


def _snapshot(request: ReportRequest) -> dict:
    return {
        "enterprise": request.enterprise_id,
        "institution": request.institution_id,
        "purpose": request.purpose,
        "note": request.note,
        "categories": sorted(c.code for c in request.categories.all()),
        "status": request.status,
        "granted_categories": sorted(c.code for c in request.granted_categories.all()),
        "valid_until": request.valid_until.isoformat() if request.valid_until else None,
        "refusal_reason": request.refusal_reason,
        "revoke_reason": request.revoke_reason,
    }


def _reason(value: str, *, field: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError.invalid({field: [_("请填写理由。")]})
    if len(value) > REASON_MAX_LENGTH:
        raise ApplicationError.invalid(
            {field: [_("理由不能超过%(max)s个字。") % {"max": REASON_MAX_LENGTH}]}
        )
    if value and (problem := text_problem(value, multiline=True)):
        raise ApplicationError.invalid({field: [problem]})
    return value


def _locked(request: ReportRequest) -> ReportRequest:
    return ReportRequest.objects.select_for_update().get(pk=request.pk)


def _decided_conflict(request: ReportRequest) -> ApplicationError:
    when = timezone.localtime(request.decided_at).strftime("%Y-%m-%d %H:%M")
    return ApplicationError(
        ErrorCode.REPORT_REQUEST_DECIDED,
        _("该申请已于%(when)s处理（%(state)s），不能再次处理。")
        % {"when": when, "state": request.state_label},
    )


@transaction.atomic
def report_request_create(
    *,
    actor,
    enterprise,
    purpose: str,
    categories: Iterable[RecordCategory],
    note: str = "",
    ip_address: str | None = None,
) -> ReportRequest:
    """An institution's user asks ``enterprise`` for a report: the purpose and the categories
    wanted. Audited; the enterprise's administrator sees it among the pending requests."""
    require(report_request_can_create, user=actor, obj=enterprise)
    categories = list(categories)
    problems: dict[str, list[str]] = {}
    if purpose not in ReportPurpose.values:
        problems["purpose"] = [_("请选择查询用途。")]
    if not categories:
        problems["categories"] = [_("请至少选择一个查询类别。")]
    elif inactive := [c.name for c in categories if not c.is_active]:
        problems["categories"] = [
            _("以下类别已停用，不能申请：%(names)s。") % {"names": "、".join(inactive)}
        ]
    try:
        note = _reason(note, field="note", required=False)
    except ApplicationError as error:
        problems.update(error.fields)
    if problems:
        raise ApplicationError.invalid(problems)
    request = ReportRequest.objects.create(
        enterprise=enterprise,
        institution_id=actor.institution_id,
        requested_by=actor,
        purpose=purpose,
        note=note,
    )
    request.categories.set(categories)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=request,
        after=_snapshot(request),
        ip_address=ip_address,
    )
    return request


@transaction.atomic
def report_request_grant(
    *,
    actor,
    request: ReportRequest,
    categories: Iterable[RecordCategory],
    valid_until: datetime.date | None = None,
    ip_address: str | None = None,
) -> ReportRequest:
    """The enterprise's administrator grants a pending request: which of the requested
    categories, until which day (default 90 days, at most one year, inclusive, Asia/Shanghai).
    Audited with the state before and after."""
    locked = _locked(request)
    require(report_request_can_decide, user=actor, obj=locked)
    if locked.status != ReportRequestStatus.PENDING:
        raise _decided_conflict(locked)
    today = shanghai_today()
    valid_until = valid_until or grant_default_until(today)
    categories = list(categories)
    requested = {c.pk for c in locked.categories.all()}
    problems: dict[str, list[str]] = {}
    if not categories:
        problems["categories"] = [_("请至少授权一个类别。")]
    elif outside := [c.name for c in categories if c.pk not in requested]:
        problems["categories"] = [
            _("只能授权对方申请的类别，以下类别未申请：%(names)s。") % {"names": "、".join(outside)}
        ]
    latest = grant_latest_until(today)
    if valid_until < today:
        problems["valid_until"] = [_("授权有效期不能早于今天。")]
    elif valid_until > latest:
        problems["valid_until"] = [
            _("授权有效期最长一年，最晚为%(latest)s。") % {"latest": latest.isoformat()}
        ]
    if problems:
        raise ApplicationError.invalid(problems)
    before = _snapshot(locked)
    locked.status = ReportRequestStatus.GRANTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.valid_until = valid_until
    locked.save(update_fields=["status", "decided_by", "decided_at", "valid_until"])
    locked.granted_categories.set(categories)
    changed_before, changed_after = snapshot_diff(before, _snapshot(locked))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=changed_before,
        after=changed_after,
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def report_request_refuse(
    *, actor, request: ReportRequest, reason: str, ip_address: str | None = None
) -> ReportRequest:
    """The enterprise's administrator refuses a pending request, with a reason. Audited."""
    locked = _locked(request)
    require(report_request_can_decide, user=actor, obj=locked)
    if locked.status != ReportRequestStatus.PENDING:
        raise _decided_conflict(locked)
    reason = _reason(reason, field="reason", required=True)
    before = _snapshot(locked)
    locked.status = ReportRequestStatus.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.refusal_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    changed_before, changed_after = snapshot_diff(before, _snapshot(locked))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=changed_before,
        after=changed_after,
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def report_grant_revoke(
    *, actor, request: ReportRequest, reason: str = "", ip_address: str | None = None
) -> ReportRequest:
    """The enterprise's administrator revokes a grant in force: from now on the institution
    reads nothing under it. Audited."""
    locked = _locked(request)
    require(report_grant_can_revoke, user=actor, obj=locked)
    state = locked.state
    if state != ReportState.GRANTED:
        messages: dict[str, str] = {
            ReportState.PENDING: _("该申请尚未授权，无需撤销；如不同意查询，请拒绝申请。"),
            ReportState.REFUSED: _("该申请已被拒绝，没有可撤销的授权。"),
            ReportState.REVOKED: _("该授权已于%(when)s撤销。")
            % {
                "when": timezone.localtime(locked.revoked_at).strftime("%Y-%m-%d %H:%M")
                if locked.revoked_at
                else ""
            },
            ReportState.EXPIRED: _("该授权已于%(day)s到期失效，无需撤销。")
            % {"day": locked.valid_until.isoformat() if locked.valid_until else ""},
        }
        raise ApplicationError(ErrorCode.REPORT_GRANT_INACTIVE, str(messages[state]))
    reason = _reason(reason, field="reason", required=False)
    before = _snapshot(locked)
    locked.status = ReportRequestStatus.REVOKED
    locked.revoked_by = actor
    locked.revoked_at = timezone.now()
    locked.revoke_reason = reason
    locked.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason"])
    changed_before, changed_after = snapshot_diff(before, _snapshot(locked))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=changed_before,
        after=changed_after,
        ip_address=ip_address,
    )
    return locked
