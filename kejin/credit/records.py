"""Writing new versions of credit records by hand: a correction or a removal by the record's
source department (e.g. resolving a dispute). Batches write versions in bulk through the
ingestion spec; both keep the same rule: one current version per (category, source record
id), older versions kept with status superseded, history never rewritten.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.credit.choices import FieldType, RecordStatus
from kejin.credit.models import CreditRecord, RecordCategory
from kejin.credit.permissions import credit_record_can_correct

TEXT_MAX_LENGTH = 1000
_AUDITED = ["category", "source_record_id", "version", "status", "enterprise", "event_date", "data"]
_TRUE = {"true", "1", "是", "yes"}
_FALSE = {"false", "0", "否", "no"}


def credit_record_content_hash(*, data: dict, event_date: datetime.date) -> str:
    """The SHA-256 of a record's content (its data and event date), keys sorted: identical
    content has the same hash whatever the order of its fields."""
    payload = json.dumps(
        {"data": data, "event_date": event_date.isoformat()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _parse_value(field, raw, *, today: datetime.date):
    """One field's value as stored in ``data`` (see the catalogue: dates as ISO strings,
    amounts as strings of Decimal yuan, integers as int, choices as the code), or a message."""
    kind = field.type
    if kind == FieldType.TEXT:
        value = str(raw).strip()
        if len(value) > TEXT_MAX_LENGTH:
            return None, _("不能超过%(max)s个字。") % {"max": TEXT_MAX_LENGTH}
        if problem := text_problem(value):
            return None, problem
        return value, None
    if kind == FieldType.INTEGER:
        if isinstance(raw, bool):
            return None, _("应为整数。")
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            return None, _("应为整数。")
        if not number.is_finite() or number != number.to_integral_value():
            return None, _("应为整数。")
        if number < 0:
            return None, _("不能为负数。")
        return int(number), None
    if kind in (FieldType.DECIMAL, FieldType.AMOUNT):
        if isinstance(raw, bool):
            return None, _("应为数字。")
        try:
            number = decimal.Decimal(str(raw).strip().replace(",", ""))
        except decimal.InvalidOperation:
            return None, _("应为数字，例如 12500.00。")
        if not number.is_finite() or abs(number) >= decimal.Decimal("1e15"):
            return None, _("应为数字，例如 12500.00。")
        if number < 0:
            return None, _("不能为负数。")
        if kind == FieldType.AMOUNT:
            number = number.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
        return str(number), None
    if kind == FieldType.DATE:
        if isinstance(raw, datetime.date):
            day = raw
        else:
            try:
                day = datetime.date.fromisoformat(str(raw).strip())
            except ValueError:
                return None, _("日期无效，请按“2026-03-15”的格式填写。")
        if day > today:
            return None, _("日期不能晚于今天。")
        return day.isoformat(), None
    if kind == FieldType.CHOICE:
        value = str(raw).strip()
        allowed = [str(code) for code in field.allowed_values or []]
        if value not in allowed:
            return None, _("应为以下之一：%(codes)s。") % {"codes": "、".join(allowed)}
        return value, None
    if kind == FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return None, _("应为“是”或“否”。")
    return None, _("不支持的字段类型。")


def credit_record_data_clean(
    *, category: RecordCategory, data: dict, today: datetime.date | None = None
) -> tuple[dict, datetime.date]:
    """``data`` (field code → value as typed or sent) parsed and checked against the
    category's fields, and the event date it names. Raises ``ApplicationError.invalid`` with
    a message per field (key ``data.<code>``); an empty value counts as absent."""
    today = today or timezone.localdate()
    fields = list(category.fields.all())
    known = {field.code for field in fields}
    problems: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise ApplicationError.invalid({"data": [_("应为字段代码到值的对象。")]})
    for code in data:
        if code not in known:
            problems[f"data.{code}"] = [_("该类别没有字段“%(code)s”。") % {"code": code}]
    cleaned: dict = {}
    for field in fields:
        raw = data.get(field.code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                problems[f"data.{field.code}"] = [_("“%(name)s”为必填项。") % {"name": field.name}]
            continue
        value, problem = _parse_value(field, raw, today=today)
        if problem:
            problems[f"data.{field.code}"] = [f"{field.name}：{problem}"]
        else:
            cleaned[field.code] = value
    event = cleaned.get(category.event_date_field)
    if not problems and not isinstance(event, str):
        problems[f"data.{category.event_date_field}"] = [
            _("请填写事件日期字段“%(code)s”。") % {"code": category.event_date_field}
        ]
    if problems or not isinstance(event, str):
        raise ApplicationError.invalid(problems)
    return cleaned, datetime.date.fromisoformat(event)


def _lock_current(record: CreditRecord) -> CreditRecord:
    locked = (
        CreditRecord.objects.select_for_update()
        .select_related("category")
        .filter(pk=record.pk)
        .first()
    )
    if locked is None or locked.status != RecordStatus.CURRENT:
        raise ApplicationError(
            ErrorCode.RECORD_NOT_CURRENT,
            _("该记录已不是当前有效版本（已被更正或删除），请刷新后查看最新版本。"),
        )
    return locked


@transaction.atomic
def credit_record_correct(
    *,
    record: CreditRecord,
    data: dict,
    event_date: datetime.date,
    acting_user,
    ip_address: str | None = None,
) -> CreditRecord:
    """A new version of ``record`` with ``data`` (already clean, see
    :func:`credit_record_data_clean`) superseding it; by the record's source department.
    The same content again is ``invalid``; a record no longer current is
    ``record_not_current``. Audited: the old version's status and the new version."""
    require(credit_record_can_correct, user=acting_user, obj=record)
    locked = _lock_current(record)
    content_hash = credit_record_content_hash(data=data, event_date=event_date)
    if content_hash == locked.content_hash:
        raise ApplicationError.invalid(
            {"data": [_("更正后的内容与原记录相同，请修改需要更正的数据项。")]}
        )
    latest = CreditRecord.objects.filter(
        category_id=locked.category_id, source_record_id=locked.source_record_id
    ).aggregate(latest=Max("version"))["latest"]
    locked.status = RecordStatus.SUPERSEDED
    locked.save(update_fields=["status"])
    new = CreditRecord(
        category=locked.category,
        source_record_id=locked.source_record_id,
        version=(latest or locked.version) + 1,
        status=RecordStatus.CURRENT,
        uscc=locked.uscc,
        enterprise_id=locked.enterprise_id,
        event_date=event_date,
        data=data,
        content_hash=content_hash,
        batch=None,
    )
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError as exc:
        raise ApplicationError(
            ErrorCode.RECORD_NOT_CURRENT,
            _("该记录刚刚已有新版本，请刷新后查看最新版本。"),
        ) from exc
    audit_record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        instance=locked,
        before={"status": RecordStatus.CURRENT},
        after={"status": RecordStatus.SUPERSEDED},
        ip_address=ip_address,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CREATE,
        instance=new,
        after=model_snapshot(new, _AUDITED),
        ip_address=ip_address,
    )
    return new


@transaction.atomic
def credit_record_remove(
    *, record: CreditRecord, acting_user, ip_address: str | None = None
) -> CreditRecord:
    """Mark ``record`` removed (it stays in the history, no longer counts anywhere); by the
    record's source department. A record no longer current is ``record_not_current``.
    Audited."""
    require(credit_record_can_correct, user=acting_user, obj=record)
    locked = _lock_current(record)
    locked.status = RecordStatus.REMOVED
    locked.save(update_fields=["status"])
    audit_record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        instance=locked,
        before={"status": RecordStatus.CURRENT},
        after={"status": RecordStatus.REMOVED},
        ip_address=ip_address,
    )
    return locked
