"""Publishing API: public reads (visitors too), officers' writes and lifecycle steps with
their refusals (nothing changed), attachments, enterprises' subscriptions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import Region
from kejin.policies import services_policies as services
from kejin.policies.choices import PolicyStatus
from kejin.policies.models import Policy, PolicyVersion
from kejin.policies.tests.factories import PolicyFactory
from kejin.policies.tests.test_publishing_services import CASES, PARAMS, RULE, data

pytestmark = pytest.mark.django_db

BASE = "/api/v1/policies/"
PDF = b"%PDF-1.4\n%test\n"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_visitors_list_and_read_published_policies_never_drafts():
    published = PolicyFactory(
        published=True, title="研发补助办法", live__document=RULE, live__parameters=PARAMS
    )
    PolicyFactory(title="草稿")
    visitor = client_for()
    response = visitor.get(BASE)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [published.pk]
    detail = visitor.get(f"{BASE}{published.pk}/").json()
    assert detail["state"] == "published"
    assert detail["live"]["rule"] == RULE
    assert detail["live"]["rule_text"] == ["职工总数 ≥ 10 人"]
    assert detail["draft_version"] is None and detail["history"] == []
    draft = Policy.objects.get(title="草稿")
    assert visitor.get(f"{BASE}{draft.pk}/").status_code == 404
    assert visitor.get(BASE, {"q": "研发"}).json()["count"] == 1
    assert visitor.get(BASE, {"status": "nope"}).status_code == 400


def test_an_officer_drafts_edits_publishes_revises_and_expires():
    officer = client_for(UserFactory())
    body = {**data(), "rule": RULE, "parameters": PARAMS, "worked_cases": CASES}
    response = officer.post(BASE, body, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response["Location"] == f"{BASE}{pk}/"
    assert response.json()["draft_version"]["parameters"] == PARAMS
    response = officer.patch(f"{BASE}{pk}/", {"budget": "5000000.00"}, format="json")
    assert response.json()["draft_version"]["budget"] == "5000000.00"
    assert (
        officer.post(f"{BASE}{pk}/publish/", {"comment": "发布"}, format="json").json()["status"]
        == "published"
    )
    revised = officer.post(f"{BASE}{pk}/revise/").json()
    assert revised["state"] == "revising"
    assert revised["draft_version"]["version"] == "2"
    assert officer.post(f"{BASE}{pk}/expire/", {}, format="json").json()["status"] == "expired"


def test_a_bad_draft_is_400_with_fields_and_nothing_written():
    officer = client_for(UserFactory())
    response = officer.post(BASE, {**data(title=""), "rule": {"var": "nope"}}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["title"] == ["请填写政策名称。"]
    assert "document" in fields
    assert Policy.objects.count() == 0


def test_moves_the_state_forbids_are_409_and_change_nothing():
    officer = UserFactory()
    policy = PolicyFactory(published=True)
    before = (policy.status, PolicyVersion.objects.count())
    response = client_for(officer).post(f"{BASE}{policy.pk}/publish/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "policy_state_conflict",
        "message": "政策当前为“已发布”状态，不能发布。",
        "fields": {},
    }
    policy.refresh_from_db()
    assert (policy.status, PolicyVersion.objects.count()) == before


def test_the_worked_cases_gate_publication_over_the_api():
    officer = UserFactory()
    policy = services.policy_create(actor=officer, data=data(document=RULE, parameters=PARAMS))
    response = client_for(officer).post(f"{BASE}{policy.pk}/publish/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "worked_cases_fail"
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.DRAFT


def test_writes_are_refused_to_others_and_visitors():
    policy = PolicyFactory(published=True)
    enterprise = client_for(UserFactory(enterprise_admin=True))
    assert enterprise.post(BASE, data(), format="json").status_code == 403
    assert enterprise.post(f"{BASE}{policy.pk}/expire/", {}, format="json").status_code == 403
    assert client_for().post(BASE, data(), format="json").status_code in (401, 403)
    nanhu = Region.objects.get(code="330402")
    county = client_for(UserFactory(county_officer=True, county=nanhu))
    response = county.post(f"{BASE}{policy.pk}/expire/", {}, format="json")
    assert response.status_code == 403
    assert (
        response.json()["error"]["message"] == "县(市、区)工作人员只能管理本县(市、区)发布的政策。"
    )
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    assert Policy.objects.count() == 1


def test_attachments_upload_and_refusal(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    officer = UserFactory()
    policy = services.policy_create(actor=officer, data=data())
    client = client_for(officer)
    response = client.post(
        f"{BASE}{policy.pk}/attachments/",
        {"attachments": [SimpleUploadedFile("办法.pdf", PDF, "application/pdf")]},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()[0]["name"] == "办法.pdf"
    bad = client.post(
        f"{BASE}{policy.pk}/attachments/",
        {"attachments": [SimpleUploadedFile("a.pdf", b"not a pdf", "application/pdf")]},
        format="multipart",
    )
    assert bad.status_code == 400
    assert policy.attachments.count() == 1
    detail = client.get(f"{BASE}{policy.pk}/").json()
    assert (
        detail["attachments"][0]["url"]
        == f"/policies/{policy.pk}/attachments/{detail['attachments'][0]['id']}/"
    )


def test_enterprises_read_and_set_their_subscriptions():
    user = UserFactory(enterprise_admin=True)
    client = client_for(user)
    response = client.put(f"{BASE}subscriptions/", {"categories": ["listing"]}, format="json")
    assert response.status_code == 200
    subscribed = [c["code"] for c in response.json() if c["subscribed"]]
    assert subscribed == ["listing"]
    assert (
        client.put(f"{BASE}subscriptions/", {"categories": ["nope"]}, format="json").status_code
        == 400
    )
    assert [c["code"] for c in client.get(f"{BASE}subscriptions/").json() if c["subscribed"]] == [
        "listing"
    ]
    assert client_for(UserFactory()).get(f"{BASE}subscriptions/").status_code == 403
