"""Shared write helpers for the domain services: validate, save and audit in one step."""

from __future__ import annotations

import datetime
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, model_snapshot, snapshot_diff
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import holiday_schedule_can_change, require
from kejin.core.text import text_problem

_NOT_AUDITED = {"created_at", "updated_at"}
_M = TypeVar("_M", bound=models.Model)


def _audited_fields(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields if f.name not in _NOT_AUDITED]


@transaction.atomic
def instance_save_audited(*, actor, instance: _M, data: dict, ip_address: str | None = None) -> _M:
    """Apply ``data`` (field name → value, related objects as instances) to ``instance``,
    validate it fully (field validators, constraints, uniqueness), save it and write an
    AuditEvent with the changed fields before and after. Invalid data raises
    ``ApplicationError`` (code ``invalid``) naming each field, and nothing is written.
    """
    creating = instance._state.adding
    fields = _audited_fields(instance)
    before = None if creating else model_snapshot(instance, fields)
    for name, value in data.items():
        setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ApplicationError.invalid(exc.message_dict) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        # Another request stored a conflicting row between our validation and our save.
        raise ApplicationError(
            ErrorCode.CONFLICT,
            str(_("数据与刚保存的另一条记录冲突（例如信用代码已被登记），请刷新后重试。")),
        ) from exc
    after = model_snapshot(instance, fields)
    if before is None:  # creating
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=instance,
            after=after,
            ip_address=ip_address,
        )
    else:
        changed_before, changed_after = snapshot_diff(before, after)
        if changed_after:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=instance,
                before=changed_before,
                after=changed_after,
                ip_address=ip_address,
            )
    return instance


# --- Holiday schedules -------------------------------------------------------------------

HOLIDAY_SCHEDULE_LAST_YEAR = 2100
_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def holiday_schedule_problems(
    *, year, notice: str, days: list[tuple], day_labels: list[str] | None = None
) -> dict[str | int, list[str]]:
    """Everything wrong with a schedule as entered, before anything is written.

    Keys are ``"year"``, ``"notice"`` and ``"days"`` (the schedule as a whole) and the index
    of a day in ``days`` for that day's own problems, so that a page can name its line and the
    admin its inline row; ``day_labels`` names the days in messages that point at another day
    ("第3行"; by default "第3条"). An empty dict means the schedule is valid. Shared by
    :func:`holiday_schedule_save`, the edit page and the admin.
    """
    from kejin.core.choices import ScheduleDayKind
    from kejin.core.workdays import library_years

    problems: dict[str | int, list[str]] = {}

    def add(key, message):
        problems.setdefault(key, []).append(str(message))

    known = library_years()
    if not isinstance(year, int) or isinstance(year, bool):
        add("year", _("请填写年份（四位数字）。"))
        year = None
    elif year in known:
        add(
            "year",
            _(
                "%(year)s年的节假日安排已内置于日历库（%(first)s–%(last)s年），无需录入；"
                "只需录入%(next)s年及以后的年份。"
            )
            % {"year": year, "first": known[0], "last": known[-1], "next": known[-1] + 1},
        )
    elif not known[-1] < year <= HOLIDAY_SCHEDULE_LAST_YEAR:
        add(
            "year",
            _("年份应在%(first)s至%(last)s之间。")
            % {"first": known[-1] + 1, "last": HOLIDAY_SCHEDULE_LAST_YEAR},
        )

    notice = (notice or "").strip()
    if not notice:
        add("notice", _("请填写通知文号或标题，例如“国务院办公厅关于2027年部分节假日安排的通知”。"))
    elif len(notice) > 255:
        add("notice", _("通知文号或标题不能超过255个字。"))
    elif problem := text_problem(notice):
        add("notice", problem)

    kinds = {choice.value for choice in ScheduleDayKind}
    seen: dict[datetime.date, int] = {}
    for index, day in enumerate(days):
        try:
            date, kind, name = day
        except (TypeError, ValueError):
            add(index, _("每一天应包含日期、类型和节日名称。"))
            continue
        if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
            add(index, _("日期无效，请按“2027-02-06”的格式填写。"))
            continue
        if year is not None and date.year != year:
            add(
                index,
                _("日期 %(date)s 不在%(year)s年内。") % {"date": date.isoformat(), "year": year},
            )
        if date in seen:
            add(
                index,
                _("日期 %(date)s 重复（与%(first)s相同）。")
                % {"date": date.isoformat(), "first": _day_label(day_labels, seen[date])},
            )
        else:
            seen[date] = index
        if kind not in kinds:
            add(
                index,
                _("类型“%(kind)s”无效，应为 holiday（放假）或 workday（调休上班）。")
                % {"kind": kind},
            )
        elif kind == ScheduleDayKind.WORKDAY and date.weekday() < 5:
            add(
                index,
                _("%(date)s 是%(weekday)s，调休上班日只能是星期六或星期日。")
                % {"date": date.isoformat(), "weekday": _WEEKDAY_NAMES[date.weekday()]},
            )
        name = (name or "").strip()
        if not name:
            add(index, _("请填写节日名称，例如“春节”。"))
        elif len(name) > 32:
            add(index, _("节日名称不能超过32个字。"))
        elif problem := text_problem(name):
            add(index, problem)

    if not any(
        isinstance(day, (tuple, list)) and len(day) == 3 and day[1] == ScheduleDayKind.HOLIDAY
        for day in days
    ):
        add("days", _("至少录入一个放假日期。"))
    return problems


def _day_label(labels: list[str] | None, index: int) -> str:
    if labels is not None and index < len(labels):
        return labels[index]
    return _("第%(number)s条") % {"number": index + 1}


def holiday_schedule_problem_fields(problems: dict[str | int, list[str]]) -> dict[str, list[str]]:
    """The problems keyed as ApplicationError fields: a day's index becomes ``days[<index>]``."""
    return {
        (f"days[{key}]" if isinstance(key, int) else key): messages
        for key, messages in problems.items()
    }


def _holiday_schedule_snapshot(schedule) -> dict:
    return {
        "year": schedule.year,
        "notice": schedule.notice,
        "days": [
            f"{day.date.isoformat()} {day.kind} {day.name}"
            for day in schedule.days.order_by("date")
        ],
    }


@transaction.atomic
def holiday_schedule_save(
    *,
    actor,
    year: int,
    notice: str,
    days: list[tuple[datetime.date, str, str]],
    ip_address: str | None = None,
):
    """Create or replace the holiday schedule of ``year`` from the State Council's notice.

    ``days`` are ``(date, kind, name)``: every statutory holiday (``holiday``) and every
    weekend day adjusted to a working day (``workday``). Replacing drops the year's previous
    days. Only city officers and platform admins may do this; years chinese-calendar already
    knows are refused. Invalid input raises ``ApplicationError`` (``invalid``) with a message
    per field (``days[<index>]`` for a day) and nothing is written. Audited with the whole
    schedule before and after.
    """
    from kejin.core.models import HolidaySchedule, HolidayScheduleDay

    require(holiday_schedule_can_change, user=actor)
    problems = holiday_schedule_problems(year=year, notice=notice, days=days)
    if problems:
        raise ApplicationError.invalid(holiday_schedule_problem_fields(problems))

    existing = HolidaySchedule.objects.select_for_update().filter(year=year).first()
    before = None
    if existing is None:
        schedule = HolidaySchedule(year=year)
    else:
        schedule = existing
        before = _holiday_schedule_snapshot(schedule)
        schedule.days.all().delete()
    schedule.notice = notice.strip()
    schedule.entered_by = actor
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError as exc:
        # Two officers created the same year at once; the other one's save stands.
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("%(year)s年的节假日安排刚刚已由他人保存，请刷新页面后再修改。") % {"year": year},
        ) from exc
    HolidayScheduleDay.objects.bulk_create(
        HolidayScheduleDay(schedule=schedule, date=date, kind=kind, name=name.strip())
        for date, kind, name in sorted(days, key=lambda day: day[0])
    )
    after = _holiday_schedule_snapshot(schedule)
    if before is None:  # creating
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=schedule,
            after=after,
            ip_address=ip_address,
        )
    else:
        changed_before, changed_after = snapshot_diff(before, after)
        if changed_after:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=schedule,
                before=changed_before,
                after=changed_after,
                ip_address=ip_address,
            )
    return schedule
