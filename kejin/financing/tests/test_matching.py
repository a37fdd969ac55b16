"""Matching a demand: eligibility by the product's rule, the score, reasons and near misses,
the credit grade with and without credit data, and route candidates."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import CollateralKind, ProductType
from kejin.financing.matching import (
    WEIGHTS,
    demand_match,
    demand_route_candidates,
    grade_fit,
    products_for_enterprise,
    range_fit,
    rate_fit,
    type_fit,
    weighted_score,
)
from kejin.financing.models import DemandCollateral
from kejin.financing.routing import RouteCandidate
from kejin.financing.tests.factories import DemandFactory, ProductFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

#: R&D expense at least 3 % of revenue (a rule set with one indicator and one condition).
RD_RULE = {
    "title": "研发投入要求",
    "facts": ["rd_expense", "revenue"],
    "indicators": [
        {
            "id": "rd_ratio",
            "label": "研发投入占比",
            "format": "percent",
            "value": {"/": [{"var": "rd_expense"}, {"var": "revenue"}]},
        }
    ],
    "conditions": [
        {
            "id": "rd",
            "label": "研发投入占比不低于3%",
            "test": {">=": [{"var": "value.rd_ratio"}, 0.03]},
        }
    ],
}


@pytest.fixture(autouse=True)
def _no_cached_service_scores():
    cache.clear()


def _enterprise(*, revenue="10000000.00", rd="210000.00", county=None):
    enterprise = EnterpriseFactory(county=county or RegionFactory())
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal(revenue), rd_expense=Decimal(rd)
    )
    return enterprise


def test_eligible_products_ranked_with_reasons_and_near_misses_with_the_gap():
    enterprise = _enterprise(rd="210000.00")  # 2.1 % of 1000万
    demand = DemandFactory(
        enterprise=enterprise, amount=Decimal("1000000.00"), term_months=12, max_rate=Decimal("5")
    )
    # Given: a product for the demand exactly, one whose range is wide, one asking 3 % R&D.
    snug = ProductFactory(
        published=True, live__amount_min="500000.00", live__amount_max="2000000.00"
    )
    wide = ProductFactory(published=True)  # 10万–500万
    rd = ProductFactory(published=True, live__document=RD_RULE)
    too_big = ProductFactory(
        published=True, live__amount_min="1500000.00", live__amount_max="5000000.00"
    )
    far = ProductFactory(
        published=True, live__amount_min="5000000.00", live__amount_max="9000000.00"
    )

    result = demand_match(demand=demand)

    assert [m.product_id for m in result.matches] == [snug.pk, wide.pk]
    assert [m.rank for m in result.matches] == [1, 2]
    assert result.matches[0].score > result.matches[1].score
    reasons = result.matches[0].reasons
    assert "融资金额 100.00 万元 在产品额度 50.00 万元–200.00 万元 之内" in reasons
    assert "期限 12 个月在产品期限 3–36 个月之内" in reasons
    assert "利率 3.45%–6%，最低利率不高于可接受的 5%" in reasons
    assert "属于意向产品类型：信用贷款" in reasons
    near = {m.product_id: m.failures for m in result.near_misses}
    assert near[rd.pk] == ["研发投入占比 2.1%，需 ≥ 3%"]
    assert near[too_big.pk] == ["融资金额 100.00 万元，产品额度为 150.00 万元–500.00 万元"]
    assert far.pk not in near  # outside the near-miss window: not shown at all
    assert result.eligible_count == 2


def test_the_rule_met_is_a_reason_with_the_value():
    enterprise = _enterprise(rd="500000.00")  # 5 %
    demand = DemandFactory(enterprise=enterprise)
    rd = ProductFactory(published=True, live__document=RD_RULE)

    (match,) = demand_match(demand=demand).matches

    assert match.product_id == rd.pk
    assert "研发投入占比 5%，需 ≥ 3%" in match.reasons


def test_a_rule_without_data_is_a_near_miss_saying_what_is_missing():
    enterprise = EnterpriseFactory()  # no annual facts at all
    demand = DemandFactory(enterprise=enterprise)
    rd = ProductFactory(published=True, live__document=RD_RULE)

    result = demand_match(demand=demand)

    assert result.matches == []
    (near,) = result.near_misses
    assert near.product_id == rd.pk
    assert near.failures[0] == "缺少数据，无法判断：研发费用、销售收入"


def test_collateral_guarantee_and_rate_are_tested_against_the_demand():
    enterprise = _enterprise()
    demand = DemandFactory(enterprise=enterprise, max_rate=Decimal("3.000"), guarantor_ok=False)
    DemandCollateral.objects.create(demand=demand, kind=CollateralKind.PATENT, number="ZL1")
    pledge = ProductFactory(
        published=True,
        product_type=ProductType.IP_PLEDGE,
        live__collateral_kinds=["patent"],
        live__rate_min="2.800",
    )
    receivables = ProductFactory(
        published=True, live__collateral_kinds=["receivables"], live__rate_min="2.500"
    )
    guaranteed = ProductFactory(published=True, live__guarantee_required=True, live__rate_min="2.5")
    dear = ProductFactory(published=True)  # from 3.45 %
    demand.preferred_types = []
    demand.save()

    result = demand_match(demand=demand)

    assert [m.product_id for m in result.matches] == [pledge.pk]
    assert "可提供产品接受的抵质押物：专利权" in result.matches[0].reasons
    near = {m.product_id: m.failures for m in result.near_misses}
    assert near[receivables.pk] == ["产品要求提供以下抵质押物之一：应收账款"]
    assert near[guaranteed.pk] == ["产品需要担保机构介入，需求未接受担保"]
    assert near[dear.pk] == ["产品最低利率 3.45%，高于可接受的最高利率 3%"]


def test_products_of_other_counties_and_types_are_not_candidates():
    enterprise = _enterprise()
    demand = DemandFactory(enterprise=enterprise)
    elsewhere = ProductFactory(published=True)
    elsewhere.live_version.counties.add(RegionFactory(code="330411", name="秀洲区"))
    here = ProductFactory(published=True)
    here.live_version.counties.add(enterprise.county)
    ProductFactory(published=True, product_type=ProductType.EQUITY_INVESTMENT)
    ProductFactory()  # a draft

    result = demand_match(demand=demand)

    assert [m.product_id for m in result.matches] == [here.pk]
    assert result.matches[0].components["county"] == 1.0
    assert "产品服务本县(市、区)" in result.matches[0].reasons
    assert result.considered == 1


def test_score_components():
    assert range_fit(1_000_000, 100_000, 10_000_000) == 1.0  # the middle on a log scale
    assert range_fit(100_000, 100_000, 10_000_000) == pytest.approx(0.6)
    assert type_fit("ip_pledge", ["credit_loan", "ip_pledge"]) == pytest.approx(0.8)
    assert type_fit("ip_pledge", []) == 0.5
    assert grade_fit("AAA") == 1.0
    assert grade_fit("C") == 0.0
    assert grade_fit("") is None
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    # Without a grade the other weights are scaled up: all ones still make 100.
    ones = dict.fromkeys(WEIGHTS, 1.0)
    assert weighted_score({**ones, "grade": None}) == Decimal("100.00")
    assert weighted_score({**ones, "grade": 0.0}) == Decimal("90.00")


def test_rate_fit_is_the_share_under_the_maximum_and_the_cheapness():
    product = ProductFactory(published=True, live__rate_min="3.000", live__rate_max="7.000")
    from kejin.financing.matching import _published_candidates

    (candidate,) = _published_candidates(county_id=None, product_ids=[product.pk])
    assert rate_fit(candidate, 5.0) == pytest.approx(0.5 * 0.5 + 0.5 * 0.75)
    assert rate_fit(candidate, None) == pytest.approx(0.5 + 0.5 * 0.75)


def test_credit_grade_counts_when_the_credit_module_has_one():
    from kejin.credit.models import CreditScore
    from kejin.credit.scoring.services import scorecard_default_install

    enterprise = _enterprise()
    demand = DemandFactory(enterprise=enterprise)
    ProductFactory(published=True)
    without = demand_match(demand=demand).matches[0]
    assert without.components["grade"] is None
    assert not any("信用等级" in r for r in without.reasons)

    CreditScore.objects.create(
        enterprise=enterprise,
        scorecard=scorecard_default_install(),
        score=Decimal("720"),
        grade="AA",
        as_of=datetime.date(2026, 11, 30),
        computed_at=timezone.now(),
    )
    graded = demand_match(demand=demand).matches[0]

    assert graded.components["grade"] == pytest.approx(1 - 1 / 8)
    assert "企业信用等级 AA" in graded.reasons
    expected = weighted_score(graded.components)
    assert graded.score == expected != without.score


def test_route_candidates_one_per_institution_best_first():
    enterprise = _enterprise()
    demand = DemandFactory(enterprise=enterprise)
    bank = InstitutionFactory()
    best = ProductFactory(
        published=True,
        institution=bank,
        live__amount_min="500000.00",
        live__amount_max="2000000.00",
    )
    ProductFactory(published=True, institution=bank)  # the same bank's weaker product
    other = ProductFactory(published=True, live__rate_min="5.000")
    third = ProductFactory(published=True, live__rate_min="5.500")

    candidates = demand_route_candidates(demand=demand)

    assert [(c.institution_id, c.product_id) for c in candidates] == [
        (bank.pk, best.pk),
        (other.institution_id, other.pk),
        (third.institution_id, third.pk),
    ]
    assert all(isinstance(c, RouteCandidate) for c in candidates)
    assert candidates[0].score > candidates[1].score > candidates[2].score
    assert demand_route_candidates(demand=demand, limit=1, exclude_institutions=[bank.pk]) == [
        candidates[1]
    ]


def test_products_for_me_without_a_demand():
    enterprise = _enterprise(rd="500000.00")
    fits = ProductFactory(published=True, live__document=RD_RULE)
    ProductFactory(published=True, live__tiers=["mature"])  # the enterprise is on no stage

    result = products_for_enterprise(enterprise=enterprise)

    assert [m.product_id for m in result.matches] == [fits.pk]
    assert set(result.matches[0].components) == {"county", "service", "grade"}
    (near,) = result.near_misses
    assert near.failures == ["成长阶段 未评价，需为：成熟期"]
