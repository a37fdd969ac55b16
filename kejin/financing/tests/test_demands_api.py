"""The demands API: posting (201 / field errors), the lists of each role (scoped, with a
query-count guard), detail (404 for what the caller may not see), one POST per action with
its 403 / 409 / 400 in the error envelope, and a refusal that changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.financing.choices import DemandStatus
from kejin.financing.models import Demand, DemandEvent
from kejin.financing.tests.demand_world import world_build

pytestmark = pytest.mark.django_db

API = "/api/v1/financing/demands/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _state(demand) -> tuple:
    return (
        list(Demand.objects.filter(pk=demand.pk).values()),
        list(DemandEvent.objects.filter(demand=demand).values()),
        AuditEvent.objects.count(),
    )


def test_post_a_demand_as_json_and_read_it_back(client, django_capture_on_commit_callbacks):
    world = world_build()
    client.force_login(world.enterprise_user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            API,
            {
                "amount": "2000000",
                "term_months": 24,
                "purpose": "扩大产能",
                "preferred_types": ["receivables_pledge"],
                "collaterals": [{"kind": "receivables", "debtor": "某某集团", "amount": "900000"}],
            },
            content_type="application/json",
        )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert created["Location"] == f"{API}{body['id']}/"
    assert (body["amount"], body["term_months"], body["status"]) == (
        "2000000.00",
        24,
        "submitted",
    )
    assert body["collaterals"] == [
        {
            "kind": "receivables",
            "number": "",
            "debtor": "某某集团",
            "amount": "900000.00",
            "description": "",
        }
    ]
    assert body["actions"] == ["withdraw"]
    detail = client.get(f"{API}{body['id']}/").json()
    assert detail["status"] == "routed"  # routed on commit
    assert [e["action"] for e in detail["events"]] == ["submit", "pool"]


def test_post_multipart_with_an_attachment(client):
    world = world_build()
    client.force_login(world.enterprise_user)
    created = client.post(
        API,
        {
            "amount": "500000",
            "term_months": "6",
            "purpose": "流动资金",
            "collaterals": '[{"kind": "patent", "number": "ZL2023"}]',
            "attachments": [SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\nxx", "image/png")],
        },
    )
    assert created.status_code == 201, created.json()
    assert [a["name"] for a in created.json()["attachments"]] == ["a.png"]


def test_a_bad_demand_is_answered_field_by_field(client):
    world = world_build()
    client.force_login(world.enterprise_user)
    response = client.post(
        API, {"amount": "abc", "term_months": "0", "purpose": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == _error(
        "invalid",
        "提交的数据有误，请按提示修改后重试。",
        {
            "amount": ["请填写融资金额（元），例如 1000000。"],
            "term_months": ["融资期限应在1到360个月之间。"],
        },
    )


def test_an_institution_may_not_post_a_demand(client):
    world = world_build()
    client.force_login(world.claimant)
    response = client.post(API, {"amount": "1"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == _error("permission_denied", "只有企业用户可以发布融资需求。")


def test_lists_are_scoped_to_each_role(client, django_assert_max_num_queries):
    world = world_build()
    routed = world.demand_in_state(DemandStatus.ROUTED)
    held = world.demand_in_state(DemandStatus.UNDER_REVIEW)
    other = world_build()  # another enterprise's demand in the same county, not routed here
    pool = other.demand_in_state(DemandStatus.ROUTED, open_pool=True)
    for _ in range(5):
        other.demand_in_state(DemandStatus.CLAIMED)

    def ids(user, query=""):
        client.force_login(user)
        with django_assert_max_num_queries(8):
            response = client.get(f"{API}{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(world.enterprise_user) == {routed.pk, held.pk}
    assert ids(world.routed, "?view=routed") == {routed.pk}
    assert ids(world.routed, "?view=pool") == {pool.pk}
    assert ids(world.claimant, "?view=claimed") == {held.pk}
    assert ids(world.stranger) == {pool.pk}
    assert len(ids(world.officer)) == 2 + 1 + 5
    assert ids(UserFactory(county_officer=True, county__code="330411")) == set()


def test_a_demand_the_caller_may_not_see_is_a_404(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.CLAIMED)
    client.force_login(world.stranger)
    for url in (f"{API}{demand.pk}/", f"{API}{demand.pk}/contact/", f"{API}{demand.pk}/claim/"):
        response = client.get(url) if url.endswith(f"{demand.pk}/") else client.post(url)
        assert response.status_code == 404
        assert response.json() == _error("not_found", "未找到该记录，或您无权查看。")


def test_claim_then_a_second_claim_conflicts_and_changes_nothing(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.ROUTED)
    client.force_login(world.claimant)
    claimed = client.post(f"{API}{demand.pk}/claim/")
    assert claimed.status_code == 200
    assert claimed.json()["actions"] == ["release", "contact", "reject"]
    before = _state(demand)
    client.force_login(world.routed)
    late = client.post(f"{API}{demand.pk}/claim/")
    assert late.status_code == 409
    assert late.json() == _error(
        "demand_already_claimed", "该需求已被其他机构认领，请选择其他需求。"
    )
    assert _state(demand) == before


def test_a_late_claim_of_a_pool_demand_is_a_409_not_a_404(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.ROUTED, open_pool=True)
    client.force_login(world.stranger)
    assert client.post(f"{API}{demand.pk}/claim/").status_code == 200
    client.force_login(UserFactory(institution_officer=True))
    late = client.post(f"{API}{demand.pk}/claim/")
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "demand_already_claimed"


def test_actions_refused_by_actor_and_by_state(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.CLAIMED)
    before = _state(demand)
    client.force_login(world.enterprise_user)
    denied = client.post(f"{API}{demand.pk}/contact/")
    assert denied.status_code == 403
    assert denied.json() == _error("permission_denied", "您无权对该需求执行“首次联系”。")
    client.force_login(world.claimant)
    conflict = client.post(
        f"{API}{demand.pk}/approve/", {"amount": "1", "rate": "3"}, content_type="application/json"
    )
    assert conflict.status_code == 409
    assert conflict.json() == _error("demand_state_conflict", "需求当前为“已认领”状态，不能批准。")
    assert _state(demand) == before


def test_the_claimant_walks_the_demand_to_disbursement(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.ROUTED)
    client.force_login(world.claimant)
    for action in ("claim", "contact", "start-review"):
        assert client.post(f"{API}{demand.pk}/{action}/").status_code == 200, action
    bad = client.post(
        f"{API}{demand.pk}/approve/", {"amount": "0", "rate": "4"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"amount": ["请填写批准金额（元），应大于0。"]}
    approved = client.post(
        f"{API}{demand.pk}/approve/",
        {"amount": "800000", "rate": "3.85"},
        content_type="application/json",
    )
    assert approved.status_code == 200
    assert (approved.json()["approved_amount"], approved.json()["approved_rate"]) == (
        "800000.00",
        "3.850",
    )
    assert client.post(f"{API}{demand.pk}/disburse/").status_code == 200
    closed = client.post(f"{API}{demand.pk}/close/")
    assert closed.json()["status"] == "closed"
    assert [e["action"] for e in closed.json()["events"]] == [
        "claim",
        "contact",
        "start_review",
        "approve",
        "disburse",
        "close",
    ]


def test_reject_needs_a_reason_and_a_text_the_enterprise_reads(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.CONTACTED)
    client.force_login(world.claimant)
    missing = client.post(
        f"{API}{demand.pk}/reject/",
        {"reason": "credit", "text": ""},
        content_type="application/json",
    )
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {
        "text": ["请填写拒绝说明：企业将看到这段话，请说明原因和可以改进之处。"]
    }
    client.post(
        f"{API}{demand.pk}/reject/",
        {"reason": "credit", "text": "近一年有逾期记录"},
        content_type="application/json",
    )
    client.force_login(world.enterprise_user)
    body = client.get(f"{API}{demand.pk}/").json()
    assert (body["status"], body["rejection_reason"], body["rejection_text"]) == (
        "rejected",
        "credit",
        "近一年有逾期记录",
    )
    assert body["actions"] == ["refer"]


def test_the_guarantor_step_through_the_api(client):
    world = world_build()
    demand = world.demand_in_state(DemandStatus.UNDER_REVIEW)
    client.force_login(world.claimant)
    not_a_guarantor = client.post(
        f"{API}{demand.pk}/request-guarantee/",
        {"guarantor": world.stranger.institution_id},
        content_type="application/json",
    )
    assert not_a_guarantor.status_code == 400
    assert not_a_guarantor.json()["error"]["fields"] == {"guarantor": ["请选择一家融资担保公司。"]}
    requested = client.post(
        f"{API}{demand.pk}/request-guarantee/",
        {"guarantor": world.guarantor.institution_id},
        content_type="application/json",
    )
    assert requested.json()["guarantee_status"] == "requested"
    # The guarantor now sees the demand, and may answer; approving waits for it.
    waiting = client.post(
        f"{API}{demand.pk}/approve/", {"amount": "1", "rate": "3"}, content_type="application/json"
    )
    assert waiting.status_code == 409
    client.force_login(world.guarantor)
    assert client.get(f"{API}{demand.pk}/").json()["actions"] == [
        "grant_guarantee",
        "refuse_guarantee",
    ]
    granted = client.post(f"{API}{demand.pk}/grant-guarantee/")
    assert (granted.status_code, granted.json()["guarantee_status"]) == (200, "granted")


def test_values_of_the_wrong_json_type_are_field_errors_not_500(client):
    world = world_build()
    client.force_login(world.enterprise_user)
    response = client.post(
        API,
        {
            "amount": {},
            "term_months": [1],
            "purpose": 5,
            "preferred_types": 3,
            "urgency": 3,
            "contact_name": 7,
            "collaterals": [{"kind": 1}, "x"],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "amount": ["请填写融资金额（元），例如 1000000。"],
        "term_months": ["请填写融资期限（月），为1到360之间的整数。"],
        "preferred_types": ["未知的产品类型：3。"],
        "urgency": ["紧急程度应为一般、较急或紧急。"],
        "collaterals.0.kind": ["第1项：请选择抵质押物类别。"],
        "collaterals.1.kind": ["第2项：请选择抵质押物类别。"],
    }
    assert not Demand.objects.exists()
