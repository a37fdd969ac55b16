"""The facts frame: one row per enterprise, annual and derived facts, chunked reads."""

import datetime
from decimal import Decimal

import polars as pl
import pytest

from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.facts import CATALOGUE, build_facts_frame, iter_facts_frames
from kejin.enterprises.models import AnnualFacts, Certificate
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _facts(enterprise, year, **values):
    defaults = {
        "employees": 100,
        "tech_staff": 30,
        "revenue": Decimal("10000000.00"),
        "rd_expense": Decimal("600000"),
    }
    return AnnualFacts.objects.create(enterprise=enterprise, year=year, **{**defaults, **values})


def test_frame_has_current_year_and_three_year_sums():
    enterprise = EnterpriseFactory(founded_on=datetime.date(2020, 7, 1))
    _facts(enterprise, 2022, rd_expense=Decimal("100000"), revenue=Decimal("1000000"))
    _facts(enterprise, 2023, rd_expense=Decimal("200000"), revenue=Decimal("2000000"))
    _facts(
        enterprise, 2024, rd_expense=Decimal("300000.50"), revenue=Decimal("3000000"), ip_class2=2
    )
    _facts(enterprise, 2021, rd_expense=Decimal("999999"))  # outside the three years

    (row,) = build_facts_frame(year=2024).to_dicts()

    assert row["enterprise_id"] == enterprise.pk
    assert row["rd_expense"] == 300000.5
    assert row["rd_expense_3y"] == 600000.5
    assert row["revenue_3y"] == 6000000.0
    assert row["ip_class2"] == 2
    assert row["core_ip_owned"] is True
    assert row["years_registered"] == pytest.approx(4.5, abs=0.01)
    assert row["resident_enterprise"] is True
    assert row["high_tech_certificate_valid"] is False


def test_missing_year_leaves_facts_missing_not_zero():
    EnterpriseFactory()
    (row,) = build_facts_frame(year=2024).to_dicts()
    assert row["employees"] is None
    assert row["rd_expense_3y"] is None
    assert row["core_ip_owned"] is None


def test_certificate_valid_on_the_evaluation_date():
    valid, expired = EnterpriseFactory(), EnterpriseFactory()
    Certificate.objects.create(
        enterprise=valid,
        kind="high_tech",
        valid_from=datetime.date(2023, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
    )
    Certificate.objects.create(
        enterprise=expired,
        kind="high_tech",
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2022, 12, 31),
    )
    frame = build_facts_frame(year=2024).sort("enterprise_id")
    assert frame["high_tech_certificate_valid"].to_list() == [True, False]


def test_county_scope_and_chunks_give_the_same_rows():
    nanhu, xiuzhou = RegionFactory(), RegionFactory(code="330411", name="秀洲区")
    in_nanhu = [EnterpriseFactory(county=nanhu) for _ in range(5)]
    for e in [*in_nanhu, EnterpriseFactory(county=xiuzhou)]:
        _facts(e, 2024)

    assert set(build_facts_frame(year=2024, county_id=nanhu.pk)["enterprise_id"]) == {
        e.pk for e in in_nanhu
    }
    chunks = list(iter_facts_frames(year=2024, chunk_size=2))
    assert [c.height for c in chunks] == [2, 2, 2]
    whole = build_facts_frame(year=2024)
    assert pl.concat(chunks).equals(whole)


def test_frame_columns_are_the_catalogue():
    EnterpriseFactory()
    columns = set(build_facts_frame(year=2024).columns)
    assert set(CATALOGUE) <= columns


def test_one_enterprise_frame_reads_only_that_enterprise(django_assert_num_queries):
    nanhu = RegionFactory()
    wanted = EnterpriseFactory(county=nanhu, founded_on=datetime.date(2023, 3, 1))
    other = EnterpriseFactory(county=nanhu)
    _facts(wanted, 2023, rd_expense=Decimal("100000"))
    _facts(wanted, 2024, employees=80, tech_staff=20, rd_expense=Decimal("200000"))
    _facts(other, 2024, employees=400, rd_expense=Decimal("900000"))
    Certificate.objects.create(
        enterprise=other, kind="high_tech", valid_from=datetime.date(2023, 1, 1)
    )

    with django_assert_num_queries(3):
        frame = build_facts_frame(year=2024, enterprise_id=wanted.pk)

    (row,) = frame.to_dicts()
    assert row["enterprise_id"] == wanted.pk
    assert row["employees"] == 80
    assert row["rd_expense_3y"] == 300000.0
    assert row["high_tech_certificate_valid"] is False
    assert frame.columns == build_facts_frame(year=2024).columns
    assert (
        build_facts_frame(year=2024, county_id=nanhu.pk + 1000, enterprise_id=wanted.pk).height == 0
    )
    assert build_facts_frame(year=2024, enterprise_id=other.pk + wanted.pk + 1).height == 0


def test_three_year_sum_with_a_missing_year_is_unknown():
    # Given an enterprise founded long ago with 2022 missing
    enterprise = EnterpriseFactory(founded_on=datetime.date(2015, 5, 1))
    _facts(enterprise, 2023, rd_expense=Decimal("200000"))
    _facts(enterprise, 2024, rd_expense=Decimal("300000"))

    (row,) = build_facts_frame(year=2024).to_dicts()

    # then the sum is unknown, not the sum of two years
    assert row["rd_expense_3y"] is None
    assert row["revenue_3y"] is None
    assert row["fiscal_years_3y"] == 3


def test_three_year_sum_with_a_missing_value_in_a_year_is_unknown():
    enterprise = EnterpriseFactory(founded_on=datetime.date(2015, 5, 1))
    _facts(enterprise, 2022, rd_expense=None)
    _facts(enterprise, 2023, rd_expense=Decimal("200000"))
    _facts(enterprise, 2024, rd_expense=Decimal("300000"))

    (row,) = build_facts_frame(year=2024).to_dicts()

    assert row["rd_expense_3y"] is None
    assert row["revenue_3y"] == 30000000.0


@pytest.mark.parametrize(
    ("founded_on", "years", "rd_expense_3y"),
    [
        (datetime.date(2024, 12, 31), 1, 300000.0),
        (datetime.date(2023, 1, 1), 2, 500000.0),
        (datetime.date(2022, 12, 31), 3, None),
    ],
)
def test_younger_than_three_years_sums_the_years_it_has(founded_on, years, rd_expense_3y):
    enterprise = EnterpriseFactory(founded_on=founded_on)
    if founded_on.year <= 2023:
        _facts(enterprise, 2023, rd_expense=Decimal("200000"))
    _facts(enterprise, 2024, rd_expense=Decimal("300000"))

    (row,) = build_facts_frame(year=2024).to_dicts()

    assert row["fiscal_years_3y"] == years
    assert row["rd_expense_3y"] == rd_expense_3y


@pytest.mark.parametrize(
    ("founded_on", "as_of", "years"),
    [
        (datetime.date(2023, 6, 15), datetime.date(2024, 6, 15), 1.0),
        (datetime.date(2020, 2, 29), datetime.date(2021, 2, 28), 1.0),
        (datetime.date(2020, 2, 29), datetime.date(2024, 2, 29), 4.0),
        (datetime.date(2019, 12, 31), datetime.date(2024, 12, 31), 5.0),
    ],
)
def test_years_registered_is_whole_on_the_anniversary(founded_on, as_of, years):
    EnterpriseFactory(founded_on=founded_on)
    (row,) = build_facts_frame(year=as_of.year, as_of=as_of).to_dicts()
    assert row["years_registered"] == years


def test_years_registered_a_day_before_the_anniversary_is_below_one():
    EnterpriseFactory(founded_on=datetime.date(2020, 2, 29))
    (row,) = build_facts_frame(year=2021, as_of=datetime.date(2021, 2, 27)).to_dicts()
    assert row["years_registered"] == pytest.approx(364 / 365)


@pytest.mark.parametrize(
    ("as_of", "awarded_on", "held"),
    [
        (datetime.date(2024, 7, 31), datetime.date(2019, 7, 31), True),
        (datetime.date(2024, 7, 31), datetime.date(2019, 7, 30), False),
        (datetime.date(2024, 7, 29), datetime.date(2019, 7, 29), True),
        (datetime.date(2024, 2, 29), datetime.date(2019, 2, 28), True),
        (datetime.date(2024, 2, 29), datetime.date(2019, 2, 27), False),
    ],
)
def test_within_five_years_counts_from_the_same_calendar_day(as_of, awarded_on, held):
    enterprise = EnterpriseFactory(founded_on=datetime.date(2010, 1, 1))
    Certificate.objects.create(enterprise=enterprise, kind="national_award", valid_from=awarded_on)
    (row,) = build_facts_frame(year=as_of.year, as_of=as_of).to_dicts()
    assert row["national_st_award_5y"] is held
