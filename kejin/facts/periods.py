"""Calendar periods the facts are derived with: anniversaries and "within the last N years".

A period of years ends on the same calendar day N years on; a 29 February has no such day in
a common year, and the period then ends on 28 February (the last day of that month, as the
Civil Code, 第二百零三条, counts periods by years and months). Pure functions, scalar and
polars, that agree.
"""

from __future__ import annotations

import calendar
import datetime

import polars as pl


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` years earlier (28 February for a 29 February)."""
    return shift_years(day, -years)


def shift_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` years later (or earlier), 28 Feb for 29 Feb."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return day.replace(year=year)


def years_between(start: datetime.date, end: datetime.date) -> float:
    """Years from ``start`` to ``end``: whole years to the last anniversary, plus the elapsed
    share of the year to the next one. Exactly 1.0 on the first anniversary."""
    whole = end.year - start.year
    if shift_years(start, whole) > end:
        whole -= 1
    last, following = shift_years(start, whole), shift_years(start, whole + 1)
    return whole + (end - last).days / (following - last).days


def years_between_series(starts: pl.Series, end: datetime.date) -> pl.Series:
    """:func:`years_between` for a column of start dates (null stays null), computed once
    per distinct date: the same arithmetic as the scalar function, at the cost of the few
    thousand founding dates a frame has rather than one per row."""
    distinct = starts.unique().drop_nulls()
    years = pl.Series([years_between(d, end) for d in distinct.to_list()], dtype=pl.Float64)
    return starts.replace_strict(distinct, years, default=None, return_dtype=pl.Float64)
