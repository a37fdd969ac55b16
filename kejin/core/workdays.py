"""Working days by the Chinese holiday calendar.

Statutory holidays and adjusted working weekend days (调休) come from chinese-calendar for
the years it knows (2004–2026 in 1.11) and from :class:`~kejin.core.models.HolidaySchedule`
rows that officers enter from the State Council's annual notice for later years. A year that
neither knows falls back to Monday–Friday; results then carry ``approximate=True`` and list
the years concerned, so every page that shows a deadline can say so. Never raises for a year.

Conventions: ``workdays_add(start, n)`` is the n-th working day after ``start`` (``start``
itself not counted; for negative n the n-th working day before it). ``workdays_between(start,
end)`` counts the working days stepped onto going from ``start`` to ``end``: those in
(start, end] when ``end`` is later, minus those in [end, start) when it is earlier. So
``workdays_between(d, workdays_add(d, n).date) == n`` for every n, negative ones included.

Datetimes are accepted and read as their date in the current time zone (Asia/Shanghai):
a deadline counted from 2025-09-30T20:00Z starts on 1 October in Jiaxing, not 30 September.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache
from typing import cast

import chinese_calendar
from django.utils import timezone

from kejin.core.choices import ScheduleDayKind

LIBRARY = "library"
SCHEDULE = "schedule"
FALLBACK = "fallback"


@cache
def _library_years() -> range:
    """The years chinese-calendar has data for."""
    years = {d.year for d in chinese_calendar.constants.holidays}
    return range(min(years), max(years) + 1)


def library_years() -> range:
    """The years chinese-calendar knows; holiday schedules are entered only for other years."""
    return _library_years()


def _local_date(value: datetime.date) -> datetime.date:
    """``value`` as a calendar date: aware datetimes in the current time zone (Asia/Shanghai)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


@dataclass(frozen=True)
class WorkdayResult:
    """A computed date or count, with whether any year in play used the Monday–Friday fallback."""

    value: datetime.date | int
    fallback_years: tuple[int, ...] = ()

    @property
    def approximate(self) -> bool:
        """True when some year involved had no schedule and was counted Monday–Friday."""
        return bool(self.fallback_years)

    @property
    def date(self) -> datetime.date:
        """The value of a :func:`workdays_add` result."""
        if not isinstance(self.value, datetime.date):
            raise TypeError("this result is a count of working days, not a date")
        return self.value


@dataclass
class WorkdayCalendar:
    """A calendar that reads each year's entered schedule at most once (reuse it in batch jobs)."""

    _schedules: dict[int, dict[datetime.date, str] | None] = field(default_factory=dict)

    def _schedule(self, year: int) -> dict[datetime.date, str] | None:
        if year not in self._schedules:
            from kejin.core.models import HolidaySchedule, HolidayScheduleDay

            if HolidaySchedule.objects.filter(year=year).exists():
                self._schedules[year] = dict(
                    HolidayScheduleDay.objects.filter(schedule__year=year).values_list(
                        "date", "kind"
                    )
                )
            else:
                self._schedules[year] = None
        return self._schedules[year]

    def source(self, year: int) -> str:
        """Where the working days of ``year`` come from: library, schedule or fallback."""
        if year in _library_years():
            return LIBRARY
        return SCHEDULE if self._schedule(year) is not None else FALLBACK

    def is_workday(self, day: datetime.date) -> bool:
        """Whether ``day`` is a working day (adjusted weekend working days included)."""
        day = _local_date(day)
        source = self.source(day.year)
        if source == LIBRARY:
            return chinese_calendar.is_workday(day)
        if source == SCHEDULE:
            kind = cast(dict[datetime.date, str], self._schedule(day.year)).get(day)
            if kind == ScheduleDayKind.HOLIDAY:
                return False
            if kind == ScheduleDayKind.WORKDAY:
                return True
        return day.weekday() < 5

    def add(self, start: datetime.date, days: int) -> WorkdayResult:
        """The ``days``-th working day after ``start`` (before it, if negative)."""
        step = datetime.timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        current = _local_date(start)
        years = set()
        while remaining:
            current += step
            years.add(current.year)
            if self.is_workday(current):
                remaining -= 1
        return WorkdayResult(current, self._fallbacks(years))

    def between(self, start: datetime.date, end: datetime.date) -> WorkdayResult:
        """Working days in (start, end]; when ``end`` is earlier, minus those in [end, start)."""
        start, end = _local_date(start), _local_date(end)
        one = datetime.timedelta(days=1)
        if end >= start:
            first, last, sign = start + one, end, 1
        else:
            # Walking backwards from start lands on end: end counts, start does not.
            first, last, sign = end, start - one, -1
        count = 0
        years = set()
        current = first
        while current <= last:
            years.add(current.year)
            count += self.is_workday(current)
            current += one
        return WorkdayResult(sign * count, self._fallbacks(years))

    def _fallbacks(self, years: set[int]) -> tuple[int, ...]:
        return tuple(sorted(y for y in years if self.source(y) == FALLBACK))


def workdays_add(start: datetime.date, days: int) -> WorkdayResult:
    """The ``days``-th working day after ``start``; see the module docstring."""
    return WorkdayCalendar().add(start, days)


def workdays_between(start: datetime.date, end: datetime.date) -> WorkdayResult:
    """Working days from ``start`` to ``end``; see the module docstring."""
    return WorkdayCalendar().between(start, end)


def is_workday(day: datetime.date) -> bool:
    """Whether ``day`` is a working day."""
    return WorkdayCalendar().is_workday(day)


def year_source(year: int) -> str:
    """Where ``year``'s working days come from: ``LIBRARY``, ``SCHEDULE`` or ``FALLBACK``."""
    return WorkdayCalendar().source(year)
