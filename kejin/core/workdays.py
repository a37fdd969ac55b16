"""Working days by the Chinese holiday calendar.

Statutory holidays and adjusted working weekend days (调休) come from chinese-calendar for
the years it knows (2004–2026 in 1.11) and from :class:`~kejin.core.models.HolidaySchedule`
rows that officers enter from the State Council's annual notice for later years. A year that
neither knows falls back to Monday–Friday; results then carry ``approximate=True`` and list
the years concerned, so every page that shows a deadline can say so. Never raises for a year.

Conventions: ``workdays_add(start, n)`` is the n-th working day after ``start`` (``start``
itself not counted); ``workdays_between(start, end)`` counts working days in (start, end],
so ``workdays_between(d, workdays_add(d, n).date) == n``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache

import chinese_calendar

from kejin.core.choices import ScheduleDayKind

LIBRARY = "library"
SCHEDULE = "schedule"
FALLBACK = "fallback"


@cache
def _library_years() -> range:
    """The years chinese-calendar has data for."""
    years = {d.year for d in chinese_calendar.constants.holidays}
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class WorkdayResult:
    """A computed date or count, with whether any year in play used the Monday–Friday fallback."""

    value: datetime.date | int
    fallback_years: tuple[int, ...] = ()

    @property
    def approximate(self) -> bool:
        return bool(self.fallback_years)

    @property
    def date(self) -> datetime.date:
        assert isinstance(self.value, datetime.date)
        return self.value


@dataclass
class WorkdayCalendar:
    """A calendar that reads each year's entered schedule at most once (reuse it in batch jobs)."""

    _schedules: dict[int, dict[datetime.date, str] | None] = field(default_factory=dict)

    def _schedule(self, year: int) -> dict[datetime.date, str] | None:
        if year not in self._schedules:
            from kejin.core.models import HolidaySchedule

            schedule = HolidaySchedule.objects.filter(year=year).first()
            self._schedules[year] = (
                dict(schedule.days.values_list("date", "kind")) if schedule is not None else None
            )
        return self._schedules[year]

    def source(self, year: int) -> str:
        """Where the working days of ``year`` come from: library, schedule or fallback."""
        if year in _library_years():
            return LIBRARY
        return SCHEDULE if self._schedule(year) is not None else FALLBACK

    def is_workday(self, day: datetime.date) -> bool:
        """Whether ``day`` is a working day (adjusted weekend working days included)."""
        source = self.source(day.year)
        if source == LIBRARY:
            return chinese_calendar.is_workday(day)
        if source == SCHEDULE:
            kind = self._schedule(day.year).get(day)
            if kind == ScheduleDayKind.HOLIDAY:
                return False
            if kind == ScheduleDayKind.WORKDAY:
                return True
        return day.weekday() < 5

    def add(self, start: datetime.date, days: int) -> WorkdayResult:
        """The ``days``-th working day after ``start`` (before it, if negative)."""
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        current = start
        years = set()
        while remaining:
            current += datetime.timedelta(days=step)
            years.add(current.year)
            if self.is_workday(current):
                remaining -= 1
        return WorkdayResult(current, self._fallbacks(years))

    def between(self, start: datetime.date, end: datetime.date) -> WorkdayResult:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        current = start
        years = set()
        while current < end:
            current += datetime.timedelta(days=1)
            years.add(current.year)
            count += self.is_workday(current)
        return WorkdayResult(sign * count, self._fallbacks(years))

    def _fallbacks(self, years: set[int]) -> tuple[int, ...]:
        return tuple(sorted(y for y in years if self.source(y) == FALLBACK))


def workdays_add(start: datetime.date, days: int) -> WorkdayResult:
    """The ``days``-th working day after ``start``; see the module docstring."""
    return WorkdayCalendar().add(start, days)


def workdays_between(start: datetime.date, end: datetime.date) -> WorkdayResult:
    """Working days in (start, end]; see the module docstring."""
    return WorkdayCalendar().between(start, end)


def is_workday(day: datetime.date) -> bool:
    """Whether ``day`` is a working day."""
    return WorkdayCalendar().is_workday(day)
