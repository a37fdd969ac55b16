"""The institution API: a directory every signed-in user reads; city officers and platform
admins keep it; an institution's manager keeps its own contact details."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.audit import model_snapshot
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.institutions.models import Institution
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/institutions/"
DENIED = {"error": {"code": "permission_denied", "message": "您无权执行此操作。", "fields": {}}}


def detail_url(institution) -> str:
    return f"/api/v1/institutions/{institution.pk}/"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def snapshot(institution) -> dict:
    return model_snapshot(Institution.objects.get(pk=institution.pk))


def invalid(fields: dict) -> dict:
    return {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": fields,
        }
    }


@pytest.fixture
def jiaxing():
    return RegionFactory(code="330400", name="嘉兴市", level="city")


@pytest.fixture
def nanhu():
    return RegionFactory(code="330402", name="南湖区", level="county")


def new_branch_payload(head, **overrides) -> dict:
    payload = {
        "uscc": "91330100716105852F",
        "name": "测试银行嘉兴南湖科技支行",
        "kind": "tech_sub_branch",
        "parent": head.pk,
        "county": "330402",
        "registered_capital": None,
        "address": "嘉兴市南湖区金融街1号",
        "contact_phone": "0573-83000001",
    }
    payload.update(overrides)
    return payload


def test_detail_shows_every_field(jiaxing, nanhu):
    head = InstitutionFactory(county=jiaxing, name="测试银行嘉兴分行", kind="bank_branch")
    branch = InstitutionFactory(
        county=nanhu,
        parent=head,
        name="测试银行嘉兴南湖科技支行",
        registered_capital=None,
        address="嘉兴市南湖区金融街1号",
        contact_phone="0573-83000001",
    )

    response = client_for(UserFactory(enterprise_staff=True)).get(detail_url(branch))

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": branch.pk,
        "uscc": branch.uscc,
        "name": "测试银行嘉兴南湖科技支行",
        "kind": "tech_sub_branch",
        "kind_label": "科技支行",
        "parent": head.pk,
        "parent_name": "测试银行嘉兴分行",
        "county": "330402",
        "county_name": nanhu.name,
        "registered_capital": None,
        "address": "嘉兴市南湖区金融街1号",
        "contact_phone": "0573-83000001",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


@pytest.mark.parametrize(
    "trait", [None, "county_officer", "enterprise_admin", "institution_officer", "data_provider"]
)
def test_every_signed_in_user_reads_the_directory(nanhu, trait):
    listed = InstitutionFactory(county=nanhu, name="甲保险嘉兴中心支公司", kind="insurer")
    user = UserFactory(**({trait: True} if trait else {}))

    response = client_for(user).get(LIST_URL, {"kind": "insurer"})

    assert response.status_code == 200
    assert [i["id"] for i in response.json()["results"]] == [listed.pk]


def test_list_filters_by_uscc_and_parent(jiaxing, nanhu):
    head = InstitutionFactory(county=jiaxing, kind="bank_branch")
    branch = InstitutionFactory(county=nanhu, parent=head)
    client = client_for(UserFactory())

    by_code = client.get(LIST_URL, {"uscc": branch.uscc.lower()}).json()
    by_parent = client.get(LIST_URL, {"parent": head.pk}).json()

    assert [i["id"] for i in by_code["results"]] == [branch.pk]
    assert [i["id"] for i in by_parent["results"]] == [branch.pk]


def test_list_is_paginated_and_query_count_is_flat(jiaxing, nanhu, django_assert_max_num_queries):
    head = InstitutionFactory(county=jiaxing, kind="bank_branch", name="A总行")
    for n in range(9):
        InstitutionFactory(county=nanhu if n % 2 else jiaxing, parent=head, name=f"B支行{n}")
    client = client_for(UserFactory())

    with django_assert_max_num_queries(2):
        response = client.get(LIST_URL, {"page_size": 4})

    body = response.json()
    assert body["count"] == 10
    assert body["next"] == "http://testserver/api/v1/institutions/?page=2&page_size=4"
    assert body["previous"] is None
    assert [i["name"] for i in body["results"]] == ["A总行", "B支行0", "B支行1", "B支行2"]


def test_unknown_institution_is_404():
    response = client_for(UserFactory()).get("/api/v1/institutions/999999/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。", "fields": {}}
    }


def test_city_officer_adds_an_institution_audited(jiaxing, nanhu):
    head = InstitutionFactory(county=jiaxing, kind="bank_branch")
    officer = UserFactory()

    response = client_for(officer).post(
        LIST_URL, new_branch_payload(head, uscc=" 9111 0000 6000 3734 1l"), format="json"
    )

    assert response.status_code == 201, response.json()
    branch = Institution.objects.get(name="测试银行嘉兴南湖科技支行")
    assert response["Location"] == f"/api/v1/institutions/{branch.pk}/"
    assert response.json()["uscc"] == "91110000600037341L"
    assert response.json()["parent_name"] == head.name
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_type, event.object_id) == (
        officer,
        "create",
        "institutions.institution",
        str(branch.pk),
    )
    assert event.before is None
    assert event.after == {
        "id": branch.pk,
        "uscc": "91110000600037341L",
        "name": "测试银行嘉兴南湖科技支行",
        "kind": "tech_sub_branch",
        "parent": head.pk,
        "county": nanhu.pk,
        "registered_capital": None,
        "address": "嘉兴市南湖区金融街1号",
        "contact_phone": "0573-83000001",
    }


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330100716105852G", "统一社会信用代码第18位校验码错误，请核对营业执照。"),
        ("9133010071610585", "统一社会信用代码应为18位，当前为16位。"),
        (
            "9133010071610585V",
            "统一社会信用代码应为18位，当前为17位。",
        ),
        (
            "91330100716105852O",
            "统一社会信用代码含有不允许的字符：O（不使用I、O、Z、S、V及符号）。",
        ),
    ],
)
def test_an_invalid_code_is_rejected(jiaxing, nanhu, code, message):
    head = InstitutionFactory(county=jiaxing)
    before = Institution.objects.count()

    response = client_for(UserFactory()).post(
        LIST_URL, new_branch_payload(head, uscc=code), format="json"
    )

    assert response.status_code == 400
    assert response.json() == invalid({"uscc": [message]})
    assert Institution.objects.count() == before
    assert AuditEvent.objects.count() == 0


def test_a_registered_code_is_a_duplicate(jiaxing):
    head = InstitutionFactory(county=jiaxing)

    response = client_for(UserFactory()).post(
        LIST_URL,
        new_branch_payload(head, uscc=head.uscc.lower(), county="330400"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid(
        {
            "uscc": [
                f"统一社会信用代码{head.uscc}已登记，不能重复登记；请核对代码或查找已登记的记录。"
            ]
        }
    )
    assert Institution.objects.count() == 1
    assert AuditEvent.objects.count() == 0


def test_unknown_parent_and_county_are_named(jiaxing):
    head = InstitutionFactory(county=jiaxing)

    response = client_for(UserFactory()).post(
        LIST_URL,
        new_branch_payload(head, parent=999999, county="339999", kind="bank"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid(
        {
            "kind": ["“bank” 不是合法选项。"],
            "parent": ["没有ID为999999的金融机构。"],
            "county": ["没有代码为339999的市或县(市、区)。"],
        }
    )
    assert list(Institution.objects.values_list("pk", flat=True)) == [head.pk]
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "trait", ["county_officer", "institution_manager", "enterprise_admin", "data_provider"]
)
def test_only_city_officers_and_admins_add_institutions(jiaxing, nanhu, trait):
    head = InstitutionFactory(county=jiaxing)
    user = UserFactory(**{trait: True})
    before = Institution.objects.count()

    response = client_for(user).post(LIST_URL, new_branch_payload(head), format="json")

    assert response.status_code == 403
    assert response.json() == DENIED
    assert Institution.objects.count() == before
    assert AuditEvent.objects.count() == 0


def test_platform_admin_updates_any_field_audited(jiaxing, nanhu):
    institution = InstitutionFactory(county=nanhu, registered_capital=Decimal("100000000.00"))
    admin = UserFactory(platform_admin=True)

    response = client_for(admin).patch(
        detail_url(institution),
        {"registered_capital": "200000000", "county": "330400"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["registered_capital"] == "200000000.00"
    event = AuditEvent.objects.get()
    assert (event.actor, event.action) == (admin, "update")
    assert event.before == {"county": nanhu.pk, "registered_capital": "100000000.00"}
    assert event.after == {"county": jiaxing.pk, "registered_capital": "200000000.00"}


def test_an_institution_cannot_be_its_own_parent(nanhu):
    institution = InstitutionFactory(county=nanhu)
    before = snapshot(institution)

    response = client_for(UserFactory()).patch(
        detail_url(institution), {"parent": institution.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == invalid({"parent": ["上级机构不能是机构本身。"]})
    assert snapshot(institution) == before
    assert AuditEvent.objects.count() == 0


def test_manager_edits_own_contact_details(nanhu):
    manager = UserFactory(institution_manager=True, institution__county=nanhu)
    institution = manager.institution

    response = client_for(manager).patch(
        detail_url(institution), {"contact_phone": "0573-89999999"}, format="json"
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.actor, event.before, event.after) == (
        manager,
        {"contact_phone": ""},
        {"contact_phone": "0573-89999999"},
    )


def test_manager_may_not_change_registry_fields_of_own_institution(nanhu):
    manager = UserFactory(institution_manager=True, institution__county=nanhu)
    before = snapshot(manager.institution)

    response = client_for(manager).patch(
        detail_url(manager.institution),
        {"name": "改名支行", "kind": "insurer", "contact_phone": "1"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "您无权修改以下字段：kind、name。",
            "fields": {},
        }
    }
    assert snapshot(manager.institution) == before
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("trait", ["institution_manager", "institution_officer", "county_officer"])
def test_others_get_403_on_an_institution_they_can_see(nanhu, trait):
    other = InstitutionFactory(county=nanhu)
    user = UserFactory(**{trait: True})
    before = snapshot(other)

    response = client_for(user).patch(detail_url(other), {"contact_phone": "1"}, format="json")

    assert response.status_code == 403
    assert response.json() == DENIED
    assert snapshot(other) == before
    assert AuditEvent.objects.count() == 0


def test_put_by_a_city_officer(jiaxing, nanhu):
    head = InstitutionFactory(county=jiaxing)
    branch = InstitutionFactory(county=nanhu, parent=head)
    payload = new_branch_payload(head, uscc=branch.uscc, name="新名称支行", parent=None)

    response = client_for(UserFactory()).put(detail_url(branch), payload, format="json")

    assert response.status_code == 200, response.json()
    branch.refresh_from_db()
    assert (branch.name, branch.parent, branch.registered_capital) == ("新名称支行", None, None)
