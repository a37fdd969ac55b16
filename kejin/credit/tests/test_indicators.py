"""Credit indicators as of a date, per the catalogue spec, and their place in the facts frame."""

import datetime

import polars as pl
import pytest

from kejin.credit.choices import RecordStatus
from kejin.credit.indicators import INDICATOR_SCHEMA, credit_indicators_frame
from kejin.credit.tests.scoring_factories import record
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.catalogue import catalogue
from kejin.facts.frame import build_frame
from kejin.rules.expressions import to_polars, validate
from kejin.rules.ruleset import RuleSet

AS_OF = datetime.date(2026, 6, 30)
D = datetime.date


def _row(enterprise, as_of=AS_OF):
    frame = credit_indicators_frame(first_id=enterprise.pk, last_id=enterprise.pk, as_of=as_of)
    (row,) = frame.to_dicts()
    return row


@pytest.mark.django_db
def test_an_enterprise_without_records_has_zero_counts_and_unknown_ratings():
    enterprise = EnterpriseFactory()
    row = _row(enterprise)
    assert row == {
        "enterprise_id": enterprise.pk,
        "credit.tax_rating": None,
        "credit.penalties_3y_serious": 0,
        "credit.penalties_3y_general": 0,
        "credit.tax_arrears": 0.0,
        "credit.on_dishonesty_list": False,
        "credit.abnormal_operations": False,
        "credit.utility_arrears_12m": 0,
        "credit.social_insurance_headcount": None,
        "credit.social_insurance_trend": None,
        "credit.overdue_loans_24m": 0,
        "credit.patents": 0,
        "credit.honours_3y": 0,
    }


@pytest.mark.django_db
def test_latest_rating_and_arrears_records_after_as_of_ignored():
    e = EnterpriseFactory()
    record(e, "tax_rating", D(2024, 4, 1), rating_year=2023, rating="B")
    record(e, "tax_rating", D(2025, 4, 1), rating_year=2024, rating="A")
    record(e, "tax_rating", D(2026, 7, 1), rating_year=2025, rating="D")  # after as_of
    record(e, "tax_payment", D(2026, 3, 31), tax_paid="1000.00", arrears="2500.50")
    record(e, "tax_payment", D(2025, 12, 31), tax_paid="1000.00", arrears="99.00")
    row = _row(e)
    assert (row["credit.tax_rating"], row["credit.tax_arrears"]) == ("A", 2500.5)


@pytest.mark.django_db
def test_penalties_count_three_years_from_the_same_calendar_day_by_severity():
    e = EnterpriseFactory()
    record(e, "penalty_market", D(2023, 6, 30), severity="serious")  # exactly 3 years: counts
    record(e, "penalty_environment", D(2023, 6, 29), severity="serious")  # a day earlier: not
    record(e, "penalty_safety", D(2025, 1, 5), severity="general")
    record(e, "penalty_quality", D(2026, 6, 30), severity="general")
    row = _row(e)
    assert (row["credit.penalties_3y_serious"], row["credit.penalties_3y_general"]) == (1, 2)


@pytest.mark.django_db
def test_lists_count_while_listed_and_not_removed_on_or_before_as_of():
    removed, current, later_removed, abnormal = EnterpriseFactory.create_batch(4)
    record(removed, "serious_dishonesty", D(2024, 1, 1), reason="x", removed_date=D(2026, 6, 30))
    record(current, "dishonest_debtor", D(2025, 1, 1), case_no="1", performance="none")
    record(
        later_removed, "serious_dishonesty", D(2024, 1, 1), reason="x", removed_date=D(2026, 7, 1)
    )
    record(abnormal, "abnormal_operations", D(2026, 1, 1), reason="地址失联")
    assert _row(removed)["credit.on_dishonesty_list"] is False
    assert _row(current)["credit.on_dishonesty_list"] is True
    assert _row(later_removed)["credit.on_dishonesty_list"] is True
    assert _row(abnormal)["credit.abnormal_operations"] is True
    assert _row(abnormal)["credit.on_dishonesty_list"] is False


@pytest.mark.django_db
def test_utilities_loans_patents_and_honours():
    e = EnterpriseFactory()
    record(e, "electricity_arrears", D(2025, 6, 30), amount_due="10.00", months_overdue=1)
    record(e, "water_arrears", D(2026, 1, 31), amount_due="10.00", months_overdue=1)
    record(e, "gas_arrears", D(2025, 6, 29), amount_due="10.00", months_overdue=1)  # > 12 months
    record(e, "loan_repayment", D(2025, 1, 31), loan_no="L1", overdue_days=30, status="overdue")
    record(e, "loan_repayment", D(2025, 2, 28), loan_no="L1", overdue_days=60, status="overdue")
    record(e, "loan_repayment", D(2024, 6, 29), loan_no="L2", overdue_days=10, status="overdue")
    record(e, "loan_repayment", D(2026, 1, 31), loan_no="L3", overdue_days=0, status="normal")
    record(e, "patent", D(2020, 1, 1), patent_no="P1", status="valid")
    record(e, "patent", D(2021, 1, 1), patent_no="P2", status="expired")
    record(e, "honour", D(2023, 7, 1), title="专精特新", level="provincial")
    record(e, "honour", D(2023, 6, 1), title="老荣誉", level="city")
    row = _row(e)
    assert row["credit.utility_arrears_12m"] == 2
    assert row["credit.overdue_loans_24m"] == 1  # L1 twice; L2 before the 24 months
    assert (row["credit.patents"], row["credit.honours_3y"]) == (1, 1)


@pytest.mark.django_db
def test_headcount_and_its_trend_against_about_twelve_months_earlier():
    grew, no_earlier, unknown = EnterpriseFactory.create_batch(3)
    record(grew, "social_insurance", D(2025, 5, 31), insured_headcount=40)
    record(grew, "social_insurance", D(2025, 6, 30), insured_headcount=50)  # closest to -12m
    record(grew, "social_insurance", D(2026, 6, 30), insured_headcount=60)
    record(no_earlier, "social_insurance", D(2025, 4, 30), insured_headcount=10)  # 61 days off
    record(no_earlier, "social_insurance", D(2026, 6, 30), insured_headcount=12)
    row = _row(grew)
    assert row["credit.social_insurance_headcount"] == 60
    assert row["credit.social_insurance_trend"] == pytest.approx(0.2)
    assert _row(no_earlier)["credit.social_insurance_trend"] is None
    assert _row(unknown)["credit.social_insurance_headcount"] is None


@pytest.mark.django_db
def test_superseded_records_do_not_count():
    e = EnterpriseFactory()
    old = record(e, "tax_rating", D(2025, 4, 1), rating_year=2024, rating="D")
    old.status = RecordStatus.SUPERSEDED
    old.save()
    record(e, "tax_rating", D(2025, 4, 1), rating_year=2024, rating="B")
    assert _row(e)["credit.tax_rating"] == "B"


@pytest.mark.django_db
def test_catalogue_names_every_indicator_with_labels_and_units():
    facts = catalogue()
    for name, dtype in INDICATOR_SCHEMA.items():
        assert facts[name].dtype == dtype
        assert facts[name].label and facts[name].label_en and facts[name].meaning
    assert facts["credit.tax_arrears"].unit == "元"
    assert {"credit.score", "credit.grade"} <= set(facts)


@pytest.mark.django_db
def test_an_officer_rule_naming_the_dishonesty_list_evaluates_over_the_facts_frame(
    django_assert_max_num_queries,
):
    listed, clean = EnterpriseFactory.create_batch(2)
    record(listed, "dishonest_debtor", D(2025, 1, 1), case_no="1", performance="none")
    rule = {"!": {"var": "credit.on_dishonesty_list"}}  # "no dishonesty"
    validate(rule, catalogue())
    with django_assert_max_num_queries(8):
        frame = build_frame(year=2025, as_of=AS_OF, facts=["credit.on_dishonesty_list"])
    result = frame.select("enterprise_id", to_polars(rule).alias("ok")).sort("enterprise_id")
    assert result.rows() == [(listed.pk, False), (clean.pk, True)]
    policy = RuleSet.from_dict(
        {
            "id": "policy",
            "title": "无失信记录",
            "reference": "测试",
            "valid_from": "2026-01-01",
            "facts": ["credit.on_dishonesty_list"],
            "conditions": [{"id": "clean", "label": "未列入失信名单", "test": rule}],
        }
    )
    statuses = policy.evaluate_frame(frame).collect().sort("enterprise_id")["status"].to_list()
    assert statuses == ["not_qualified", "qualified"]
    assert policy.explain({"credit.on_dishonesty_list": True}).status == "not_qualified"
    assert isinstance(frame.schema["credit.on_dishonesty_list"], type(pl.Boolean()))
