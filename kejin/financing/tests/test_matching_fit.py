"""Enterprises that fit a product: the engine's batch filter equals the per-row oracle on
generated data; the registry search with its scopes; pushing leads (permissions,
idempotency, notification on commit)."""

import json
from decimal import Decimal

import pytest

from bench.financing_fit import FIT_COUNTIES, LABELS, RULE, TIERS, frame, loop_expression
from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.eligibility import eligibility_frame, eligibility_rule, eligible_ids
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.models import Lead
from kejin.financing.selectors_matching import product_fit_enterprises
from kejin.financing.services_leads import lead_push
from kejin.financing.tests.factories import ProductFactory
from kejin.notifications.models import Notification
from kejin.rules.expressions import evaluate
from kejin.rules.ruleset import QUALIFIED

RD_RULE = {
    "indicators": [
        {
            "id": "rd_ratio",
            "label": "研发投入占比",
            "format": "percent",
            "value": {"/": [{"var": "rd_expense"}, {"var": "revenue"}]},
        }
    ],
    "conditions": [
        {"id": "rd", "label": "研发", "test": {">=": [{"var": "value.rd_ratio"}, 0.03]}}
    ],
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_fit_equals_the_per_row_interpreter_on_generated_data(seed):
    df = frame(3000, seed=seed)
    rule = eligibility_rule(json.dumps(RULE), None, FIT_COUNTIES, TIERS, LABELS)
    batch = set(eligible_ids(rule, df).to_list())
    per_row = {r["enterprise_id"] for r in df.to_dicts() if evaluate(loop_expression(), r) is True}
    explained = {r["enterprise_id"] for r in df.to_dicts() if rule.explain(r).status == QUALIFIED}
    assert batch == per_row == explained
    assert 0 < len(batch) < df.height
    # The one-filter path and the full staged evaluation agree.
    statuses = eligibility_frame(rule, df)
    assert set(statuses.filter(statuses["status"] == "eligible")["enterprise_id"]) == batch


def test_a_rule_with_a_score_takes_the_full_evaluation_and_still_agrees():
    scored = {
        "indicators": [
            {
                "id": "rd_ratio",
                "label": "研发",
                "format": "percent",
                "value": {"/": [{"var": "rd_expense"}, {"var": "revenue"}]},
                "bands": [{"min": 0.05, "points": 60}, {"min": 0.02, "points": 30}, {"points": 0}],
            }
        ],
        "components": [
            {"id": "rd", "label": "研发", "max_points": 60, "points": {"var": "points.rd_ratio"}}
        ],
        "pass": {"label": "得分≥30", "test": {">=": [{"var": "score"}, 30]}},
    }
    rule = eligibility_rule(json.dumps(scored), None, (), (), ())
    assert rule.qualified_expr() is None
    df = frame(2000, seed=9)
    batch = set(eligible_ids(rule, df).to_list())
    explained = {r["enterprise_id"] for r in df.to_dicts() if rule.explain(r).status == QUALIFIED}
    assert batch == explained


def _enterprise(county, rd, revenue="10000000.00"):
    enterprise = EnterpriseFactory(county=county)
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal(revenue), rd_expense=Decimal(rd)
    )
    return enterprise


@pytest.fixture
def registry(db):
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    product = ProductFactory(published=True, live__document=RD_RULE)
    return {
        "nanhu": nanhu,
        "xiuzhou": xiuzhou,
        "product": product,
        "fits_nanhu": _enterprise(nanhu, "500000.00"),
        "fits_xiuzhou": _enterprise(xiuzhou, "400000.00"),
        "low_rd": _enterprise(nanhu, "200000.00"),
        "no_data": EnterpriseFactory(county=nanhu),
        "city": UserFactory(),
        "county": UserFactory(county_officer=True, county=xiuzhou),
        "bank": UserFactory(institution_officer=True, institution=product.institution),
        "other_bank": UserFactory(institution_officer=True),
        "enterprise": UserFactory(enterprise_admin=True),
    }


def test_fit_over_the_registry_for_officers_and_the_product_institution(registry):
    product = registry["product"]
    expected = sorted([registry["fits_nanhu"].pk, registry["fits_xiuzhou"].pk])
    assert product_fit_enterprises(user=registry["city"], pk=product.pk).ids == expected
    assert product_fit_enterprises(user=registry["bank"], pk=product.pk).ids == expected
    # A county officer: the county's enterprises only.
    county = product_fit_enterprises(user=registry["county"], pk=product.pk)
    assert county.ids == [registry["fits_xiuzhou"].pk]


def test_fit_follows_the_product_counties(registry):
    product = registry["product"]
    product.live_version.counties.add(registry["xiuzhou"])
    assert product_fit_enterprises(user=registry["city"], pk=product.pk).ids == [
        registry["fits_xiuzhou"].pk
    ]


@pytest.mark.parametrize("who", ["other_bank", "enterprise"])
def test_fit_refused_to_others(registry, who):
    with pytest.raises(ApplicationError) as refused:
        product_fit_enterprises(user=registry[who], pk=registry["product"].pk)
    assert refused.value.status == 403
    assert refused.value.message == "只有政府工作人员和产品所属机构可以查看适配企业。"


def test_a_draft_of_another_institution_is_not_found(registry):
    draft = ProductFactory()
    with pytest.raises(ApplicationError) as missing:
        product_fit_enterprises(user=registry["other_bank"], pk=draft.pk)
    assert missing.value.status == 404


def _state():
    return (
        list(Lead.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values("recipient", "key")),
        AuditEvent.objects.count(),
    )


def test_officer_pushes_leads_once_and_the_institution_is_told_on_commit(
    registry, django_capture_on_commit_callbacks
):
    product, officer = registry["product"], registry["city"]
    ids = [registry["fits_nanhu"].pk, registry["fits_xiuzhou"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        first = lead_push(product_id=product.pk, enterprise_ids=ids, acting_user=officer)
    assert [lead.enterprise_id for lead in first.created] == ids
    assert first.already == 0
    leads = Lead.objects.filter(product=product)
    assert sorted(leads.values_list("enterprise_id", flat=True)) == ids
    assert {lead.institution_id for lead in leads} == {product.institution_id}
    (message,) = Notification.objects.filter(recipient=registry["bank"])
    assert message.title == f"收到2条企业线索：{product.name}"
    assert message.url == "/financing/leads/"
    assert AuditEvent.objects.filter(object_type="financing.lead", action="create").count() == 2

    before = _state()
    with django_capture_on_commit_callbacks(execute=True):
        again = lead_push(product_id=product.pk, enterprise_ids=ids, acting_user=officer)
    assert (again.created, again.already) == ([], 2)
    assert _state() == before


def test_institution_users_may_not_push_and_nothing_changes(registry):
    before = _state()
    with pytest.raises(ApplicationError) as refused:
        lead_push(
            product_id=registry["product"].pk,
            enterprise_ids=[registry["fits_nanhu"].pk],
            acting_user=registry["bank"],
        )
    assert (refused.value.status, refused.value.message) == (
        403,
        "只有政府工作人员可以向机构推送企业线索。",
    )
    assert _state() == before


def test_an_enterprise_that_does_not_fit_is_refused(registry):
    before = _state()
    low = registry["low_rd"]
    with pytest.raises(ApplicationError) as invalid:
        lead_push(
            product_id=registry["product"].pk,
            enterprise_ids=[registry["fits_nanhu"].pk, low.pk],
            acting_user=registry["city"],
        )
    assert invalid.value.status == 400
    assert invalid.value.fields == {
        "enterprise_ids": [f"以下企业不符合该产品的条件或不在您的管辖范围内：{low.pk}"]
    }
    assert _state() == before


def test_a_county_officer_pushes_only_the_county(registry):
    with pytest.raises(ApplicationError) as invalid:
        lead_push(
            product_id=registry["product"].pk,
            enterprise_ids=[registry["fits_nanhu"].pk],
            acting_user=registry["county"],
        )
    assert invalid.value.status == 400
    pushed = lead_push(
        product_id=registry["product"].pk,
        enterprise_ids=[registry["fits_xiuzhou"].pk],
        acting_user=registry["county"],
    )
    assert len(pushed.created) == 1
