"""The policies foundation: a version's rule over the frame and for one enterprise, and the
benefit formula with its caps (exact decimals, the binding cap named)."""

from decimal import Decimal

import pytest

from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.policies.benefits import benefit_compute
from kejin.policies.evaluation import enterprise_check, qualifying_ids
from kejin.policies.models import PolicyVersion
from kejin.policies.tests.factories import PolicyFactory

RD_RULE = {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]}


def _enterprise(revenue, rd):
    enterprise = EnterpriseFactory()
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal(revenue), rd_expense=Decimal(rd)
    )
    return enterprise


@pytest.mark.django_db
def test_a_versions_rule_finds_the_qualifying_and_explains_the_rest():
    policy = PolicyFactory(published=True, live__document=RD_RULE)
    good = _enterprise("1000000", "40000")
    poor = _enterprise("1000000", "21000")
    assert qualifying_ids(policy.live_version, year=2025) == [good.pk]
    check = enterprise_check(policy.live_version, poor.pk)
    assert check.status == "ineligible"
    assert [c.met for c in check.clauses] == [False]
    assert "2.1%" in check.clauses[0].text and "3%" in check.clauses[0].text


def _version(**kwargs):
    return PolicyVersion(
        version="1",
        parameters={"rate": {"value": 0.7, "reference": "第三条"}},
        benefit_formula={"*": [{"param": "rate"}, {"var": "input.premium"}]},
        inputs=[{"name": "premium", "label": "保费", "kind": "money", "typical": 50000}],
        **kwargs,
    )


def test_the_formula_is_exact_and_the_binding_cap_is_named():
    version = _version(cap_per_enterprise_year=Decimal("100000"))
    benefit = benefit_compute(
        version, facts={}, inputs={"premium": Decimal("12345.67")}, already={}
    )
    assert benefit.amount == Decimal("8641.97") and benefit.capped_by == []
    capped = benefit_compute(
        version,
        facts={},
        inputs={"premium": Decimal("12345.67")},
        already={"enterprise_year": Decimal("95000")},
    )
    assert capped.amount == Decimal("5000.00")
    assert capped.formula_amount == Decimal("8641.97")
    assert capped.capped_by == ["cap_per_enterprise_year"]


def test_a_missing_input_gives_no_amount_and_says_what_is_missing():
    benefit = benefit_compute(_version(), facts={}, inputs={}, already={})
    assert benefit.amount is None and benefit.missing == ["input.premium"]


def test_the_schemes_without_applications_are_the_same_for_pages_and_services():
    from kejin.policies.choices import NO_APPLICATION_SCHEMES
    from kejin.policies.services_applications.common import NO_APPLICATIONS

    assert set(NO_APPLICATIONS) == set(NO_APPLICATION_SCHEMES)
