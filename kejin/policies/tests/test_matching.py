""" "Policies I qualify for" and one policy's check: the reasons of the eligible, the gaps
of the near misses (at most two failing clauses, never another county's policy), the
missing facts of the unknown, the estimated benefit; only enterprise users; the pages."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.policies.choices import PolicyStatus
from kejin.policies.models import Policy, PolicyVersion
from kejin.policies.selectors_matching import policies_for_me, policy_check
from kejin.policies.tests.factories import PolicyFactory

RD_RATIO = {"/": [{"var": "rd_expense"}, {"var": "revenue"}]}
#: R&D at least 3 % of revenue, revenue at least 500万元, at most 500 staff.
THREE_CLAUSES = {
    "and": [
        {">=": [RD_RATIO, {"param": "rd_min"}]},
        {">=": [{"var": "revenue"}, 5000000]},
        {"<=": [{"var": "employees"}, 500]},
    ]
}
PARAMETERS = {"rd_min": {"value": 0.03, "reference": "第五条", "label": "研发投入占比下限"}}


def _facts(enterprise, **values):
    AnnualFacts.objects.create(enterprise=enterprise, year=2025, **values)
    return enterprise


@pytest.fixture
def world(db):
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    # 2.1 % R&D, 1,000万元 revenue, 100 staff, in 南湖区.
    enterprise = _facts(
        EnterpriseFactory(county=nanhu),
        revenue=Decimal("10000000"),
        rd_expense=Decimal("210000"),
        employees=100,
    )
    user = UserFactory(enterprise_admin=True, enterprise=enterprise)
    # Eligible: R&D ≥ 2 %, formula 10 % of R&D expense capped at 2万元.
    grant = PolicyFactory(
        published=True,
        title="研发费用补助",
        live__document={">=": [RD_RATIO, {"param": "rd_min"}]},
        live__parameters={"rd_min": {"value": 0.02, "reference": "第三条"}},
        live__benefit_formula={"*": [{"var": "rd_expense"}, 0.1]},
        live__cap_per_enterprise_year=Decimal("20000"),
    )
    # Near miss, one gap: R&D ≥ 3 %.
    near = PolicyFactory(
        published=True,
        title="高研发强度奖励",
        live__document=THREE_CLAUSES,
        live__parameters=PARAMETERS,
    )
    # Three failing clauses: not a near miss.
    far = PolicyFactory(
        published=True,
        title="规上企业奖励",
        live__document={
            "and": [
                {">=": [RD_RATIO, 0.05]},
                {">=": [{"var": "revenue"}, 50000000]},
                {">=": [{"var": "employees"}, 300]},
            ]
        },
    )
    # Only for 秀洲区: out of reach, not a near miss.
    elsewhere = PolicyFactory(published=True, title="秀洲区专项", live__document=None)
    elsewhere.live_version.counties.add(xiuzhou)
    # Needs a fact the enterprise does not have.
    unknown = PolicyFactory(
        published=True,
        title="出口企业补助",
        live__document={">=": [{"var": "exports"}, 1000000]},
    )
    draft = PolicyFactory(title="起草中的政策")
    return {
        "enterprise": enterprise,
        "user": user,
        "grant": grant,
        "near": near,
        "far": far,
        "elsewhere": elsewhere,
        "unknown": unknown,
        "draft": draft,
        "nanhu": nanhu,
        "xiuzhou": xiuzhou,
    }


def test_for_me_sorts_the_policies_by_verdict_with_reasons_gaps_and_missing_facts(world):
    result = policies_for_me(user=world["user"])
    # The five published policies; the draft is not considered.
    assert result.considered == 5
    (eligible,) = result.eligible
    assert eligible.policy_id == world["grant"].pk
    assert eligible.status == "eligible"
    assert eligible.reasons == ["研发费用占销售收入的比例 2.1%，需 ≥ 2%"]
    # 10 % of 21万元 R&D expense is 2.1万元: the 2万元 cap binds.
    assert eligible.benefit_amount == Decimal("20000.00")
    assert eligible.benefit.capped_by == ["cap_per_enterprise_year"]
    assert eligible.benefit_display == "2.00 万元"
    assert result.benefit_total == Decimal("20000.00")
    (near,) = result.near_misses
    assert near.policy_id == world["near"].pk
    assert near.gaps == ["研发费用占销售收入的比例 2.1%，需 ≥ 3%"]
    (unknown,) = result.unknown
    assert unknown.policy_id == world["unknown"].pk
    assert unknown.missing == ["出口额"]


def test_three_failing_clauses_or_another_county_are_not_near_misses(world):
    result = policies_for_me(user=world["user"])
    shown = {m.policy_id for m in result.eligible + result.near_misses + result.unknown}
    assert world["far"].pk not in shown
    assert world["elsewhere"].pk not in shown
    # Two failing clauses still are: R&D 2 % and revenue 400万元.
    AnnualFacts.objects.filter(enterprise=world["enterprise"]).update(
        revenue=Decimal("4000000"), rd_expense=Decimal("80000")
    )
    result = policies_for_me(user=world["user"])
    assert [(m.policy_id, m.gaps) for m in result.near_misses] == [
        (
            world["near"].pk,
            ["研发费用占销售收入的比例 2%，需 ≥ 3%", "销售收入 400万元，需 ≥ 500万元"],
        )
    ]


def test_the_county_policy_is_eligible_in_its_county(world):
    world["elsewhere"].live_version.counties.add(world["nanhu"])
    result = policies_for_me(user=world["user"])
    assert world["elsewhere"].pk in {m.policy_id for m in result.eligible}


def test_an_enterprise_without_data_has_every_ruled_policy_unknown(world):
    bare = UserFactory(enterprise_admin=True, enterprise=EnterpriseFactory(county=world["nanhu"]))
    result = policies_for_me(user=bare)
    assert result.eligible == [] and result.near_misses == []
    # 秀洲区's policy needs no fact but is out of reach; the others need facts it lacks.
    assert [(m.policy_id, m.missing) for m in result.unknown] == [
        (world["grant"].pk, ["研发费用", "销售收入"]),
        (world["near"].pk, ["职工总数", "研发费用", "销售收入"]),
        (world["far"].pk, ["职工总数", "研发费用", "销售收入"]),
        (world["unknown"].pk, ["出口额"]),
    ]


@pytest.mark.parametrize("who", ["city", "county", "bank", "visitor"])
def test_for_me_is_for_enterprise_users_only(world, who):
    users = {
        "city": UserFactory(),
        "county": UserFactory(county_officer=True, county=world["nanhu"]),
        "bank": UserFactory(institution_officer=True),
        "visitor": AnonymousUser(),
    }
    with pytest.raises(ApplicationError) as refused:
        policies_for_me(user=users[who])
    assert refused.value.status == 403
    assert refused.value.message == "只有企业用户可以订阅政策和申报政策。"


def test_the_check_lists_what_holds_and_what_is_missed(world):
    policy, match = policy_check(user=world["user"], pk=world["near"].pk)
    assert policy == world["near"]
    assert match.status == "ineligible"
    assert match.gaps == ["研发费用占销售收入的比例 2.1%，需 ≥ 3%"]
    _policy, eligible = policy_check(user=world["user"], pk=world["grant"].pk)
    assert eligible.status == "eligible" and eligible.benefit_amount == Decimal("20000.00")
    # The parts of the failing condition that hold are shown too.
    assert match.reasons == ["销售收入 1000万元，需 ≥ 500万元", "职工总数 100 人，需 ≤ 500 人"]
    # Three failing clauses: the check still shows them all.
    _policy, far = policy_check(user=world["user"], pk=world["far"].pk)
    assert len(far.gaps) == 3


def test_the_check_of_a_draft_is_not_found_and_of_others_refused(world):
    with pytest.raises(ApplicationError) as missing:
        policy_check(user=world["user"], pk=world["draft"].pk)
    assert missing.value.status == 404
    with pytest.raises(ApplicationError) as refused:
        policy_check(user=UserFactory(), pk=world["grant"].pk)
    assert (refused.value.status, refused.value.message) == (
        403,
        "只有企业用户可以订阅政策和申报政策。",
    )


def test_the_check_of_an_expired_policy_is_a_conflict(world):
    Policy.objects.filter(pk=world["grant"].pk).update(status=PolicyStatus.EXPIRED)
    with pytest.raises(ApplicationError) as conflict:
        policy_check(user=world["user"], pk=world["grant"].pk)
    assert (conflict.value.status, conflict.value.code) == (409, "policy_state_conflict")
    assert conflict.value.message == "政策“研发费用补助”尚未发布或已失效，无法判断是否符合条件。"


def test_a_benefit_with_inputs_uses_their_typical_values(world):
    PolicyVersion.objects.filter(pk=world["grant"].live_version_id).update(
        benefit_formula={"*": [{"var": "input.premium"}, 0.5]},
        inputs=[{"name": "premium", "label": "保费", "kind": "money", "typical": 30000}],
    )
    (eligible,) = policies_for_me(user=world["user"]).eligible
    assert eligible.benefit_amount == Decimal("15000.00")
    assert eligible.benefit_assumed is True


# --- pages and API ---------------------------------------------------------------------------


def test_the_page_shows_reasons_and_gaps(world, client):
    client.force_login(world["user"])
    response = client.get(reverse("policies:for_me"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="policy-for-me-eligible"') == 1
    assert page.count('data-testid="policy-reasons"') == 1
    assert page.count('data-testid="policy-near-miss"') == 1
    assert page.count('data-testid="policy-gaps"') == 1
    assert "研发费用占销售收入的比例 2.1%，需 ≥ 3%" in page
    assert page.count('data-testid="policy-unknown"') == 1


def test_the_check_page_and_its_fragment(world, client):
    client.force_login(world["user"])
    url = reverse("policies:policy_check", args=[world["near"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="policy-check" data-status="ineligible"' in page.content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'data-testid="policy-gaps"' in fragment.content.decode()


def test_the_page_refuses_an_officer(world, client):
    client.force_login(UserFactory())
    assert client.get(reverse("policies:for_me")).status_code == 403


def test_the_api_for_me_and_check(world, client):
    client.force_login(world["user"])
    body = client.get("/api/v1/policies/for-me/").json()
    assert body["considered"] == 5
    (eligible,) = body["eligible"]
    assert eligible["policy"] == world["grant"].pk
    assert eligible["benefit"] == "20000.00"
    assert eligible["reasons"] == ["研发费用占销售收入的比例 2.1%，需 ≥ 2%"]
    assert [n["gaps"] for n in body["near_misses"]] == [["研发费用占销售收入的比例 2.1%，需 ≥ 3%"]]
    assert [u["missing"] for u in body["unknown"]] == [["出口额"]]
    check = client.get(f"/api/v1/policies/{world['near'].pk}/check/").json()
    assert check["status"] == "ineligible" and check["benefit"] is None
    assert client.get(f"/api/v1/policies/{world['draft'].pk}/check/").status_code == 404


def test_the_api_refuses_others_and_visitors(world, client):
    assert client.get("/api/v1/policies/for-me/").status_code in (401, 403)
    client.force_login(UserFactory())
    refused = client.get("/api/v1/policies/for-me/")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有企业用户可以订阅政策和申报政策。"


def test_for_me_reads_as_much_for_25_policies_as_for_5(world):
    with CaptureQueriesContext(connection) as few:
        policies_for_me(user=world["user"])
    for n in range(20):
        PolicyFactory(
            published=True,
            live__document=THREE_CLAUSES,
            live__parameters={"rd_min": {"value": 0.001 * (n + 1), "reference": "第五条"}},
        )
    with CaptureQueriesContext(connection) as many:
        result = policies_for_me(user=world["user"])
    assert result.considered == 25
    assert len(many) == len(few)
