"""The enterprise API: scoping (404 for what the caller may not see), permissions (403 for
what it may see but not change), USCC validation, audit, error shape and pagination."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient
from stdnum.cn import uscc as stdnum_uscc

from kejin.accounts.tests.factories import UserFactory
from kejin.core.audit import model_snapshot
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.enterprises.models import Enterprise
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/enterprises/"
NOT_FOUND = {
    "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。", "fields": {}}
}
DENIED = {"error": {"code": "permission_denied", "message": "您无权执行此操作。", "fields": {}}}


def detail_url(enterprise) -> str:
    return f"/api/v1/enterprises/{enterprise.pk}/"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def refused_fields(*names: str) -> dict:
    return {
        "error": {
            "code": "permission_denied",
            "message": f"您无权修改以下字段：{'、'.join(names)}。",
            "fields": {},
        }
    }


def invalid(fields: dict) -> dict:
    return {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": fields,
        }
    }


def snapshot(enterprise) -> dict:
    """Every column of the row as stored now (to assert that a denied write changed nothing)."""
    return model_snapshot(Enterprise.objects.get(pk=enterprise.pk))


def new_enterprise_payload(**overrides) -> dict:
    payload = {
        "uscc": "91330100716105852F",
        "name": "嘉兴禾新材料科技有限公司",
        "county": "330402",
        "industry": "65",
        "founded_on": "2019-03-15",
        "size": "small",
        "registered_capital": "12000000.00",
        "legal_representative": "王建国",
        "address": "嘉兴市南湖区科技大道1号",
        "contact_phone": "0573-82000001",
        "business_scope": "新材料技术研发",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def nanhu():
    return RegionFactory(code="330402", name="南湖区", level="county")


@pytest.fixture
def xiuzhou():
    return RegionFactory(code="330411", name="秀洲区", level="county")


# --- reading -------------------------------------------------------------------------------


def test_detail_shows_every_field(nanhu):
    # Given an enterprise in a functional zone, and a city officer
    zone = RegionFactory(code="990001", name="测试经济开发区", level="zone", reports_to=nanhu)
    industry = IndustryFactory(code="65", name="软件和信息技术服务业")
    enterprise = EnterpriseFactory(
        county=nanhu,
        zone=zone,
        industry=industry,
        name="嘉兴云启软件有限公司",
        founded_on=datetime.date(2016, 8, 1),
        size="medium",
        registered_capital=Decimal("30000000.00"),
        legal_representative="李明",
        address="嘉兴市南湖区云启路8号",
        contact_phone="0573-81234567",
        business_scope="软件开发",
    )
    officer = UserFactory()

    # When the officer reads it
    response = client_for(officer).get(detail_url(enterprise))

    # Then every field is there, codes for references, labels beside them
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": enterprise.pk,
        "uscc": enterprise.uscc,
        "name": "嘉兴云启软件有限公司",
        "county": "330402",
        "county_name": nanhu.name,
        "zone": "990001",
        "industry": "65",
        "industry_name": industry.name,
        "founded_on": "2016-08-01",
        "size": "medium",
        "size_label": "中型",
        "registered_capital": "30000000.00",
        "legal_representative": "李明",
        "address": "嘉兴市南湖区云启路8号",
        "contact_phone": "0573-81234567",
        "business_scope": "软件开发",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert datetime.datetime.fromisoformat(body["created_at"]) == enterprise.created_at


def test_list_is_paginated(nanhu):
    first, second, third = (
        EnterpriseFactory(county=nanhu, name=name) for name in ("甲公司", "乙公司", "丙公司")
    )
    client = client_for(UserFactory())

    page_one = client.get(LIST_URL, {"page_size": 2, "ordering": "name"}).json()
    page_two = client.get(LIST_URL, {"page": 2, "page_size": 2, "ordering": "name"}).json()

    # Ordered by name in code-point order: 丙 < 乙 < 甲
    assert page_one["count"] == 3
    assert (
        page_one["next"] == "http://testserver/api/v1/enterprises/?ordering=name&page=2&page_size=2"
    )
    assert page_one["previous"] is None
    assert [e["id"] for e in page_one["results"]] == [third.pk, second.pk]
    assert page_two["count"] == 3
    assert page_two["next"] is None
    assert page_two["previous"] == "http://testserver/api/v1/enterprises/?ordering=name&page_size=2"
    assert [e["id"] for e in page_two["results"]] == [first.pk]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(nanhu):
    EnterpriseFactory(county=nanhu)

    response = client_for(UserFactory()).get(LIST_URL, {"page": 9})

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "第9页不存在，请从第1页开始翻页。",
            "fields": {"page": ["页码无效或超出范围。"]},
        }
    }


def test_list_filters_by_uscc_normalised_and_by_name(nanhu):
    wanted = EnterpriseFactory(county=nanhu, name="嘉兴智造装备有限公司")
    EnterpriseFactory(county=nanhu, name="嘉兴绿源环保有限公司")
    client = client_for(UserFactory())

    by_code = client.get(LIST_URL, {"uscc": " " + wanted.uscc.lower() + " "}).json()
    by_name = client.get(LIST_URL, {"q": "智造"}).json()

    assert [e["id"] for e in by_code["results"]] == [wanted.pk]
    assert [e["id"] for e in by_name["results"]] == [wanted.pk]


def test_an_invalid_filter_is_a_400_naming_it(nanhu):
    EnterpriseFactory(county=nanhu)

    response = client_for(UserFactory()).get(LIST_URL, {"size": "huge"})

    assert response.status_code == 400
    assert response.json() == invalid({"size": ["选择一个有效的选项。 huge 不在可用的选项中。"]})


def test_list_query_count_does_not_grow_with_rows(nanhu, xiuzhou, django_assert_max_num_queries):
    zone = RegionFactory(code="990001", name="测试经济开发区", level="zone", reports_to=nanhu)
    industries = [
        IndustryFactory(code=code, name=name)
        for code, name in [
            ("65", "软件和信息技术服务业"),
            ("39", "计算机、通信和其他电子设备制造业"),
        ]
    ]
    for n in range(10):
        EnterpriseFactory(
            county=nanhu if n % 2 else xiuzhou,
            zone=zone if n % 3 == 0 else None,
            industry=industries[n % 2],
        )
    client = client_for(UserFactory())

    # count + page; no query per row for county, zone or industry
    with django_assert_max_num_queries(2):
        response = client.get(LIST_URL)

    assert response.json()["count"] == 10


# --- errors in the one shape ---------------------------------------------------------------


def test_anonymous_caller_gets_401(nanhu):
    enterprise = EnterpriseFactory(county=nanhu)

    response = client_for().get(detail_url(enterprise))

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "请先登录或提供有效的令牌。",
            "fields": {},
        }
    }
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_unknown_id_is_404(nanhu):
    response = client_for(UserFactory()).get("/api/v1/enterprises/999999/")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_delete_is_405_and_deletes_nothing(nanhu):
    enterprise = EnterpriseFactory(county=nanhu)
    before = snapshot(enterprise)

    response = client_for(UserFactory(platform_admin=True)).delete(detail_url(enterprise))

    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": "不支持该请求方法。", "fields": {}}
    }
    assert snapshot(enterprise) == before
    assert AuditEvent.objects.count() == 0


def test_malformed_json_is_400_parse_error(nanhu):
    response = client_for(UserFactory()).generic(
        "POST", LIST_URL, "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "parse_error",
            "message": "请求内容无法解析，请检查JSON格式。",
            "fields": {},
        }
    }
    assert Enterprise.objects.count() == 0


# --- creating, with the USCC checks ----------------------------------------------------------


@pytest.mark.parametrize("code", ["91330100716105852F", "91110000600037341L"])
def test_officer_registers_an_enterprise_with_a_real_code(nanhu, code):
    # Given the reference rows the payload names, and a city officer
    IndustryFactory(code="65")
    officer = UserFactory()

    # When the officer registers an enterprise
    response = client_for(officer).post(LIST_URL, new_enterprise_payload(uscc=code), format="json")

    # Then it is created with exactly what was sent
    assert response.status_code == 201, response.json()
    enterprise = Enterprise.objects.get()
    assert response["Location"] == f"/api/v1/enterprises/{enterprise.pk}/"
    assert response.json()["id"] == enterprise.pk
    assert response.json()["uscc"] == code
    assert enterprise.uscc == code
    assert enterprise.registered_capital == Decimal("12000000.00")


def test_create_writes_an_audit_event_with_the_new_record(nanhu):
    industry = IndustryFactory(code="65")
    officer = UserFactory()

    response = client_for(officer).post(
        LIST_URL, new_enterprise_payload(), format="json", REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == 201
    enterprise = Enterprise.objects.get()
    event = AuditEvent.objects.get()
    assert event.actor == officer
    assert event.actor_username == officer.username
    assert event.action == "create"
    assert event.object_type == "enterprises.enterprise"
    assert event.object_id == str(enterprise.pk)
    assert event.object_repr == "嘉兴禾新材料科技有限公司"
    assert event.ip_address == "10.1.2.3"
    assert event.before is None
    assert event.after == {
        "id": enterprise.pk,
        "uscc": "91330100716105852F",
        "name": "嘉兴禾新材料科技有限公司",
        "county": nanhu.pk,
        "zone": None,
        "industry": industry.pk,
        "founded_on": "2019-03-15",
        "size": "small",
        "registered_capital": "12000000.00",
        "legal_representative": "王建国",
        "address": "嘉兴市南湖区科技大道1号",
        "contact_phone": "0573-82000001",
        "business_scope": "新材料技术研发",
    }


def test_lower_case_and_spaces_in_the_code_are_normalised(nanhu):
    IndustryFactory(code="65")

    response = client_for(UserFactory()).post(
        LIST_URL, new_enterprise_payload(uscc=" 9133 0100 7161 0585 2f "), format="json"
    )

    assert response.status_code == 201
    assert response.json()["uscc"] == "91330100716105852F"
    assert Enterprise.objects.get().uscc == "91330100716105852F"


def _tampered_org_code() -> str:
    """A code whose final check character is right but whose embedded organisation code's
    check character (position 17) is wrong: python-stdnum alone accepts it."""
    partial = "9133010071610585" + "3"
    code = partial + stdnum_uscc.calc_check_digit(partial)
    assert stdnum_uscc.is_valid(code)
    return code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330100716105852G", "统一社会信用代码第18位校验码错误，请核对营业执照。"),
        (
            _tampered_org_code(),
            "统一社会信用代码中的组织机构代码（第9-17位）校验位错误，请核对营业执照。",
        ),
        ("9133010071610585", "统一社会信用代码应为18位，当前为16位。"),
        ("91330100716105852F0", "统一社会信用代码应为18位，当前为19位。"),
        *[
            (
                "91330100716105852" + letter,
                f"统一社会信用代码含有不允许的字符：{letter}（不使用I、O、Z、S、V及符号）。",
            )
            for letter in "IOZSV"
        ],
        ("", "请填写统一社会信用代码。"),
    ],
)
def test_an_invalid_code_is_rejected_with_its_reason(nanhu, code, message):
    IndustryFactory(code="65")

    response = client_for(UserFactory()).post(
        LIST_URL, new_enterprise_payload(uscc=code), format="json"
    )

    assert response.status_code == 400
    assert response.json() == invalid({"uscc": [message]})
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_lower_case_copy_of_a_registered_code_is_a_duplicate(nanhu):
    EnterpriseFactory(county=nanhu, uscc="91330100716105852F")
    IndustryFactory(code="65")

    response = client_for(UserFactory()).post(
        LIST_URL, new_enterprise_payload(uscc="91330100716105852f"), format="json"
    )

    assert response.status_code == 400
    assert response.json() == invalid(
        {
            "uscc": [
                "统一社会信用代码91330100716105852F已登记，不能重复登记；请核对代码或查找已登记的记录。"
            ]
        }
    )
    assert Enterprise.objects.count() == 1
    assert AuditEvent.objects.count() == 0


def test_missing_and_unknown_references_are_named(nanhu):
    IndustryFactory(code="65")
    payload = new_enterprise_payload(county="339999", industry="ZZ99")
    del payload["name"]

    response = client_for(UserFactory()).post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(
        {
            "name": ["该字段是必填项。"],
            "county": ["没有代码为339999的县(市、区)。"],
            "industry": ["没有代码为ZZ99的国民经济行业。"],
        }
    )
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize("trait", ["enterprise_admin", "institution_manager", "data_provider"])
def test_only_officers_register_enterprises(nanhu, trait):
    IndustryFactory(code="65")
    user = UserFactory(**{trait: True})
    existing = Enterprise.objects.count()  # the enterprise user's own

    response = client_for(user).post(LIST_URL, new_enterprise_payload(), format="json")

    assert response.status_code == 403
    assert response.json() == DENIED
    assert Enterprise.objects.count() == existing
    assert AuditEvent.objects.count() == 0


def test_a_refused_caller_learns_nothing_from_validation(nanhu):
    # An institution manager posting a registered code gets 403, not "already registered".
    registered = EnterpriseFactory(county=nanhu)
    user = UserFactory(institution_manager=True)

    response = client_for(user).post(
        LIST_URL, new_enterprise_payload(uscc=registered.uscc), format="json"
    )

    assert response.status_code == 403
    assert response.json() == DENIED
    assert list(Enterprise.objects.values_list("pk", flat=True)) == [registered.pk]
    assert AuditEvent.objects.count() == 0


# --- updating ------------------------------------------------------------------------------


def test_officer_update_is_audited_with_before_and_after(nanhu):
    enterprise = EnterpriseFactory(county=nanhu, contact_phone="", size="small")
    officer = UserFactory(platform_admin=True)

    response = client_for(officer).patch(
        detail_url(enterprise),
        {"contact_phone": "0573-88886666", "size": "medium", "address": enterprise.address},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["contact_phone"] == "0573-88886666"
    assert response.json()["size_label"] == "中型"
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_id) == (officer, "update", str(enterprise.pk))
    assert event.before == {"size": "small", "contact_phone": ""}
    assert event.after == {"size": "medium", "contact_phone": "0573-88886666"}


def test_put_replaces_the_record(nanhu, xiuzhou):
    IndustryFactory(code="39", name="计算机、通信和其他电子设备制造业")
    enterprise = EnterpriseFactory(county=nanhu)
    payload = new_enterprise_payload(
        uscc=enterprise.uscc, county="330411", industry="39", registered_capital="1.50"
    )

    response = client_for(UserFactory()).put(detail_url(enterprise), payload, format="json")

    assert response.status_code == 200, response.json()
    enterprise.refresh_from_db()
    assert (enterprise.county, enterprise.industry.code, enterprise.registered_capital) == (
        xiuzhou,
        "39",
        Decimal("1.50"),
    )
    assert AuditEvent.objects.get().after["county"] == xiuzhou.pk


def test_keeping_its_own_code_is_not_a_duplicate(nanhu):
    enterprise = EnterpriseFactory(county=nanhu)

    response = client_for(UserFactory()).patch(
        detail_url(enterprise), {"uscc": enterprise.uscc.lower()}, format="json"
    )

    assert response.status_code == 200
    assert AuditEvent.objects.count() == 0  # nothing changed, nothing audited


def test_changing_to_another_enterprises_code_is_a_duplicate(nanhu):
    enterprise, other = EnterpriseFactory(county=nanhu), EnterpriseFactory(county=nanhu)
    before = snapshot(enterprise)

    response = client_for(UserFactory()).patch(
        detail_url(enterprise), {"uscc": other.uscc}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "uscc": [
            f"统一社会信用代码{other.uscc}已登记，不能重复登记；请核对代码或查找已登记的记录。"
        ]
    }
    assert snapshot(enterprise) == before
    assert AuditEvent.objects.count() == 0


# --- county officers see their county only -------------------------------------------------


def test_county_officer_lists_and_searches_only_their_county(nanhu, xiuzhou):
    own = EnterpriseFactory(county=nanhu, name="南湖光电科技有限公司")
    other = EnterpriseFactory(county=xiuzhou, name="秀洲光电科技有限公司")
    client = client_for(UserFactory(county_officer=True, county=nanhu))

    listed = client.get(LIST_URL).json()
    by_name = client.get(LIST_URL, {"q": "秀洲光电"}).json()
    by_q_code = client.get(LIST_URL, {"q": other.uscc}).json()
    by_code = client.get(LIST_URL, {"uscc": other.uscc}).json()
    by_county = client.get(LIST_URL, {"county": "330411"}).json()
    shared_word = client.get(LIST_URL, {"q": "光电"}).json()

    assert [e["id"] for e in listed["results"]] == [own.pk]
    assert by_name["count"] == by_q_code["count"] == by_code["count"] == by_county["count"] == 0
    assert [e["id"] for e in shared_word["results"]] == [own.pk]


def test_county_officer_gets_404_for_another_countys_enterprise(nanhu, xiuzhou):
    other = EnterpriseFactory(county=xiuzhou)
    officer = UserFactory(county_officer=True, county=nanhu)
    before = snapshot(other)

    read = client_for(officer).get(detail_url(other))
    write = client_for(officer).patch(detail_url(other), {"name": "改名"}, format="json")
    replace = client_for(officer).put(
        detail_url(other), new_enterprise_payload(county="330411"), format="json"
    )

    assert (read.status_code, write.status_code, replace.status_code) == (404, 404, 404)
    assert read.json() == write.json() == replace.json() == NOT_FOUND
    assert snapshot(other) == before
    assert AuditEvent.objects.count() == 0


def test_county_officer_edits_an_enterprise_of_their_county(nanhu):
    own = EnterpriseFactory(county=nanhu, name="旧名称有限公司")
    officer = UserFactory(county_officer=True, county=nanhu)

    response = client_for(officer).patch(detail_url(own), {"name": "新名称有限公司"}, format="json")

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.actor, event.before, event.after) == (
        officer,
        {"name": "旧名称有限公司"},
        {"name": "新名称有限公司"},
    )


def test_county_officer_may_not_move_an_enterprise_to_another_county(nanhu, xiuzhou):
    own = EnterpriseFactory(county=nanhu)
    officer = UserFactory(county_officer=True, county=nanhu)
    before = snapshot(own)

    response = client_for(officer).patch(detail_url(own), {"county": "330411"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "县级工作人员只能登记本县(市、区)的企业。",
            "fields": {},
        }
    }
    assert snapshot(own) == before
    assert AuditEvent.objects.count() == 0


def test_county_officer_registers_only_in_their_county(nanhu, xiuzhou):
    IndustryFactory(code="65")
    client = client_for(UserFactory(county_officer=True, county=nanhu))

    elsewhere = client.post(LIST_URL, new_enterprise_payload(county="330411"), format="json")

    assert elsewhere.status_code == 403
    assert elsewhere.json()["error"]["message"] == "县级工作人员只能登记本县(市、区)的企业。"
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0

    at_home = client.post(LIST_URL, new_enterprise_payload(county="330402"), format="json")

    assert at_home.status_code == 201
    assert Enterprise.objects.get().county == nanhu


# --- an enterprise sees and edits only itself ----------------------------------------------


def test_enterprise_user_sees_only_itself(nanhu):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu)
    other = EnterpriseFactory(county=nanhu)
    client = client_for(user)

    listed = client.get(LIST_URL).json()
    searched = client.get(LIST_URL, {"uscc": other.uscc}).json()
    own = client.get(detail_url(user.enterprise))
    foreign = client.get(detail_url(other))

    assert [e["id"] for e in listed["results"]] == [user.enterprise_id]
    assert searched["count"] == 0
    assert own.status_code == 200
    assert foreign.status_code == 404
    assert foreign.json() == NOT_FOUND


def test_enterprise_admin_edits_its_own_contact_details(nanhu):
    user = UserFactory(
        enterprise_admin=True, enterprise__county=nanhu, enterprise__contact_phone="0573-1"
    )
    enterprise = user.enterprise

    response = client_for(user).patch(
        detail_url(enterprise),
        {"contact_phone": "0573-2", "address": "嘉兴市南湖区新址路2号"},
        format="json",
    )

    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert (enterprise.contact_phone, enterprise.address) == ("0573-2", "嘉兴市南湖区新址路2号")
    event = AuditEvent.objects.get()
    assert event.actor == user
    assert event.before == {"address": "", "contact_phone": "0573-1"}
    assert event.after == {"address": "嘉兴市南湖区新址路2号", "contact_phone": "0573-2"}


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        ({"name": "更名后的公司"}, ("name",)),
        ({"uscc": "91330100716105852F"}, ("uscc",)),
        (
            {"name": "更名后的公司", "uscc": "91330100716105852F", "contact_phone": "1"},
            ("name", "uscc"),
        ),
        ({"registered_capital": "1.00"}, ("registered_capital",)),
    ],
)
def test_enterprise_admin_may_not_change_registry_fields(nanhu, change, refused):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu)
    before = snapshot(user.enterprise)

    response = client_for(user).patch(detail_url(user.enterprise), change, format="json")

    assert response.status_code == 403
    assert response.json() == refused_fields(*refused)
    assert snapshot(user.enterprise) == before
    assert AuditEvent.objects.count() == 0


def test_enterprise_admin_cannot_probe_for_registered_codes(nanhu):
    # Another enterprise's code in a refused field is a 403, never "already registered".
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu)
    other = EnterpriseFactory(county=nanhu)
    before = snapshot(user.enterprise)

    response = client_for(user).patch(
        detail_url(user.enterprise), {"uscc": other.uscc}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == refused_fields("uscc")
    assert snapshot(user.enterprise) == before
    assert AuditEvent.objects.count() == 0


def test_enterprise_user_gets_404_for_another_enterprise_write(nanhu):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu)
    other = EnterpriseFactory(county=nanhu)
    before = snapshot(other)

    response = client_for(user).patch(detail_url(other), {"contact_phone": "1"}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert snapshot(other) == before
    assert AuditEvent.objects.count() == 0


def test_enterprise_staff_may_read_but_not_edit(nanhu):
    user = UserFactory(enterprise_staff=True, enterprise__county=nanhu)
    before = snapshot(user.enterprise)
    client = client_for(user)

    read = client.get(detail_url(user.enterprise))
    write = client.patch(detail_url(user.enterprise), {"contact_phone": "1"}, format="json")

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json() == DENIED
    assert snapshot(user.enterprise) == before
    assert AuditEvent.objects.count() == 0


def test_institution_user_sees_no_enterprise(nanhu):
    enterprise = EnterpriseFactory(county=nanhu)
    client = client_for(UserFactory(institution_officer=True))

    assert client.get(LIST_URL).json()["count"] == 0
    assert client.get(detail_url(enterprise)).status_code == 404


def test_token_authentication_reaches_the_api(nanhu):
    from rest_framework.authtoken.models import Token

    enterprise = EnterpriseFactory(county=nanhu)
    token = Token.objects.create(user=UserFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get(detail_url(enterprise))

    assert response.status_code == 200
    assert response.json()["id"] == enterprise.pk
