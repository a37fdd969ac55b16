"""Impact simulation: its counts by county × growth stage equal a direct count over the facts
frame (a Python loop over ``build_frame``'s rows, and a hand-written count over generated
frames), entering and leaving are the set differences, the benefit totals sum the formula
over the qualifying; a changed parameter is never saved; only those who may manage the
policy simulate, and a refusal or a bad value changes nothing."""

from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from bench.financing_fit import frame as generated_frame
from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.eligibility import eligible_ids
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.facts.frame import build_frame
from kejin.policies.models import PolicyVersion
from kejin.policies.selectors_matching import version_simulation
from kejin.policies.simulation import simulate_frame, version_variant, version_with_parameter
from kejin.policies.tests.factories import PolicyFactory, PolicyVersionFactory
from kejin.registry.models import GrowthStage, RegistryEntry

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
        {
            "id": "rd",
            "label": "研发投入占比达标",
            "test": {">=": [{"var": "value.rd_ratio"}, {"param": "rd_min"}]},
        },
        {
            "id": "revenue",
            "label": "销售收入达标",
            "test": {">=": [{"var": "revenue"}, {"param": "revenue_min"}]},
        },
    ],
}
PARAMETERS = {
    "rd_min": {"value": 0.03, "reference": "第五条", "label": "研发投入占比下限"},
    "revenue_min": {"value": 5000000, "reference": "第五条", "label": "销售收入下限"},
}
#: 10 % of the R&D expense, at most 5万元.
FORMULA = {"*": [{"var": "rd_expense"}, 0.1]}


def _qualifies(row, rd_min, revenue_min, tiers=()):
    """The rule by hand, for one row (unknown is not eligible)."""
    revenue, rd = row["revenue"], row["rd_expense"]
    if revenue is None or rd is None or revenue == 0:
        return False
    if tiers and row["registry_stage"] not in tiers:
        return False
    ratio = Fraction(str(rd)) / Fraction(str(revenue))
    return ratio >= Fraction(str(rd_min)) and revenue >= revenue_min


def _direct(rows, **rule):
    """Ids and (county, stage) counts of the rows that qualify, by a Python loop."""
    ids = {r["enterprise_id"] for r in rows if _qualifies(r, **rule)}
    cells = Counter(
        (r["county_id"], r["registry_stage"]) for r in rows if r["enterprise_id"] in ids
    )
    return ids, cells


def _cells(result, side):
    return {(c.county_id, c.stage): getattr(c, side) for c in result.cells if getattr(c, side)}


# --- over generated frames ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_equal_a_direct_count_over_a_generated_frame(seed):
    df = generated_frame(4000, seed=seed)
    live = PolicyVersion(version="1", document=RD_RULE, parameters=PARAMETERS)
    changed = version_with_parameter(live, "rd_min", "0.025")
    # The draft also narrows to growth and mature enterprises.
    changed.tiers = ["growth", "mature"]
    result = simulate_frame(
        df,
        proposed=version_variant(changed, counties=[]),
        current=version_variant(live, counties=[]),
        shown=5,
    )
    rows = df.to_dicts()
    old, old_cells = _direct(rows, rd_min=0.03, revenue_min=5000000)
    new, new_cells = _direct(rows, rd_min=0.025, revenue_min=5000000, tiers=("growth", "mature"))
    assert (result.current, result.proposed) == (len(old), len(new))
    assert _cells(result, "current") == dict(old_cells)
    assert _cells(result, "proposed") == dict(new_cells)
    assert (result.entering_count, result.leaving_count) == (len(new - old), len(old - new))
    assert result.entering_ids == sorted(new - old)[:5]
    assert result.leaving_ids == sorted(old - new)[:5]
    assert len(new - old) > 0 and len(old - new) > 0
    assert result.size == df.height


def test_the_benefit_totals_sum_the_capped_formula_over_the_qualifying():
    df = generated_frame(3000, seed=5)
    live = PolicyVersion(
        version="1",
        document=RD_RULE,
        parameters=PARAMETERS,
        benefit_formula=FORMULA,
        cap_per_enterprise_year=Decimal("50000"),
    )
    changed = version_with_parameter(live, "revenue_min", "10000000")
    result = simulate_frame(
        df,
        proposed=version_variant(changed, counties=[]),
        current=version_variant(live, counties=[]),
    )
    rows = {r["enterprise_id"]: r for r in df.to_dicts()}
    old, _cells = _direct(rows.values(), rd_min=0.03, revenue_min=5000000)
    new, _cells = _direct(rows.values(), rd_min=0.03, revenue_min=10000000)

    def total(ids):
        return sum(min(rows[i]["rd_expense"] * 0.1, 50000.0) for i in ids)

    assert result.current_benefit == pytest.approx(total(old), abs=0.05)
    assert result.proposed_benefit == pytest.approx(total(new), abs=0.05)
    assert result.proposed_benefit < result.current_benefit
    assert result.entering_count == 0 and result.leaving_count == len(old - new)


def test_without_a_live_version_every_qualifying_enterprise_enters():
    df = generated_frame(1000, seed=3)
    draft = PolicyVersion(version="1", document=RD_RULE, parameters=PARAMETERS)
    result = simulate_frame(df, proposed=version_variant(draft, counties=[]), current=None)
    ids, _cells = _direct(df.to_dicts(), rd_min=0.03, revenue_min=5000000)
    assert result.has_current is False
    assert (result.current, result.proposed, result.entering_count) == (0, len(ids), len(ids))


# --- over the database ------------------------------------------------------------------------


def _enterprise(county, rd, revenue="10000000", stage=None):
    enterprise = EnterpriseFactory(county=county)
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal(revenue), rd_expense=Decimal(rd)
    )
    if stage:
        RegistryEntry.objects.create(
            enterprise=enterprise, on_list=True, stage=GrowthStage.objects.get(code=stage)
        )
    return enterprise


@pytest.fixture
def world(db):
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    policy = PolicyFactory(
        published=True,
        title="研发投入奖励",
        live__document=RD_RULE,
        live__parameters=PARAMETERS,
        live__benefit_formula=FORMULA,
        live__cap_per_enterprise_year=Decimal("50000"),
    )
    enterprises = {
        # R&D ratio, revenue, stage: who qualifies at 3 % and at 2.5 %.
        "a": _enterprise(nanhu, "400000", stage="growth"),  # 4 %: both
        "b": _enterprise(nanhu, "270000", stage="growth"),  # 2.7 %: 2.5 % only
        "c": _enterprise(xiuzhou, "260000", stage="startup"),  # 2.6 %: 2.5 % only
        "d": _enterprise(xiuzhou, "350000"),  # 3.5 %, no stage: both
        "e": _enterprise(xiuzhou, "200000", stage="mature"),  # 2 %: neither
        "f": _enterprise(nanhu, "300000", revenue="4000000", stage="mature"),  # small: neither
    }
    return {
        "policy": policy,
        "live": policy.live_version,
        "draft": PolicyVersionFactory(
            policy=policy,
            document=RD_RULE,
            parameters={**PARAMETERS, "rd_min": {**PARAMETERS["rd_min"], "value": 0.025}},
            tiers=["growth"],
        ),
        "city": UserFactory(),
        "county": UserFactory(county_officer=True, county=xiuzhou),
        "enterprise": UserFactory(enterprise_admin=True),
        **enterprises,
    }


def _frame_rows():
    return build_frame(
        year=2025, facts={"revenue", "rd_expense", "county_id", "registry_stage"}
    ).to_dicts()


def test_a_changed_threshold_counts_as_the_facts_frame_says_and_is_not_saved(world):
    live = world["live"]
    version, result = version_simulation(
        user=world["city"], pk=live.pk, parameter="rd_min", value="0.025"
    )
    assert version == live
    rows = _frame_rows()
    old, old_cells = _direct(rows, rd_min=0.03, revenue_min=5000000)
    new, new_cells = _direct(rows, rd_min=0.025, revenue_min=5000000)
    assert old == {world["a"].pk, world["d"].pk}
    assert new == old | {world["b"].pk, world["c"].pk}
    assert _cells(result, "current") == dict(old_cells)
    assert _cells(result, "proposed") == dict(new_cells)
    assert result.year == 2025
    assert {(c.county_name, c.stage_name, c.current, c.proposed) for c in result.cells} == {
        ("南湖区", "成长期", 1, 2),
        ("秀洲区", "初创期", 0, 1),
        ("秀洲区", "未评价", 1, 1),
    }
    assert result.entering == [
        {"id": world["b"].pk, "name": world["b"].name},
        {"id": world["c"].pk, "name": world["c"].name},
    ]
    assert result.leaving == [] and result.leaving_count == 0
    # 10 % of R&D: 4万 + 3.5万 now; + 2.7万 + 2.6万 with the lower threshold.
    assert result.current_benefit == 75000.0
    assert result.proposed_benefit == 128000.0
    live.refresh_from_db()
    assert live.parameters == PARAMETERS


def test_a_draft_version_against_the_live_one(world):
    _version, result = version_simulation(user=world["city"], pk=world["draft"].pk)
    # The draft: 2.5 % and growth stage only.
    assert result.proposed == 2 and result.current == 2
    assert [e["id"] for e in result.entering] == [world["b"].pk]
    assert [e["id"] for e in result.leaving] == [world["d"].pk]


def test_a_county_officer_simulates_their_county_policy_over_the_county(world):
    xiuzhou = world["c"].county
    policy = PolicyFactory(
        published=True,
        region=xiuzhou,
        live__document=RD_RULE,
        live__parameters=PARAMETERS,
    )
    _version, result = version_simulation(
        user=world["county"], pk=policy.live_version.pk, parameter="rd_min", value="0.025"
    )
    # 秀洲区's enterprises only: d qualifies at 3 %, c joins at 2.5 %.
    assert (result.size, result.current, result.proposed) == (3, 1, 2)
    assert [e["id"] for e in result.entering] == [world["c"].pk]


def _state():
    return (
        list(PolicyVersion.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("who", ["county", "enterprise"])
def test_others_may_not_simulate_and_nothing_changes(world, who):
    before = _state()
    with pytest.raises(ApplicationError) as refused:
        version_simulation(user=world[who], pk=world["live"].pk, parameter="rd_min", value="0.01")
    assert (refused.value.status, refused.value.message) == (
        403,
        "只有政府部门工作人员可以起草和管理政策。",
    )
    assert _state() == before


def test_an_enterprise_user_does_not_see_a_draft_version(world):
    with pytest.raises(ApplicationError) as missing:
        version_simulation(user=world["enterprise"], pk=world["draft"].pk)
    assert missing.value.status == 404
    # A draft policy's version is not found either.
    other = PolicyVersionFactory()
    with pytest.raises(ApplicationError) as missing:
        version_simulation(user=world["enterprise"], pk=other.pk)
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("parameter", "value", "fields"),
    [
        (
            "rd_max",
            "0.02",
            {
                "parameter": [
                    "该版本没有名为“rd_max”的参数，请从以下参数中选择：rd_min、revenue_min。"
                ]
            },
        ),
        ("rd_min", "三个百分点", {"value": ["参数值须为数字，例如 0.03 或 5000000。"]}),
        ("rd_min", "", {"value": ["请填写新的参数值。"]}),
    ],
)
def test_a_bad_parameter_or_value_is_refused_and_nothing_changes(world, parameter, value, fields):
    before = _state()
    with pytest.raises(ApplicationError) as invalid:
        version_simulation(
            user=world["city"], pk=world["live"].pk, parameter=parameter, value=value
        )
    assert invalid.value.status == 400
    assert invalid.value.fields == fields
    assert _state() == before


def test_the_page_with_its_form(world, client):
    client.force_login(world["city"])
    url = reverse("policies:version_simulate", args=[world["live"].pk])
    page = client.get(url, {"parameter": "rd_min", "value": "0.025"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="simulation-current">2<' in text
    assert 'data-testid="simulation-proposed">4<' in text
    assert text.count('data-testid="simulation-cell"') == 3
    assert "参数“研发投入占比下限”由 0.03 调整为 0.025（仅测算，未保存）" in text
    bad = client.get(url, {"parameter": "rd_min", "value": "abc"})
    assert bad.status_code == 200
    assert "参数值须为数字，例如 0.03 或 5000000。" in bad.content.decode()
    client.force_login(world["county"])
    assert client.get(url).status_code == 403


def test_the_api(world, client):
    client.force_login(world["city"])
    url = f"/api/v1/policies/versions/{world['live'].pk}/simulation/"
    body = client.get(url, {"parameter": "rd_min", "value": "0.025"}).json()
    assert (body["current"], body["proposed"]) == (2, 4)
    assert (body["entering_count"], body["leaving_count"]) == (2, 0)
    assert body["current_benefit"] == 75000.0 and body["proposed_benefit"] == 128000.0
    assert {(c["county_name"], c["stage"], c["proposed"]) for c in body["cells"]} == {
        ("南湖区", "growth", 2),
        ("秀洲区", "startup", 1),
        ("秀洲区", None, 1),
    }
    bad = client.get(url, {"parameter": "nope", "value": "1"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["parameter"] == [
        "该版本没有名为“nope”的参数，请从以下参数中选择：rd_min、revenue_min。"
    ]
    client.force_login(world["enterprise"])
    assert client.get(url).status_code == 403


def test_a_scored_rule_takes_the_full_evaluation_and_still_counts_right():
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
        "pass": {"label": "得分达标", "test": {">=": [{"var": "score"}, {"param": "score_min"}]}},
    }
    parameters = {"score_min": {"value": 30, "reference": "第六条"}}
    df = generated_frame(2000, seed=7)
    live = PolicyVersion(version="1", document=scored, parameters=parameters)
    changed = version_with_parameter(live, "score_min", "60")
    current, proposed = version_variant(live, counties=[]), version_variant(changed, counties=[])
    assert current.rule.qualified_expr() is None
    result = simulate_frame(df, proposed=proposed, current=current)
    old = set(eligible_ids(current.rule, df).to_list())
    new = set(eligible_ids(proposed.rule, df).to_list())
    assert (result.current, result.proposed) == (len(old), len(new))
    assert result.leaving_count == len(old - new) > 0 and result.entering_count == 0
