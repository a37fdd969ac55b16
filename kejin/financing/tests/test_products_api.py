"""The products API: the error envelope with exact codes and messages, 404 for what the caller
may not see and 403 for what it may not do, 409 for a move the state forbids (nothing
changed), the whole review round trip, leads; query counts on the lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing import services_products as services
from kejin.financing.models import Lead, Product, ProductVersion
from kejin.financing.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/financing/products/"
RULE = {">=": [{"var": "employees"}, 10]}
CASES = [{"name": "二十人", "facts": {"employees": 20}, "expect": {"condition.rule": True}}]
BODY = {
    "name": "科创积分贷",
    "product_type": "credit_loan",
    "amount_min": "100000.00",
    "amount_max": "3000000.00",
    "term_min_months": 6,
    "term_max_months": 36,
    "rate_min": "3.200",
    "rate_max": "4.800",
    "materials": ["营业执照"],
    "rule": RULE,
    "worked_cases": CASES,
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def banker():
    return UserFactory(institution_manager=True)


@pytest.fixture
def officer():
    return UserFactory()


def state():
    return (
        list(Product.objects.order_by("pk").values()),
        list(ProductVersion.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def test_draft_submit_return_edit_submit_approve_round_trip(banker, officer):
    bank, city = client_for(banker), client_for(officer)
    created = bank.post(URL, BODY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    pk = body["id"]
    assert created["Location"] == f"{URL}{pk}/"
    assert (body["status"], body["state"], body["live_version"]) == ("draft", "draft", None)
    pending = body["pending_version"]
    assert (pending["version"], pending["amount_max"], pending["price_kind"]) == (
        "1",
        "3000000.00",
        "interest",
    )
    assert pending["rule"] == RULE
    assert pending["rule_text"] == ["职工总数 ≥ 10 人"]

    assert bank.post(f"{URL}{pk}/submit/").json()["state"] == "under_review"
    returned = city.post(f"{URL}{pk}/return/", {"comment": "请补充材料"}, format="json")
    assert returned.json()["pending_version"]["review_comment"] == "请补充材料"
    assert returned.json()["state"] == "draft"

    edited = bank.patch(f"{URL}{pk}/", {"materials": ["营业执照", "纳税证明"]}, format="json")
    assert edited.status_code == 200
    assert edited.json()["pending_version"]["materials"] == ["营业执照", "纳税证明"]
    bank.post(f"{URL}{pk}/submit/")
    approved = city.post(f"{URL}{pk}/approve/", {"comment": "同意"}, format="json")
    assert approved.status_code == 200
    data = approved.json()
    assert (data["status"], data["state"], data["pending_version"]) == (
        "published",
        "published",
        None,
    )
    assert data["live_version"]["review"] == "approved"
    assert [e["action"] for e in data["history"]] == [
        "create",
        "submit",
        "return",
        "edit",
        "submit",
        "approve",
    ]
    # Everyone signed in now sees it, without its history.
    seen = client_for(UserFactory(enterprise_admin=True)).get(f"{URL}{pk}/").json()
    assert seen["history"] == [] and seen["pending_version"] is None
    assert [v["version"] for v in seen["versions"]] == ["1"]


def test_validation_errors_are_in_the_envelope_per_field(banker):
    before = state()
    response = client_for(banker).post(
        URL,
        {**BODY, "amount_min": "5000000", "rule": {"and": [RULE, {"nope": [1]}]}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "提交的数据有误，请按提示修改后重试。"
    assert error["fields"]["amount_max"] == ["最高金额不能低于最低金额。"]
    assert "nope" in error["fields"]["document"][0]
    assert state() == before


def test_enterprise_may_not_draft(banker):
    before = state()
    response = client_for(UserFactory(enterprise_admin=True)).post(URL, BODY, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "只有金融机构用户可以发布产品。",
        "fields": {},
    }
    assert state() == before


def test_a_draft_of_another_institution_is_404_and_a_published_one_403(banker, officer):
    draft = services.product_create(actor=banker, data={**services_terms(), "name": "草稿"})
    published = ProductFactory(institution=banker.institution, published=True)
    other = client_for(UserFactory(institution_manager=True))
    before = state()
    for path in ("", "submit/", "withdraw/", "approve/", "return/"):
        method = other.get if path == "" else other.post
        response = method(f"{URL}{draft.pk}/{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert other.patch(f"{URL}{draft.pk}/", {"rate_min": "1"}, format="json").status_code == 404
    response = other.patch(f"{URL}{published.pk}/", {"rate_min": "1"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "只能修改本机构的产品。"
    response = other.post(f"{URL}{published.pk}/withdraw/")
    assert response.status_code == 403
    assert state() == before


def test_county_officer_sees_but_may_not_review(banker):
    product = services.product_create(actor=banker, data=services_terms())
    services.product_submit(actor=banker, product=product)
    before = state()
    response = client_for(UserFactory(county_officer=True)).post(f"{URL}{product.pk}/approve/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "只有市级部门工作人员可以审核金融产品。"
    assert state() == before


def test_a_move_the_state_forbids_is_409_and_changes_nothing(banker, officer):
    product = services.product_create(actor=banker, data=services_terms())
    before = state()
    response = client_for(officer).post(f"{URL}{product.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "product_state_conflict",
        "message": "产品当前为“草稿”状态，不能审核通过。",
        "fields": {},
    }
    assert state() == before


def test_return_without_comment_is_400(banker, officer):
    product = services.product_create(actor=banker, data=services_terms())
    services.product_submit(actor=banker, product=product)
    before = state()
    response = client_for(officer).post(f"{URL}{product.pk}/return/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "comment": ["请填写退回意见，说明需要修改的地方。"]
    }
    assert state() == before


def test_anonymous_is_401():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_list_filters_and_its_query_count(banker):
    north = RegionFactory(code="330402", name="南湖区")
    south = RegionFactory(code="330411", name="秀洲区")
    bank = banker.institution
    for i in range(6):
        product = ProductFactory(
            institution=bank, published=True, product_type="ip_pledge" if i % 2 else "credit_loan"
        )
        product.live_version.counties.set([north if i < 3 else south])
    ProductFactory(published=True)  # whole city, another institution
    client = client_for(UserFactory(enterprise_admin=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": 50})
    assert response.status_code == 200
    assert response.json()["count"] == 7
    assert len(queries) <= 6, [q["sql"] for q in queries.captured_queries]
    ip = client.get(URL, {"type": "ip_pledge"}).json()
    assert {r["product_type"] for r in ip["results"]} == {"ip_pledge"} and ip["count"] == 3
    in_north = client.get(URL, {"county": north.code}).json()
    assert in_north["count"] == 4  # three naming it, one serving the whole city
    theirs = client.get(URL, {"institution": bank.pk}).json()
    assert theirs["count"] == 6
    bad = client.get(URL, {"type": "gold"})
    assert bad.status_code == 400 and "type" in bad.json()["error"]["fields"]


def test_drafts_are_listed_for_their_institution_and_officers_only(banker):
    services.product_create(actor=banker, data=services_terms())
    assert client_for(banker).get(URL).json()["count"] == 1
    assert client_for(UserFactory()).get(URL).json()["count"] == 1
    assert client_for(UserFactory(enterprise_admin=True)).get(URL).json()["count"] == 0
    assert client_for(UserFactory(institution_manager=True)).get(URL).json()["count"] == 0


def services_terms(**overrides):
    return {
        "name": "科创积分贷",
        "product_type": "credit_loan",
        "amount_min": "100000",
        "amount_max": "3000000",
        "term_min_months": 6,
        "term_max_months": 36,
        "rate_min": "3.2",
        "rate_max": "4.8",
        **overrides,
    }


# --- leads --------------------------------------------------------------------------------


def test_leads_inbox_and_follow_up(banker):
    product = ProductFactory(institution=banker.institution, published=True)
    mine = Lead.objects.create(
        product=product, enterprise=EnterpriseFactory(), institution=banker.institution
    )
    other_product = ProductFactory(published=True)
    theirs = Lead.objects.create(
        product=other_product, enterprise=EnterpriseFactory(), institution=other_product.institution
    )
    client = client_for(banker)
    listed = client.get("/api/v1/financing/leads/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    marked = client.post(
        f"/api/v1/financing/leads/{mine.pk}/mark/", {"status": "contacted"}, format="json"
    )
    assert marked.status_code == 200 and marked.json()["status"] == "contacted"
    again = client.post(
        f"/api/v1/financing/leads/{mine.pk}/mark/", {"status": "contacted"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "线索当前为“已联系”，不能标记为“已联系”。"
    hidden = client.post(
        f"/api/v1/financing/leads/{theirs.pk}/mark/", {"status": "contacted"}, format="json"
    )
    assert hidden.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"
    # An officer sees the leads but does not follow them up.
    officer = client_for(UserFactory())
    assert officer.get("/api/v1/financing/leads/").json()["count"] == 2
    denied = officer.post(
        f"/api/v1/financing/leads/{theirs.pk}/mark/", {"status": "dismissed"}, format="json"
    )
    assert denied.status_code == 403
    enterprise = client_for(UserFactory(enterprise_admin=True))
    assert enterprise.get("/api/v1/financing/leads/").status_code == 403
