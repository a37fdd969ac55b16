"""The dispute (异议) workflow: services (writes: permission-checked, atomic, audited with
the actor given explicitly) and selectors (reads, scoped through ``visible_to``).

1. An enterprise's admin disputes one of its current records with a reason and attachments
   (:func:`dispute_open`); one open dispute per record.
2. The record's source department resolves it by the deadline (20 working days from filing
   by default, ``CREDIT_DISPUTE_DEADLINE_WORKDAYS``; per category
   ``CREDIT_DISPUTE_DEADLINE_WORKDAYS_BY_CATEGORY``): corrected — a new version supersedes
   the record (:func:`dispute_resolve_correct`) —, removed (:func:`dispute_resolve_remove`)
   or upheld with an annotation (:func:`dispute_uphold`) the enterprise may answer once
   (:func:`dispute_reply`). The enterprise may withdraw an open dispute
   (:func:`dispute_withdraw`).
3. The daily scan (:func:`disputes_overdue_flag`) flags open disputes past their deadline;
   officers list them with the working days overdue (:func:`disputes_overdue`).
4. Every resolution recomputes the enterprise's score once committed
   (:func:`_after_resolution`).

Checks run in the API's order: 403 (who) → 400 (the input) → 409 (the state); a refused
write changes nothing and writes no audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.attachments import (  # noqa: F401  (ATTACHMENT_MAX_COUNT: the API reads it here)
    ATTACHMENT_MAX_COUNT,
    CheckedAttachment,
    attachments_check,
)
from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.core.workdays import WorkdayCalendar, WorkdayResult
from kejin.credit.choices import DisputeAttachmentStage, DisputeStatus, RecordStatus
from kejin.credit.models import CreditRecord, Dispute, DisputeAttachment, RecordCategory
from kejin.credit.permissions import (
    credit_dispute_can_answer,
    credit_dispute_can_browse,
    credit_dispute_can_open,
    credit_dispute_can_resolve,
    credit_dispute_can_view_overdue,
)
from kejin.credit.records import (
    credit_record_correct,
    credit_record_data_clean,
    credit_record_remove,
)
from kejin.credit.tasks import credit_scores_refresh

DEFAULT_DEADLINE_WORKDAYS = 20
TEXT_MAX_LENGTH = 2000
CLOSED_STATUSES = [s for s in DisputeStatus.values if s != DisputeStatus.OPEN]

_AUDITED = [
    "record",
    "enterprise",
    "department",
    "status",
    "reason",
    "filed_by",
    "deadline",
    "deadline_workdays",
    "deadline_approximate",
]
_RESOLUTION_AUDITED = [
    "status",
    "resolved_at",
    "resolved_by",
    "resolution_note",
    "corrected_record",
]
_REPLY_AUDITED = ["reply", "replied_at", "replied_by"]


# --- deadlines ------------------------------------------------------------------------------


def dispute_deadline_workdays(category: RecordCategory) -> int:
    """The working days the source department has for a dispute about ``category``."""
    by_category = getattr(settings, "CREDIT_DISPUTE_DEADLINE_WORKDAYS_BY_CATEGORY", {}) or {}
    if category.code in by_category:
        return int(by_category[category.code])
    return int(getattr(settings, "CREDIT_DISPUTE_DEADLINE_WORKDAYS", DEFAULT_DEADLINE_WORKDAYS))


def dispute_deadline(
    *, filed_at: datetime.datetime, workdays: int, calendar: WorkdayCalendar | None = None
) -> WorkdayResult:
    """The last day to resolve a dispute filed at ``filed_at``: the ``workdays``-th working
    day after the day of filing in Jiaxing (the filing day itself not counted)."""
    return (calendar or WorkdayCalendar()).add(filed_at, workdays)


@dataclass(frozen=True)
class DisputeTiming:
    """Where an open dispute stands against its deadline on ``today``."""

    #: Working days left until the deadline (0 on the deadline itself); None once overdue.
    days_left: int | None
    #: Working days past the deadline; None while in time.
    days_overdue: int | None
    approximate: bool

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue is not None


def dispute_timing(
    dispute: Dispute, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> DisputeTiming | None:
    """Days left or overdue, in working days, for an open dispute (None once closed)."""
    if not dispute.is_open:
        return None
    today = today or timezone.localdate()
    calendar = calendar or WorkdayCalendar()
    if today > dispute.deadline:
        overdue = calendar.between(dispute.deadline, today)
        # A deadline passed over a weekend or holiday is overdue from the next working day.
        return DisputeTiming(None, max(_count(overdue), 0), overdue.approximate)
    left = calendar.between(today, dispute.deadline)
    return DisputeTiming(_count(left), None, left.approximate or dispute.deadline_approximate)


def _count(result: WorkdayResult) -> int:
    if not isinstance(result.value, int):
        raise TypeError("expected a count of working days")
    return result.value


# --- input ----------------------------------------------------------------------------------


def _clean_text(value, *, field: str, missing: str) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not value:
        raise ApplicationError.invalid({field: [missing]})
    if len(value) > TEXT_MAX_LENGTH:
        raise ApplicationError.invalid(
            {field: [_("不能超过%(max)s个字。") % {"max": TEXT_MAX_LENGTH}]}
        )
    if problem := text_problem(value, multiline=True):
        raise ApplicationError.invalid({field: [problem]})
    return value


def dispute_attachments_check(files: Sequence | None) -> list[CheckedAttachment]:
    """The uploaded ``files`` once each is known to be a PDF, JPG or PNG of at most 10 MB, at
    most 5 of them (``kejin.core.attachments``); otherwise ``invalid`` on ``attachments``."""
    return attachments_check(files)


def _attachments_save(
    *, dispute: Dispute, checked: list[CheckedAttachment], stage: str, acting_user
) -> list[str]:
    for item in checked:
        attachment = DisputeAttachment(
            dispute=dispute,
            stage=stage,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=acting_user,
        )
        # Every check has passed before the first file is written; only a database failure
        # after this point could leave a stored file without its row.
        attachment.file.save(item.name, item.file, save=False)  # type: ignore[arg-type]
        attachment.save()
    return [item.name for item in checked]


# --- services -------------------------------------------------------------------------------


@transaction.atomic
def dispute_open(
    *,
    record: CreditRecord,
    reason: str,
    attachments: Sequence | None = None,
    acting_user,
    ip_address: str | None = None,
) -> Dispute:
    """The enterprise's admin disputes its current ``record`` with a reason (required) and up
    to five attachments. The source department must resolve it by the deadline, counted in
    working days from today. A second open dispute on the record is
    ``dispute_already_open``; a version no longer current is ``record_not_current``."""
    require(credit_dispute_can_open, user=acting_user, obj=record)
    reason = _clean_text(
        reason,
        field="reason",
        missing=_("请填写异议理由：哪一项数据有误、正确的情况是什么，以及依据。"),
    )
    checked = dispute_attachments_check(attachments)
    locked = (
        CreditRecord.objects.select_for_update()
        .select_related("category")
        .filter(pk=record.pk)
        .first()
    )
    if locked is None or locked.status != RecordStatus.CURRENT or locked.enterprise_id is None:
        raise ApplicationError(
            ErrorCode.RECORD_NOT_CURRENT,
            _("该记录已不是当前有效版本（已被更正或删除），请对当前有效的记录提出异议。"),
        )
    existing = Dispute.objects.open().filter(record=locked).first()
    if existing is not None:
        raise _already_open(existing)
    filed_at = timezone.now()
    workdays = dispute_deadline_workdays(locked.category)
    deadline = dispute_deadline(filed_at=filed_at, workdays=workdays)
    dispute = Dispute(
        record=locked,
        enterprise_id=locked.enterprise_id,
        department_id=locked.category.department_id,
        status=DisputeStatus.OPEN,
        reason=reason,
        filed_by=acting_user,
        filed_at=filed_at,
        deadline=deadline.date,
        deadline_workdays=workdays,
        deadline_approximate=deadline.approximate,
    )
    try:
        with transaction.atomic():
            dispute.save()
    except IntegrityError as exc:
        # Another request opened one between our check and our save.
        raise _already_open(Dispute.objects.open().filter(record=locked).first()) from exc
    names = _attachments_save(
        dispute=dispute,
        checked=checked,
        stage=DisputeAttachmentStage.FILING,
        acting_user=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CREATE,
        instance=dispute,
        after={**model_snapshot(dispute, _AUDITED), "attachments": names},
        ip_address=ip_address,
    )
    return dispute


def _already_open(existing: Dispute | None) -> ApplicationError:
    if existing is None:
        return ApplicationError(
            ErrorCode.DISPUTE_ALREADY_OPEN, _("该记录已有处理中的异议，请等待来源部门处理。")
        )
    return ApplicationError(
        ErrorCode.DISPUTE_ALREADY_OPEN,
        _("该记录已有处理中的异议（%(when)s提出，处理期限%(deadline)s），请等待来源部门处理。")
        % {
            "when": timezone.localtime(existing.filed_at).strftime("%Y-%m-%d"),
            "deadline": existing.deadline.isoformat(),
        },
    )


def _lock(dispute: Dispute) -> Dispute:
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("record__category")
        .get(pk=dispute.pk)
    )


def _closed(locked: Dispute) -> ApplicationError:
    when = locked.resolved_at or locked.updated_at
    return ApplicationError(
        ErrorCode.DISPUTE_CLOSED,
        _("该异议已于%(when)s办结（%(status)s），不能再处理或撤回。")
        % {
            "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
            "status": locked.get_status_display(),
        },
    )


def _resolve(
    *,
    locked: Dispute,
    status: str,
    note: str,
    checked: list[CheckedAttachment],
    acting_user,
    ip_address: str | None,
    corrected_record: CreditRecord | None = None,
) -> Dispute:
    before = model_snapshot(locked, _RESOLUTION_AUDITED)
    locked.status = status
    locked.resolution_note = note
    locked.resolved_at = timezone.now()
    locked.resolved_by = acting_user
    locked.corrected_record = corrected_record
    locked.save()
    names = _attachments_save(
        dispute=locked,
        checked=checked,
        stage=DisputeAttachmentStage.RESOLUTION,
        acting_user=acting_user,
    )
    after = model_snapshot(locked, _RESOLUTION_AUDITED)
    if names:
        after["attachments"] = names
    audit_record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=after,
        ip_address=ip_address,
    )
    _after_resolution(locked.enterprise_id)
    return locked


def _current_version(record: CreditRecord) -> CreditRecord:
    current = (
        CreditRecord.objects.filter(
            category_id=record.category_id,
            source_record_id=record.source_record_id,
            status=RecordStatus.CURRENT,
        )
        .select_related("category")
        .first()
    )
    if current is None:
        raise ApplicationError(
            ErrorCode.RECORD_NOT_CURRENT,
            _("该记录已被删除，没有可更正的当前版本；请选择“删除”或“维持原记录”办结。"),
        )
    return current


@transaction.atomic
def dispute_resolve_correct(
    *,
    dispute: Dispute,
    data: dict,
    note: str,
    attachments: Sequence | None = None,
    acting_user,
    ip_address: str | None = None,
) -> Dispute:
    """The source department corrects the disputed record: a new version with ``data``
    (every field of the category, checked as a batch row is) supersedes the current one; the
    dispute is closed as corrected with the department's explanation ``note``."""
    require(credit_dispute_can_resolve, user=acting_user, obj=dispute)
    note = _clean_text(note, field="note", missing=_("请填写处理说明：更正了什么，依据是什么。"))
    cleaned, event_date = credit_record_data_clean(category=dispute.record.category, data=data)
    checked = dispute_attachments_check(attachments)
    locked = _lock(dispute)
    if not locked.is_open:
        raise _closed(locked)
    new = credit_record_correct(
        record=_current_version(locked.record),
        data=cleaned,
        event_date=event_date,
        acting_user=acting_user,
        ip_address=ip_address,
    )
    return _resolve(
        locked=locked,
        status=DisputeStatus.CORRECTED,
        note=note,
        checked=checked,
        acting_user=acting_user,
        ip_address=ip_address,
        corrected_record=new,
    )


@transaction.atomic
def dispute_resolve_remove(
    *,
    dispute: Dispute,
    note: str,
    attachments: Sequence | None = None,
    acting_user,
    ip_address: str | None = None,
) -> Dispute:
    """The source department removes the disputed record (its current version becomes
    removed); the dispute is closed as removed with the explanation ``note``."""
    require(credit_dispute_can_resolve, user=acting_user, obj=dispute)
    note = _clean_text(note, field="note", missing=_("请填写处理说明：为什么删除该记录。"))
    checked = dispute_attachments_check(attachments)
    locked = _lock(dispute)
    if not locked.is_open:
        raise _closed(locked)
    current = (
        CreditRecord.objects.filter(
            category_id=locked.record.category_id,
            source_record_id=locked.record.source_record_id,
            status=RecordStatus.CURRENT,
        )
        .select_related("category")
        .first()
    )
    if current is not None:
        credit_record_remove(record=current, acting_user=acting_user, ip_address=ip_address)
    return _resolve(
        locked=locked,
        status=DisputeStatus.REMOVED,
        note=note,
        checked=checked,
        acting_user=acting_user,
        ip_address=ip_address,
    )


@transaction.atomic
def dispute_uphold(
    *,
    dispute: Dispute,
    annotation: str,
    attachments: Sequence | None = None,
    acting_user,
    ip_address: str | None = None,
) -> Dispute:
    """The source department keeps the record as it is; its ``annotation`` (why) is shown
    with the record wherever it appears, and the enterprise may answer it once."""
    require(credit_dispute_can_resolve, user=acting_user, obj=dispute)
    annotation = _clean_text(
        annotation,
        field="annotation",
        missing=_("请填写维持原记录的理由，该说明将与记录一并展示。"),
    )
    checked = dispute_attachments_check(attachments)
    locked = _lock(dispute)
    if not locked.is_open:
        raise _closed(locked)
    return _resolve(
        locked=locked,
        status=DisputeStatus.UPHELD,
        note=annotation,
        checked=checked,
        acting_user=acting_user,
        ip_address=ip_address,
    )


@transaction.atomic
def dispute_reply(
    *,
    dispute: Dispute,
    reply: str,
    attachments: Sequence | None = None,
    acting_user,
    ip_address: str | None = None,
) -> Dispute:
    """The enterprise's admin answers the annotation of an upheld dispute, once; the answer
    is shown beside the annotation. Any other state is ``dispute_not_upheld``; a second
    answer ``dispute_already_replied``."""
    require(credit_dispute_can_answer, user=acting_user, obj=dispute)
    reply = _clean_text(reply, field="reply", missing=_("请填写企业说明。"))
    checked = dispute_attachments_check(attachments)
    locked = _lock(dispute)
    if locked.status != DisputeStatus.UPHELD:
        raise ApplicationError(
            ErrorCode.DISPUTE_NOT_UPHELD,
            _("只有“维持原记录”的异议可以答复，该异议目前为“%(status)s”。")
            % {"status": locked.get_status_display()},
        )
    if locked.replied_at is not None:
        raise ApplicationError(
            ErrorCode.DISPUTE_ALREADY_REPLIED,
            _("该异议已于%(when)s答复，每个异议只能答复一次。")
            % {"when": timezone.localtime(locked.replied_at).strftime("%Y-%m-%d %H:%M")},
        )
    before = model_snapshot(locked, _REPLY_AUDITED)
    locked.reply, locked.replied_at, locked.replied_by = reply, timezone.now(), acting_user
    locked.save()
    names = _attachments_save(
        dispute=locked, checked=checked, stage=DisputeAttachmentStage.REPLY, acting_user=acting_user
    )
    after = model_snapshot(locked, _REPLY_AUDITED)
    if names:
        after["attachments"] = names
    audit_record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=after,
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def dispute_withdraw(*, dispute: Dispute, acting_user, ip_address: str | None = None) -> Dispute:
    """The enterprise's admin withdraws its open dispute; the record stays as it is."""
    require(credit_dispute_can_answer, user=acting_user, obj=dispute)
    locked = _lock(dispute)
    if not locked.is_open:
        raise _closed(locked)
    before = model_snapshot(locked, ["status", "resolved_at", "resolved_by"])
    locked.status = DisputeStatus.WITHDRAWN
    locked.resolved_at, locked.resolved_by = timezone.now(), acting_user
    locked.save()
    audit_record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=model_snapshot(locked, ["status", "resolved_at", "resolved_by"]),
        ip_address=ip_address,
    )
    return locked


def disputes_overdue_flag(*, today: datetime.date | None = None) -> int:
    """Flag every open dispute past its deadline on ``today`` (Jiaxing's date by default)
    that is not flagged yet; the number flagged. Idempotent: a conditional UPDATE per
    dispute, so a second run (or a concurrent one) flags and audits nothing twice. Audited
    with the system as the actor."""
    today = today or timezone.localdate()
    flagged = 0
    due = Dispute.objects.open().filter(deadline__lt=today, overdue_flagged_at__isnull=True)
    for dispute in due.only("pk", "record_id", "deadline").iterator():
        with transaction.atomic():
            now = timezone.now()
            if not Dispute.objects.filter(
                pk=dispute.pk, status=DisputeStatus.OPEN, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=now):
                continue
            dispute.overdue_flagged_at = now
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                instance=dispute,
                before={"overdue_flagged_at": None},
                after={
                    "overdue_flagged_at": model_snapshot(dispute, ["overdue_flagged_at"])[
                        "overdue_flagged_at"
                    ],
                    "deadline": dispute.deadline.isoformat(),
                },
            )
            flagged += 1
    return flagged


def _after_resolution(enterprise_id: int) -> None:
    """Rescore the enterprise once the resolution is committed (the record it was scored on
    changed or went away)."""
    credit_scores_refresh(enterprise_ids=[enterprise_id])


# --- selectors ------------------------------------------------------------------------------


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "record__category", "enterprise__county", "department", "filed_by", "resolved_by"
    )


DISPUTE_LIST_STATUSES = ("open", "closed", "all")


def dispute_list(*, user, status: str = "open") -> QuerySet:
    """Disputes ``user`` may see, newest first: ``open``, ``closed`` or ``all``."""
    require(credit_dispute_can_browse, user=user)
    disputes = _with_relations(Dispute.objects.visible_to(user))
    if status == "open":
        disputes = disputes.filter(status=DisputeStatus.OPEN).order_by("deadline", "id")
    elif status == "closed":
        disputes = disputes.filter(status__in=CLOSED_STATUSES)
    return disputes


def dispute_get(*, user, pk: int) -> Dispute:
    """One dispute ``user`` may see, with its record; ``not_found`` otherwise."""
    dispute = (
        _with_relations(Dispute.objects.visible_to(user))
        .select_related("corrected_record", "replied_by")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )
    if dispute is None:
        raise ApplicationError.not_found()
    return dispute


def dispute_attachment_get(*, user, dispute_id: int, pk: int) -> DisputeAttachment:
    """An attachment of a dispute ``user`` may see; ``not_found`` otherwise."""
    dispute = dispute_get(user=user, pk=dispute_id)
    attachment = next((a for a in dispute.attachments.all() if a.pk == pk), None)
    if attachment is None:
        raise ApplicationError.not_found()
    return attachment


def disputes_overdue(*, user, today: datetime.date | None = None) -> QuerySet:
    """Open disputes past their deadline in ``user``'s scope (city officers all, county
    officers their county), the longest overdue first."""
    require(credit_dispute_can_view_overdue, user=user)
    today = today or timezone.localdate()
    return _with_relations(
        Dispute.objects.visible_to(user).filter(status=DisputeStatus.OPEN, deadline__lt=today)
    ).order_by("deadline", "id")


def dispute_record_get(*, user, record_id: int) -> CreditRecord:
    """A record ``user`` may see, to dispute it; ``not_found`` otherwise."""
    record = (
        CreditRecord.objects.visible_to(user)
        .select_related("category", "enterprise")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise ApplicationError.not_found()
    return record


def dispute_records_of_enterprise(*, user) -> QuerySet:
    """The current records of the user's own enterprise, which it may dispute."""
    require(credit_dispute_can_browse, user=user)
    if not user.is_enterprise_user:
        return CreditRecord.objects.none()
    return (
        CreditRecord.objects.visible_to(user)
        .current()
        .select_related("category")
        .order_by("category__order", "category__code", "-event_date", "-id")
    )


@dataclass(frozen=True)
class RecordDisputeState:
    """How a record stands with disputes, for every page that shows the record: ``status``
    is a ``DisputeStatus`` value (``open``: under dispute). For an upheld dispute,
    ``annotation`` is the department's note and ``reply`` the enterprise's answer."""

    status: str
    dispute_id: int
    annotation: str = ""
    reply: str = ""

    @property
    def under_dispute(self) -> bool:
        return self.status == DisputeStatus.OPEN

    @property
    def label(self) -> str:
        if self.under_dispute:
            return str(_("异议处理中"))
        return str(_("异议：%(status)s") % {"status": DisputeStatus(self.status).label})


def record_dispute_states(records: Iterable[CreditRecord]) -> dict[int, RecordDisputeState]:
    """``{record id: state}`` for the records that have a dispute (on any version of the
    same source record; withdrawn ones do not count): the open one if any, else the latest
    resolution. One query, whatever the number of records."""
    records = list(records)
    if not records:
        return {}
    keys: dict[tuple[int, str], list[int]] = {}
    for record in records:
        keys.setdefault((record.category_id, record.source_record_id), []).append(record.pk)
    disputes = (
        Dispute.objects.filter(
            record__category_id__in={key[0] for key in keys},
            record__source_record_id__in={key[1] for key in keys},
        )
        .exclude(status=DisputeStatus.WITHDRAWN)
        .order_by("filed_at", "id")
        .values_list(
            "id",
            "status",
            "resolution_note",
            "reply",
            "record__category_id",
            "record__source_record_id",
        )
    )
    best: dict[tuple[int, str], RecordDisputeState] = {}
    for pk, status, note, reply, category_id, source_id in disputes:
        key = (category_id, source_id)
        if key not in keys:
            continue
        current = best.get(key)
        if current is not None and current.under_dispute:
            continue  # an open dispute wins over any later closed one (there is none)
        upheld = status == DisputeStatus.UPHELD
        best[key] = RecordDisputeState(
            status=status,
            dispute_id=pk,
            annotation=note if upheld else "",
            reply=reply if upheld else "",
        )
    return {record_id: state for key, state in best.items() for record_id in keys[key]}


def disputes_open_counts(
    *,
    enterprise_ids: Iterable[int] | None = None,
    enterprise_id_range: tuple[int, int] | None = None,
) -> dict[int, int]:
    """Open disputes per enterprise, of ``enterprise_ids`` or of the ids in the inclusive
    ``enterprise_id_range`` (the ``credit.disputes_open`` fact); enterprises without any are
    absent."""
    disputes = Dispute.objects.filter(status=DisputeStatus.OPEN)
    if enterprise_ids is not None:
        disputes = disputes.filter(enterprise_id__in=list(enterprise_ids))
    if enterprise_id_range is not None:
        disputes = disputes.filter(enterprise__pk__range=enterprise_id_range)
    rows = (
        disputes.values("enterprise_id").annotate(n=Count("id")).values_list("enterprise_id", "n")
    )
    return dict(rows)


def dispute_status_counts(*, user) -> dict[str, int]:
    """Open, closed and overdue disputes in ``user``'s scope (the list's tabs)."""
    today = timezone.localdate()
    counts = Dispute.objects.visible_to(user).aggregate(
        open=Count("id", filter=Q(status=DisputeStatus.OPEN)),
        closed=Count("id", filter=~Q(status=DisputeStatus.OPEN)),
        overdue=Count("id", filter=Q(status=DisputeStatus.OPEN, deadline__lt=today)),
    )
    return {key: int(value or 0) for key, value in counts.items()}
