"""Calendar periods: anniversaries (29 February too) and "within the last N years"."""

import datetime

import polars as pl
import pytest

from kejin.facts.periods import shift_years, years_before, years_between, years_between_series

D = datetime.date


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (D(2023, 6, 15), D(2024, 6, 15), 1.0),
        (D(2023, 6, 15), D(2024, 6, 14), 365 / 366),
        (D(2020, 2, 29), D(2021, 2, 28), 1.0),
        (D(2020, 2, 29), D(2024, 2, 29), 4.0),
        (D(2020, 2, 29), D(2023, 2, 28), 3.0),
        (D(2019, 12, 31), D(2024, 12, 31), 5.0),
        (D(2024, 1, 1), D(2024, 1, 1), 0.0),
    ],
)
def test_years_between_is_whole_on_anniversaries_scalar_and_polars(start, end, years):
    assert years_between(start, end) == pytest.approx(years)
    batch = years_between_series(pl.Series([start, None, start], dtype=pl.Date), end)
    assert batch.to_list() == [years_between(start, end), None, years_between(start, end)]


def test_a_day_before_the_anniversary_is_below_one_year():
    assert years_between(D(2023, 6, 15), D(2024, 6, 14)) < 1
    assert years_between(D(2020, 2, 29), D(2021, 2, 27)) < 1


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2024, 7, 31), 5, D(2019, 7, 31)),
        (D(2024, 2, 29), 5, D(2019, 2, 28)),
        (D(2024, 2, 29), 4, D(2020, 2, 29)),
        (D(2024, 3, 1), 1, D(2023, 3, 1)),
    ],
)
def test_years_before_is_the_same_calendar_day(day, years, expected):
    assert years_before(day, years) == expected
    assert shift_years(expected, years) in (day, D(day.year, 2, 28))
