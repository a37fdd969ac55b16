"""Forms of the core pages: entering a year's holiday schedule and filtering the audit log."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.core.choices import ScheduleDayKind
from kejin.core.fields import CleanTextFormField
from kejin.core.services import holiday_schedule_problems

# Words an officer may write for a day's kind, besides the stored values.
_KIND_WORDS = {
    "holiday": ScheduleDayKind.HOLIDAY,
    "放假": ScheduleDayKind.HOLIDAY,
    "休": ScheduleDayKind.HOLIDAY,
    "workday": ScheduleDayKind.WORKDAY,
    "上班": ScheduleDayKind.WORKDAY,
    "调休上班": ScheduleDayKind.WORKDAY,
    "班": ScheduleDayKind.WORKDAY,
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_RANGE = re.compile(r"^(.+?)(?:~|～|至|\.\.)(.+)$")
# A range longer than this is a typing mistake, not a holiday.
_LONGEST_RANGE_DAYS = 31


def _parse_date(text: str) -> datetime.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


# The word the edit page writes for each kind (the officer's own words, as in the notice).
_KIND_SHOWN = {ScheduleDayKind.HOLIDAY: "放假", ScheduleDayKind.WORKDAY: "上班"}


def schedule_lines(days) -> str:
    """A schedule's days as the edit page's text, one line per day, in Chinese:
    ``2027-02-06 放假 春节``."""
    return "\n".join(
        f"{day.date.isoformat()} {_KIND_SHOWN.get(day.kind, day.kind)} {day.name}" for day in days
    )


class HolidayScheduleForm(forms.Form):
    """A year's schedule as an officer copies it from the State Council's notice.

    ``days`` is one line per day: ``2027-02-06 放假 春节`` or ``2027-02-14 上班 春节``
    (holiday/workday also work, and a range ``2027-02-05~2027-02-13`` or
    ``2027年2月5日至2027年2月13日`` stands for each day in it).
    Blank lines and lines starting with ``#`` are ignored. Every problem is reported with the
    number of the line it is on; the checks are the service's own
    (:func:`~kejin.core.services.holiday_schedule_problems`).
    """

    notice = CleanTextFormField(
        label=gettext_lazy("通知文号或标题"),
        max_length=255,
        help_text=gettext_lazy(
            "例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）"
        ),
    )
    days = CleanTextFormField(
        multiline=True,
        label=gettext_lazy("放假和调休上班日期"),
        widget=forms.Textarea(
            attrs={"rows": 18, "class": "form-control font-monospace", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "每行一天：日期 类型 节日。类型为“放假”或“上班”（调休上班，只能是周六或周日）。"
            "日期可写作 2027-02-06 或 2027年2月6日；连续的放假日期可写成范围，"
            "如 2027-02-05至2027-02-13 放假 春节。"
        ),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["days"].widget.attrs["placeholder"] = (
            f"{year}-01-01 放假 元旦\n{year}-02-06 放假 春节\n{year}-02-14 上班 春节"
        )
        self._days: list[tuple[datetime.date, str, str]] = []

    def _parse(self, text: str) -> tuple[list[tuple], list[int], list[tuple[int, str]]]:
        """The days written in ``text``, the line number of each, and (line, message) errors."""
        days, line_numbers, errors = [], [], []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 2:
                errors.append(
                    (
                        number,
                        _("应写作“日期 类型 节日”，例如“%(year)s-02-06 放假 春节”。")
                        % {"year": self.year},
                    )
                )
                continue
            date_text, kind_text = parts[0], parts[1]
            name = parts[2] if len(parts) > 2 else ""
            kind = _KIND_WORDS.get(kind_text.lower())
            if kind is None:
                errors.append(
                    (
                        number,
                        _("类型“%(kind)s”无法识别，应为“放假”或“上班”（调休上班）。")
                        % {"kind": kind_text},
                    )
                )
                continue
            span = _RANGE.match(date_text)
            first = _parse_date(span.group(1) if span else date_text)
            last = _parse_date(span.group(2)) if span else first
            if first is None or last is None:
                errors.append(
                    (
                        number,
                        _("日期“%(date)s”无效，请按“%(year)s-02-06”的格式填写。")
                        % {"date": date_text, "year": self.year},
                    )
                )
                continue
            if not 0 <= (last - first).days < _LONGEST_RANGE_DAYS:
                errors.append(
                    (
                        number,
                        _("日期范围“%(date)s”应从早到晚，且不超过%(days)s天。")
                        % {"date": date_text, "days": _LONGEST_RANGE_DAYS},
                    )
                )
                continue
            day = first
            while day <= last:
                days.append((day, kind, name))
                line_numbers.append(number)
                day += datetime.timedelta(days=1)
        return days, line_numbers, errors

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("days")
        if text is None:
            return cleaned
        days, line_numbers, errors = self._parse(text)
        problems = holiday_schedule_problems(
            year=self.year,
            # A missing notice is already the notice field's own error.
            notice=cleaned.get("notice") or "-",
            days=days,
            day_labels=[_("第%(line)s行") % {"line": line} for line in line_numbers],
        )
        general = []
        for key, messages in problems.items():
            if isinstance(key, int):
                errors.extend((line_numbers[key], message) for message in messages)
            elif key == "days":
                general.extend(messages)
            elif key == "year":
                for message in messages:
                    self.add_error(None, message)
            elif key == "notice" and "notice" in cleaned:
                for message in messages:
                    self.add_error("notice", message)
        if errors:
            # In line order, each message once (a range repeats its line's problems per day).
            numbered = [
                _("第%(line)s行：%(message)s") % {"line": line, "message": message}
                for line, message in sorted(dict.fromkeys(errors), key=lambda error: error[0])
            ]
            self.add_error("days", forms.ValidationError(list(dict.fromkeys(numbered))))
        elif general:
            self.add_error("days", forms.ValidationError(general))
        else:
            self._days = days
        return cleaned

    @property
    def schedule_days(self) -> list[tuple[datetime.date, str, str]]:
        """The validated days, for ``holiday_schedule_save``."""
        return self._days
