"""Working-day arithmetic against the State Council's holiday notices.

Expected dates are read off the official schedules (国务院办公厅关于2025年/2026年部分节假日安排的
通知), not computed by the code under test:

2025 春节 1月28日(二)–2月4日(二) off, 1月26日(日) and 2月8日(六) working;
2025 国庆·中秋 10月1日(三)–8日(三) off, 9月28日(日) and 10月11日(六) working;
2026 春节 2月15日(日)–23日(一) off, 2月14日(六) and 2月28日(六) working;
2026 中秋 9月25日(五)–27日(日) off; 国庆 10月1日(四)–7日(三) off, 9月20日(日) and 10月10日(六) working.

2027: we do not know the real 2027 notice (国务院办公厅关于2027年部分节假日安排的通知), so
``HYPOTHETICAL_2027`` below is a made-up schedule that only exercises the mechanism (an officer
enters a year, the calendar follows it). Replace it by the real notice once it is published.
"""

import datetime
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kejin.accounts.tests.factories import UserFactory
from kejin.core.services import holiday_schedule_save
from kejin.core.workdays import (
    FALLBACK,
    LIBRARY,
    SCHEDULE,
    WorkdayCalendar,
    is_workday,
    workdays_add,
    workdays_between,
    year_source,
)

# A HYPOTHETICAL 2027 schedule (not the official notice): 元旦 1月1日(五)–3日(日);
# 春节 2月5日(五)–13日(六) off, 2月14日(日) and 2月20日(六) working;
# 国庆 10月1日(五)–7日(四) off, 9月26日(日) and 10月9日(六) working.
HYPOTHETICAL_2027 = (
    [(date(2027, 1, d), "holiday", "元旦") for d in (1, 2, 3)]
    + [(date(2027, 2, d), "holiday", "春节") for d in range(5, 14)]
    + [(date(2027, 2, 14), "workday", "春节"), (date(2027, 2, 20), "workday", "春节")]
    + [(date(2027, 10, d), "holiday", "国庆节") for d in range(1, 8)]
    + [(date(2027, 9, 26), "workday", "国庆节"), (date(2027, 10, 9), "workday", "国庆节")]
)


def enter_2027_schedule():
    officer = UserFactory()  # a city officer
    return holiday_schedule_save(
        actor=officer,
        year=2027,
        notice="假设的2027年节假日安排（仅用于测试）",
        days=HYPOTHETICAL_2027,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class TestSpringFestival2025:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Fri → adjusted working Sunday
            (date(2025, 1, 24), 2, date(2025, 1, 27)),
            (date(2025, 1, 24), 3, date(2025, 2, 5)),  # across 1月28日–2月4日
            (date(2025, 1, 24), 5, date(2025, 2, 7)),
            (date(2025, 1, 24), 6, date(2025, 2, 8)),  # adjusted working Saturday
            (date(2025, 1, 24), 7, date(2025, 2, 10)),
            (date(2025, 1, 27), 1, date(2025, 2, 5)),
            (date(2025, 1, 28), 1, date(2025, 2, 5)),  # from inside the holiday
            (date(2025, 1, 20), 9, date(2025, 2, 7)),
            (date(2025, 1, 20), 10, date(2025, 2, 8)),
        ],
    )
    def test_add(self, start, n, expected):
        result = workdays_add(start, n)

        assert result.date == expected
        assert result.approximate is False
        assert result.fallback_years == ()

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (date(2025, 1, 24), date(2025, 2, 10), 7),
            (date(2025, 1, 27), date(2025, 2, 4), 0),
            (date(2025, 1, 27), date(2025, 2, 5), 1),
            (date(2025, 1, 25), date(2025, 1, 26), 1),  # Sunday 1月26日 is a working day
            (date(2025, 2, 7), date(2025, 2, 9), 1),  # Saturday 2月8日 is, Sunday 2月9日 is not
            (
                date(2025, 1, 31),
                date(2025, 2, 28),
                19,
            ),  # February: 20 weekdays − 2月3日, 4日 + 2月8日
        ],
    )
    def test_between(self, start, end, expected):
        result = workdays_between(start, end)

        assert result.value == expected
        assert result.approximate is False

    def test_backwards(self):
        assert workdays_add(date(2025, 2, 5), -1).date == date(2025, 1, 27)
        assert workdays_add(date(2025, 2, 5), -2).date == date(2025, 1, 26)
        assert workdays_add(date(2025, 2, 5), -3).date == date(2025, 1, 24)
        assert workdays_between(date(2025, 2, 5), date(2025, 1, 24)).value == -3

    def test_is_workday(self):
        assert is_workday(date(2025, 1, 26)) is True
        assert is_workday(date(2025, 1, 28)) is False
        assert is_workday(date(2025, 2, 4)) is False
        assert is_workday(date(2025, 2, 8)) is True
        assert is_workday(date(2025, 2, 9)) is False


class TestNationalDay2025:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Fri → adjusted working Sunday
            (date(2025, 9, 26), 2, date(2025, 9, 29)),
            (date(2025, 9, 26), 3, date(2025, 9, 30)),
            (date(2025, 9, 26), 4, date(2025, 10, 9)),  # across 10月1日–8日
            (date(2025, 9, 26), 5, date(2025, 10, 10)),
            (date(2025, 9, 26), 6, date(2025, 10, 11)),  # adjusted working Saturday
            (date(2025, 9, 26), 7, date(2025, 10, 13)),
            (date(2025, 9, 30), 1, date(2025, 10, 9)),
        ],
    )
    def test_add(self, start, n, expected):
        result = workdays_add(start, n)

        assert result.date == expected
        assert result.approximate is False

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (date(2025, 9, 26), date(2025, 10, 13), 7),
            (date(2025, 9, 30), date(2025, 10, 8), 0),
            (date(2025, 9, 30), date(2025, 10, 9), 1),
            (date(2025, 9, 30), date(2025, 10, 31), 18),  # October: 23 weekdays − 6 off + 1
            (date(2025, 8, 31), date(2025, 9, 30), 23),  # September: 22 weekdays + 9月28日
        ],
    )
    def test_between(self, start, end, expected):
        assert workdays_between(start, end).value == expected


class TestSpringFestival2026:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Fri → adjusted working Saturday
            (date(2026, 2, 13), 2, date(2026, 2, 24)),  # across 2月15日–23日
            (date(2026, 2, 13), 5, date(2026, 2, 27)),
            (date(2026, 2, 13), 6, date(2026, 2, 28)),  # adjusted working Saturday
            (date(2026, 2, 13), 7, date(2026, 3, 2)),
            (date(2026, 2, 12), 1, date(2026, 2, 13)),
            (date(2026, 2, 20), 1, date(2026, 2, 24)),  # from inside the holiday
        ],
    )
    def test_add(self, start, n, expected):
        result = workdays_add(start, n)

        assert result.date == expected
        assert result.approximate is False

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (date(2026, 2, 13), date(2026, 3, 2), 7),
            (date(2026, 2, 14), date(2026, 2, 23), 0),
            (date(2026, 1, 31), date(2026, 2, 28), 16),  # February: 20 weekdays − 6 off + 2
        ],
    )
    def test_between(self, start, end, expected):
        assert workdays_between(start, end).value == expected

    def test_backwards_from_inside_the_holiday(self):
        # Going back from Sunday 2月15日 (a holiday) the first working day is Saturday 2月14日.
        assert workdays_add(date(2026, 2, 15), -1).date == date(2026, 2, 14)
        assert workdays_between(date(2026, 2, 15), date(2026, 2, 14)).value == -1
        assert workdays_add(date(2026, 2, 24), -2).date == date(2026, 2, 13)
        assert workdays_between(date(2026, 2, 24), date(2026, 2, 13)).value == -2


class TestNationalDay2026:
    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Fri → adjusted working Sunday
            (date(2026, 9, 18), 5, date(2026, 9, 24)),
            (date(2026, 9, 18), 6, date(2026, 9, 28)),  # across 中秋 9月25日–27日
            (date(2026, 9, 18), 8, date(2026, 9, 30)),
            (date(2026, 9, 18), 9, date(2026, 10, 8)),  # across 10月1日–7日
            (date(2026, 9, 18), 11, date(2026, 10, 10)),  # adjusted working Saturday
            (date(2026, 9, 18), 12, date(2026, 10, 12)),
            (date(2026, 9, 30), 1, date(2026, 10, 8)),
        ],
    )
    def test_add(self, start, n, expected):
        result = workdays_add(start, n)

        assert result.date == expected
        assert result.approximate is False

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (date(2026, 9, 18), date(2026, 10, 12), 12),
            (date(2026, 9, 30), date(2026, 10, 12), 4),
            (date(2026, 9, 30), date(2026, 10, 7), 0),
            (date(2026, 10, 8), date(2026, 9, 30), -1),
        ],
    )
    def test_between(self, start, end, expected):
        assert workdays_between(start, end).value == expected


class TestDatetimes:
    def test_an_aware_datetime_is_read_as_its_date_in_shanghai(self):
        # 2025-09-30 20:00 UTC is 10月1日 04:00 in Jiaxing: a holiday.
        evening_utc = datetime.datetime(2025, 9, 30, 20, 0, tzinfo=datetime.UTC)

        assert is_workday(evening_utc) is False
        assert workdays_add(evening_utc, 1).date == date(2025, 10, 9)
        assert workdays_between(evening_utc, date(2025, 10, 9)).value == 1


@pytest.mark.django_db
class Test2027BeforeAndAfterTheScheduleIsEntered:
    @pytest.mark.parametrize(
        ("start", "n", "monday_to_friday", "scheduled"),
        [
            (date(2026, 12, 31), 1, date(2027, 1, 1), date(2027, 1, 4)),
            (date(2026, 12, 30), 3, date(2027, 1, 4), date(2027, 1, 5)),
            (date(2027, 2, 4), 1, date(2027, 2, 5), date(2027, 2, 14)),
            (date(2027, 2, 4), 2, date(2027, 2, 8), date(2027, 2, 15)),
            (date(2027, 9, 24), 1, date(2027, 9, 27), date(2027, 9, 26)),
            (date(2027, 9, 30), 1, date(2027, 10, 1), date(2027, 10, 8)),
            (date(2027, 9, 30), 2, date(2027, 10, 4), date(2027, 10, 9)),
            (date(2027, 9, 30), 3, date(2027, 10, 5), date(2027, 10, 11)),
        ],
    )
    def test_add(self, start, n, monday_to_friday, scheduled):
        before = workdays_add(start, n)

        assert before.date == monday_to_friday
        assert before.approximate is True
        assert before.fallback_years == (2027,)

        enter_2027_schedule()
        after = workdays_add(start, n)

        assert after.date == scheduled
        assert after.approximate is False
        assert after.fallback_years == ()

    def test_between(self):
        february = (date(2027, 2, 1), date(2027, 2, 28))

        before = workdays_between(*february)
        assert (before.value, before.fallback_years) == (19, (2027,))

        enter_2027_schedule()
        after = workdays_between(*february)
        # 19 weekdays − 6 weekday holidays (2月5日, 8日–12日) + 2月14日 + 2月20日
        assert (after.value, after.fallback_years) == (15, ())

    def test_a_range_into_2028_names_only_the_years_without_a_schedule(self):
        enter_2027_schedule()

        result = workdays_between(date(2026, 12, 1), date(2028, 1, 31))

        assert result.approximate is True
        assert result.fallback_years == (2028,)

    def test_year_source(self):
        assert [year_source(y) for y in (2025, 2026, 2027)] == [LIBRARY, LIBRARY, FALLBACK]

        enter_2027_schedule()

        assert year_source(2027) == SCHEDULE
        assert year_source(2028) == FALLBACK

    def test_a_calendar_reads_each_year_once(self, django_assert_num_queries):
        enter_2027_schedule()
        calendar = WorkdayCalendar()

        with django_assert_num_queries(2):  # does 2027 have a schedule; its days
            calendar.between(date(2027, 1, 1), date(2027, 12, 31))
            calendar.add(date(2027, 3, 1), 200)


@pytest.mark.django_db
@pytest.mark.parametrize("year", [1, 1949, 2003, 2004, 2026, 2027, 2099, 2500, 9998])
def test_no_year_raises(year):
    start = date(year, 6, 15)

    added = workdays_add(start, 30)
    counted = workdays_between(start, added.date)

    assert counted.value == 30
    assert added.approximate == (year not in range(2004, 2027))


@pytest.mark.django_db
@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
    n=st.integers(min_value=-400, max_value=400),
)
def test_between_undoes_add(start, n):
    added = workdays_add(start, n)

    assert workdays_between(start, added.date).value == n
    assert is_workday(added.date) or n == 0


@pytest.mark.django_db
@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31)),
    n=st.integers(min_value=-300, max_value=300),
)
def test_between_undoes_add_with_a_2027_schedule(start, n):
    # Runs inside one test transaction: the schedule is entered once and kept.
    if year_source(2027) == FALLBACK:
        enter_2027_schedule()

    added = workdays_add(start, n)

    assert workdays_between(start, added.date).value == n
