"""The applications API: apply, scoped list and detail (404 for what the caller may not see),
each action by POST with the error envelope (403, 409) and nothing changed on refusal."""

import pytest
from django.utils import timezone

from kejin.core.tests.factories import RegionFactory
from kejin.policies.models import Application, ApplicationEvent
from kejin.policies.tests.application_world import (
    city_officer,
    county_officer,
    enterprise_user,
    grant_policy,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/policies/applications/"


def apply(client, user, policy, rd_spend="300000"):
    client.force_login(user)
    return client.post(
        BASE,
        {"policy": policy.pk, "inputs": {"rd_spend": rd_spend}},
        content_type="application/json",
    )


def test_apply_read_and_walk_the_workflow(client):
    user = enterprise_user()
    officer = county_officer(user.enterprise.county)
    policy = grant_policy()
    created = apply(client, user, policy)
    assert created.status_code == 201, created.json()
    body = created.json()
    pk = body["id"]
    assert created["Location"] == f"{BASE}{pk}/"
    assert (body["status"], body["amount_computed"], body["step"]) == (
        "submitted",
        "30000.00",
        "accept",
    )
    assert body["precheck"]["status"] == "eligible"
    assert body["actions"] == ["withdraw"]
    assert [e["action"] for e in body["events"]] == ["submit"]

    client.force_login(officer)
    listed = client.get(BASE).json()
    assert [row["id"] for row in listed["results"]] == [pk]
    assert client.get(f"{BASE}{pk}/").json()["actions"] == ["accept", "return", "reject"]
    assert (
        client.post(f"{BASE}{pk}/accept/", {}, content_type="application/json").status_code == 200
    )
    approved = client.post(
        f"{BASE}{pk}/approve/", {"amount": "30000"}, content_type="application/json"
    )
    assert approved.json()["status"] == "approved"
    paid = client.post(
        f"{BASE}{pk}/pay/",
        {"amount": "30000", "paid_on": timezone.localdate().isoformat(), "voucher": "PZ001"},
        content_type="application/json",
    )
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["amount_paid"]) == ("paid", "30000.00")
    assert [p["voucher"] for p in paid.json()["payouts"]] == ["PZ001"]


def test_a_second_application_is_409_with_the_message_and_nothing_stored(client):
    user = enterprise_user()
    policy = grant_policy()
    first = apply(client, user, policy).json()
    again = apply(client, user, policy, rd_spend="1")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "application_duplicate"
    assert f"申报编号 {first['id']}" in error["message"]
    assert "当前状态：已提交" in error["message"]
    assert Application.objects.count() == 1


def test_invalid_fields_are_400_beside_their_names(client):
    response = apply(client, enterprise_user(), grant_policy(), rd_spend="abc")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"inputs.rd_spend": ["“研发投入”：请填写数字。"]}


def test_what_the_caller_may_not_see_is_404_and_may_not_do_is_403(client):
    user = enterprise_user()
    pk = apply(client, user, grant_policy()).json()["id"]
    stranger = enterprise_user()
    client.force_login(stranger)
    assert client.get(f"{BASE}{pk}/").status_code == 404
    assert (
        client.post(f"{BASE}{pk}/withdraw/", {}, content_type="application/json").status_code == 404
    )
    assert client.get(BASE).json()["results"] == []
    far = county_officer(RegionFactory(code="330411", name="秀洲区"))
    client.force_login(far)
    assert client.get(f"{BASE}{pk}/").status_code == 404
    # The enterprise sees it but may not decide.
    client.force_login(user)
    before = ApplicationEvent.objects.count()
    denied = client.post(f"{BASE}{pk}/accept/", {}, content_type="application/json")
    assert denied.status_code == 403
    assert denied.json()["error"]["message"] == "只有政策所属地区的政府部门工作人员可以审核申报。"
    assert Application.objects.get(pk=pk).status == "submitted"
    assert ApplicationEvent.objects.count() == before


def test_a_move_the_state_does_not_allow_is_409_naming_the_state(client):
    user = enterprise_user()
    pk = apply(client, user, grant_policy()).json()["id"]
    client.force_login(city_officer())
    response = client.post(f"{BASE}{pk}/approve/", {"amount": "1"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "application_state_conflict",
        "message": "申报当前为“已提交”状态，不能核定金额。",
        "fields": {},
    }


def test_reject_and_return_need_their_texts(client):
    user = enterprise_user()
    pk = apply(client, user, grant_policy()).json()["id"]
    client.force_login(city_officer())
    bad = client.post(f"{BASE}{pk}/reject/", {"reason": "nope"}, content_type="application/json")
    assert bad.status_code == 400
    returned = client.post(
        f"{BASE}{pk}/return/",
        {"comment": "请补充研发费用专项审计报告"},
        content_type="application/json",
    )
    assert returned.json()["status"] == "returned"
    client.force_login(user)
    again = client.post(
        f"{BASE}{pk}/resubmit/",
        {"inputs": {"rd_spend": "250000"}, "comment": "已补充"},
        content_type="application/json",
    )
    assert (again.json()["status"], again.json()["amount_computed"]) == ("submitted", "25000.00")


def test_list_filters(client):
    user = enterprise_user()
    pk = apply(client, user, grant_policy()).json()["id"]
    client.force_login(city_officer())
    assert [r["id"] for r in client.get(f"{BASE}?status=submitted").json()["results"]] == [pk]
    assert client.get(f"{BASE}?status=paid").json()["results"] == []
    assert client.get(f"{BASE}?overdue=1").json()["results"] == []
    county = user.enterprise.county_id
    assert [r["id"] for r in client.get(f"{BASE}?county={county}").json()["results"]] == [pk]
    assert client.get(f"{BASE}?status=late").status_code == 400


def test_anonymous_callers_are_401(client):
    assert client.get(BASE).status_code == 401
    response = client.post(BASE, {"policy": 1}, content_type="application/json")
    assert response.status_code == 401
