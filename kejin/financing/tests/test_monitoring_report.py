"""Process monitoring on a hand-built set: funnel, exact medians and 90th percentiles,
overdue list, scoreboard; who sees what; a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.core.workdays import workdays_between
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import DemandStatus
from kejin.financing.models import DemandRoute
from kejin.financing.monitoring import (
    Scope,
    histogram_quantile,
    institution_scoreboard_get,
    monitoring_report,
    monitoring_scope,
)
from kejin.financing.tests.factories import DemandFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
TODAY = datetime.date(2026, 11, 10)  # Tuesday


def at(y, m, d, hour=9):
    return datetime.datetime(y, m, d, hour, tzinfo=SHANGHAI)


@pytest.fixture
def world():
    """Two counties, two banks, eight demands (seven in 南湖区). See the module docstring of
    each test for the numbers they give."""
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    i1 = InstitutionFactory(name="甲银行科技支行")
    i2 = InstitutionFactory(name="乙银行科技支行")
    ent_a = EnterpriseFactory(county=nanhu)
    ent_b = EnterpriseFactory(county=xiuzhou)
    nov = at(2026, 11, 2)

    def demand(routes, enterprise=ent_a, submitted=nov, **kwargs):
        d = DemandFactory(enterprise=enterprise, submitted_at=submitted, **kwargs)
        for rank, institution in enumerate(routes, start=1):
            DemandRoute.objects.create(
                demand=d, institution=institution, rank=rank, score=Decimal("80"), routed_at=nov
            )
        return d

    common = {"routed_at": nov}
    d = {}
    d[1] = demand(
        [i1],
        status=DemandStatus.DISBURSED,
        institution=i1,
        claimed_at=nov,
        contacted_at=nov,
        review_started_at=nov,
        decided_at=nov,
        disbursed_at=nov,
        approved_amount=Decimal("2000000.00"),
        claim_workdays=0,
        contact_workdays=1,
        decision_workdays=3,
        disburse_workdays=2,
        **common,
    )
    d[2] = demand(
        [i1, i2],
        status=DemandStatus.REJECTED,
        institution=i1,
        claimed_at=nov,
        contacted_at=nov,
        review_started_at=nov,
        decided_at=nov,
        rejection_reason="collateral",
        rejection_text="抵押不足",
        claim_workdays=1,
        contact_workdays=2,
        decision_workdays=10,
        **common,
    )
    d[3] = demand(
        [i2],
        status=DemandStatus.CLAIMED,
        institution=i2,
        claimed_at=nov,
        claim_workdays=1,
        contact_due_on=datetime.date(2026, 11, 4),
        overdue_step="contact",
        escalated_at=at(2026, 11, 5),
        **common,
    )
    d[4] = demand(
        [i1, i2],
        status=DemandStatus.CONTACTED,
        institution=i2,
        claimed_at=nov,
        contacted_at=nov,
        claim_workdays=2,
        contact_workdays=0,
        **common,
    )
    d[5] = demand(
        [i2],
        status=DemandStatus.UNDER_REVIEW,
        institution=i2,
        claimed_at=nov,
        contacted_at=None,
        review_started_at=nov,
        claim_workdays=5,
        **common,
    )
    d[6] = demand(
        [i1],
        status=DemandStatus.ROUTED,
        open_pool=True,
        claim_due_on=datetime.date(2026, 11, 3),
        overdue_step="claim",
        escalated_at=at(2026, 11, 4),
        **common,
    )
    d[7] = demand([], submitted=at(2026, 10, 20))
    d[8] = demand(
        [i1],
        enterprise=ent_b,
        status=DemandStatus.APPROVED,
        institution=i1,
        claimed_at=nov,
        decided_at=nov,
        approved_amount=Decimal("1000000.00"),
        claim_workdays=7,
        decision_workdays=4,
        **common,
    )
    return {"nanhu": nanhu, "xiuzhou": xiuzhou, "i1": i1, "i2": i2, "d": d}


def report_for(user, county=None, month=None):
    scope = monitoring_scope(user=user, county_id=county, month=month)
    return monitoring_report(user=user, scope=scope, today=TODAY)


# --- the numbers ----------------------------------------------------------------------------


def test_histogram_quantiles_match_numpy_linear():
    assert histogram_quantile([(0, 1), (1, 2), (2, 1), (5, 1)], 0.5) == 1
    assert histogram_quantile([(0, 1), (1, 2), (2, 1), (5, 1)], 0.9) == pytest.approx(3.8)
    assert histogram_quantile([(3, 1), (10, 1)], 0.5) == 6.5
    assert histogram_quantile([], 0.5) is None


def test_county_report_funnel_step_times_and_overdue(world):
    officer = UserFactory(county_officer=True, county=world["nanhu"])
    report = report_for(officer)

    assert report.funnel == [
        ("submitted", "提交", 7),
        ("routed", "推送/入池", 6),
        ("claimed", "认领", 5),
        ("contacted", "首次联系", 3),
        ("under_review", "进入审批", 3),
        ("decided", "作出决定", 2),
        ("approved", "批准", 1),
        ("disbursed", "放款", 1),
    ]
    times = {row.key: (row.count, row.median, row.p90) for row in report.step_times}
    assert times["claim"] == (5, 1, pytest.approx(3.8))  # 0, 1, 1, 2, 5
    assert times["contact"] == (3, 1, pytest.approx(1.8))  # 0, 1, 2
    assert times["decision"] == (2, 6.5, pytest.approx(9.3))  # 3, 10
    assert times["disburse"] == (1, 2, 2)
    d = world["d"]
    # d6: claim due 11-03 → 11-04, 05, 06, 09, 10 = 5; d3: contact due 11-04 → 4.
    assert [(r.demand.pk, r.step_label, r.workdays_overdue) for r in report.overdue] == [
        (d[6].pk, "认领", 5),
        (d[3].pk, "首次联系", 4),
    ]
    assert report.overdue_total == 2


def test_county_scoreboard(world):
    officer = UserFactory(county_officer=True, county=world["nanhu"])
    board = report_for(officer).scoreboard
    i1, i2 = world["i1"], world["i2"]
    assert [row.institution_id for row in board] == [i2.pk, i1.pk]
    second, first = board
    assert (second.routed, second.routed_claimed, second.claim_rate) == (4, 3, 0.75)
    assert (second.claimed, second.decided, second.approval_rate, second.overdue) == (3, 0, None, 1)
    assert (second.mean_claim_days, second.mean_decision_days) == (2.67, None)
    assert (first.routed, first.routed_claimed, first.claim_rate) == (4, 2, 0.5)
    assert (first.claimed, first.decided, first.approved, first.approval_rate) == (2, 2, 1, 0.5)
    assert first.approved_amount == Decimal("2000000.00")
    assert (first.mean_claim_days, first.mean_decision_days, first.disbursed) == (0.5, 6.5, 1)
    assert first.rejections == [("collateral", "担保或抵质押不足", 1)]


def test_claims_via_route_recorded_on_the_demand_give_the_same_scoreboard(world):
    from kejin.financing.models import Demand
    from kejin.financing.sla import _claimed_via_route_fill

    officer = UserFactory(county_officer=True, county=world["nanhu"])
    joined = [(r.institution_id, r.routed_claimed) for r in report_for(officer).scoreboard]
    assert _claimed_via_route_fill() == 6  # the claimed demands of both counties
    d = world["d"]
    assert Demand.objects.get(pk=d[4].pk).claimed_via_route is True  # i2 was routed
    stored = [(r.institution_id, r.routed_claimed) for r in report_for(officer).scoreboard]
    assert stored == joined == [(world["i2"].pk, 3), (world["i1"].pk, 2)]
    # A claim from the pool by an institution it was not routed to does not count.
    Demand.objects.filter(pk=d[5].pk).update(institution=world["i1"], claimed_via_route=None)
    _claimed_via_route_fill()
    assert Demand.objects.get(pk=d[5].pk).claimed_via_route is False


def test_city_officer_sees_the_whole_city_or_picks_a_county_or_month(world):
    city = UserFactory()
    whole = report_for(city)
    assert whole.funnel[0] == ("submitted", "提交", 8)
    i1_row = next(r for r in whole.scoreboard if r.institution_id == world["i1"].pk)
    assert (i1_row.routed, i1_row.claimed, i1_row.approved) == (5, 3, 2)
    assert i1_row.approved_amount == Decimal("3000000.00")
    times = {row.key: (row.median, row.p90) for row in whole.step_times}
    assert times["claim"] == (1.5, pytest.approx(6.0))  # 0, 1, 1, 2, 5, 7

    county = report_for(city, county=str(world["xiuzhou"].pk))
    assert county.funnel[0][2] == 1 and county.overdue_total == 0
    november = report_for(city, county=str(world["nanhu"].pk), month=datetime.date(2026, 11, 1))
    assert november.funnel[0][2] == 6  # d7 was submitted in October


def test_county_officer_cannot_widen_the_scope(world):
    officer = UserFactory(county_officer=True, county=world["xiuzhou"])
    report = report_for(officer, county=str(world["nanhu"].pk))
    assert report.scope.county == world["xiuzhou"]
    assert report.funnel[0][2] == 1
    assert [row.institution_id for row in report.scoreboard] == [world["i1"].pk]
    assert report.overdue == []


def test_institution_sees_its_own_scoreboard_only(world):
    banker = UserFactory(institution_officer=True, institution=world["i2"])
    own = institution_scoreboard_get(user=banker, institution_id=world["i2"].pk)
    assert (own.routed, own.routed_claimed, own.claimed, own.overdue) == (4, 3, 3, 1)
    from kejin.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as denied:
        institution_scoreboard_get(user=banker, institution_id=world["i1"].pk)
    assert (denied.value.status, denied.value.message) == (403, "只能查看本机构的服务记录。")
    with pytest.raises(ApplicationError) as no_report:
        monitoring_report(user=banker, scope=Scope())
    assert (no_report.value.status, no_report.value.message) == (
        403,
        "流程监控仅向政府工作人员开放。",
    )


# --- pages ----------------------------------------------------------------------------------


def test_monitoring_page_for_a_county_officer(client, world):
    client.force_login(UserFactory(county_officer=True, county=world["nanhu"]))
    response = client.get(reverse("financing:monitoring"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="overdue-list"' in html and 'data-testid="scoreboard"' in html
    assert html.count('data-testid="overdue-row"') == 2
    assert html.count('data-testid="scoreboard-row"') == 2
    assert 'data-chart="chart-funnel-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    rows = response.context["report"].scoreboard
    assert [r.name for r in rows] == ["乙银行科技支行", "甲银行科技支行"]


@pytest.mark.parametrize(
    "role",
    [
        {"enterprise_admin": True},
        {"institution_officer": True},
        {"data_provider": True},
    ],
)
def test_monitoring_page_refused_to_non_officers(client, world, role):
    client.force_login(UserFactory(**role))
    response = client.get(reverse("financing:monitoring"))
    assert response.status_code == 403
    assert "流程监控仅向政府工作人员开放。" in response.content.decode()


def test_scoreboard_page_own_institution_and_refusals(client, world):
    banker = UserFactory(institution_officer=True, institution=world["i1"])
    client.force_login(banker)
    own = client.get(reverse("financing:monitoring_scoreboard", args=[world["i1"].pk]))
    assert own.status_code == 200
    assert own.context["row"].claimed == 3
    other = client.get(reverse("financing:monitoring_scoreboard", args=[world["i2"].pk]))
    assert other.status_code == 403
    assert "只能查看本机构的服务记录。" in other.content.decode()
    missing = client.get(reverse("financing:monitoring_scoreboard", args=[999999]))
    assert missing.status_code == 404
    client.force_login(UserFactory(enterprise_admin=True))
    assert (
        client.get(reverse("financing:monitoring_scoreboard", args=[world["i1"].pk])).status_code
        == 403
    )


def test_monitoring_page_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(UserFactory())
    with django_assert_max_num_queries(26):
        assert client.get(reverse("financing:monitoring")).status_code == 200
    # Ten more banks, each with a routed, claimed, rejected and overdue demand.
    for n in range(10):
        bank = InstitutionFactory()
        demand = DemandFactory(
            status=DemandStatus.REJECTED,
            institution=bank,
            submitted_at=at(2026, 11, 3),
            routed_at=at(2026, 11, 3),
            claimed_at=at(2026, 11, 3),
            decided_at=at(2026, 11, 4),
            rejection_reason="credit",
            claim_workdays=n,
            decision_workdays=n,
        )
        DemandRoute.objects.create(
            demand=demand, institution=bank, rank=1, score=Decimal("70"), routed_at=at(2026, 11, 3)
        )
        DemandFactory(
            status=DemandStatus.ROUTED,
            submitted_at=at(2026, 11, 3),
            routed_at=at(2026, 11, 3),
            claim_due_on=datetime.date(2026, 11, 4),
            overdue_step="claim",
        )
    with django_assert_max_num_queries(26):
        response = client.get(reverse("financing:monitoring"))
    assert response.content.decode().count('data-testid="scoreboard-row"') == 12


# --- API ------------------------------------------------------------------------------------


def test_api_report_and_errors(client, world):
    client.force_login(UserFactory(county_officer=True, county=world["nanhu"]))
    body = client.get("/api/v1/financing/monitoring/").json()
    assert body["county"] == world["nanhu"].pk and body["month"] is None
    assert body["funnel"][0] == {"step": "submitted", "label": "提交", "count": 7}
    claim = next(s for s in body["step_times"] if s["step"] == "claim")
    assert (claim["median"], claim["p90"]) == (1.0, 3.8)
    assert [o["number"] for o in body["overdue"]] == [world["d"][6].number, world["d"][3].number]
    expected = workdays_between(datetime.date(2026, 11, 4), timezone.localdate()).value
    assert body["overdue"][1]["workdays_overdue"] == expected  # today's, in the API
    first = body["scoreboard"][1]
    assert first["claim_rate"] == 0.5 and first["approved_amount"] == "2000000.00"
    assert first["rejections"] == [
        {"reason": "collateral", "label": "担保或抵质押不足", "count": 1}
    ]

    bad = client.get("/api/v1/financing/monitoring/?month=2026-13")
    assert bad.status_code == 400
    assert bad.json()["error"] == {
        "code": "invalid",
        "message": "月份无效。",
        "fields": {"month": ["月份格式应为 2026-11。"]},
    }
    client.force_login(UserFactory())
    assert client.get("/api/v1/financing/monitoring/?county=999999").status_code == 404


def test_api_refusals(client, world):
    client.force_login(UserFactory(enterprise_admin=True))
    denied = client.get("/api/v1/financing/monitoring/")
    assert denied.status_code == 403
    assert denied.json()["error"]["message"] == "流程监控仅向政府工作人员开放。"
    client.force_login(UserFactory(institution_manager=True, institution=world["i2"]))
    url = "/api/v1/financing/monitoring/institutions/{}/scoreboard/"
    own = client.get(url.format(world["i2"].pk))
    assert own.status_code == 200 and own.json()["claim_rate"] == 0.75
    other = client.get(url.format(world["i1"].pk))
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "permission_denied"
    assert client.get(url.format(999999)).status_code == 404


def test_my_scoreboard_for_institution_users_only(client, world):
    client.force_login(UserFactory(institution_officer=True, institution=world["i2"]))
    response = client.get(reverse("financing:my_scoreboard"))
    assert response.status_code == 200
    assert response.context["row"].institution_id == world["i2"].pk
    client.force_login(UserFactory())
    refused = client.get(reverse("financing:my_scoreboard"))
    assert refused.status_code == 403
    assert "只有金融机构用户可以查看本机构的服务记录。" in refused.content.decode()
