"""The core API: reference data (regions, industries, departments) and the audit trail.

Reference rows are made here under test-only codes, so the assertions hold whether or not
the reference-data migrations have loaded the real ones.
"""

import datetime
import zoneinfo

import pytest
from rest_framework.test import APIClient

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent, Region
from kejin.core.selectors import audit_event_list
from kejin.core.tests.factories import DepartmentFactory, IndustryFactory, RegionFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AUDIT_URL = "/api/v1/audit-events/"
AUDIT_DENIED = {
    "error": {
        "code": "permission_denied",
        "message": "只有平台管理员和市级部门工作人员可以查看审计日志。",
        "fields": {},
    }
}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def test_regions():
    """A made-up province → city → two counties and a zone, under codes no real region uses."""
    province = RegionFactory(code="990000", name="测试省", level="province")
    city = RegionFactory(code="999900", name="测试市", level="city", parent=province)
    east = RegionFactory(code="999901", name="东区", level="county", parent=city)
    west = RegionFactory(code="999902", name="西区", level="county", parent=city)
    zone = RegionFactory(
        code="99990201", name="西区开发区", level="zone", parent=city, reports_to=west
    )
    return {"province": province, "city": city, "east": east, "west": west, "zone": zone}


# --- regions -------------------------------------------------------------------------------


def test_regions_filter_by_parent_and_level(test_regions):
    client = client_for(UserFactory())

    children = client.get("/api/v1/regions/", {"parent": "999900"}).json()
    counties = client.get("/api/v1/regions/", {"parent": "999900", "level": "county"}).json()

    assert [r["code"] for r in children["results"]] == ["999901", "999902", "99990201"]
    assert counties == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "code": "999901",
                "name": "东区",
                "level": "county",
                "level_label": "县/市/区",
                "parent": "999900",
                "reports_to": None,
            },
            {
                "code": "999902",
                "name": "西区",
                "level": "county",
                "level_label": "县/市/区",
                "parent": "999900",
                "reports_to": None,
            },
        ],
    }


def test_region_by_code(test_regions):
    response = client_for(UserFactory(enterprise_admin=True)).get("/api/v1/regions/99990201/")

    assert response.status_code == 200
    assert response.json() == {
        "code": "99990201",
        "name": "西区开发区",
        "level": "zone",
        "level_label": "功能区",
        "parent": "999900",
        "reports_to": "999902",
    }


def test_unknown_region_is_404():
    response = client_for(UserFactory()).get("/api/v1/regions/000000/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。", "fields": {}}
    }


def test_invalid_region_level_is_400():
    response = client_for(UserFactory()).get("/api/v1/regions/", {"level": "planet"})

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": {"level": ["选择一个有效的选项。 planet 不在可用的选项中。"]},
        }
    }


def test_reference_data_needs_a_signed_in_user(test_regions):
    response = client_for().get("/api/v1/regions/")

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "请先登录或提供有效的令牌。",
            "fields": {},
        }
    }


def test_reference_data_is_read_only(test_regions):
    response = client_for(UserFactory(platform_admin=True)).post(
        "/api/v1/regions/", {"code": "999903", "name": "北区", "level": "county"}, format="json"
    )

    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": "不支持该请求方法。", "fields": {}}
    }
    assert not Region.objects.filter(code="999903").exists()


def test_region_list_is_paginated_with_page_size(test_regions):
    client = client_for(UserFactory())

    response = client.get("/api/v1/regions/", {"parent": "999900", "page_size": 2})

    body = response.json()
    assert body["count"] == 3
    assert body["next"] == "http://testserver/api/v1/regions/?page=2&page_size=2&parent=999900"
    assert body["previous"] is None
    assert [r["code"] for r in body["results"]] == ["999901", "999902"]


def test_region_list_query_count(test_regions, django_assert_max_num_queries):
    client = client_for(UserFactory())

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/regions/", {"page_size": 200})

    assert response.status_code == 200


# --- industries ----------------------------------------------------------------------------


def test_industries_filter_by_parent_and_level_and_lookup_by_code():
    section = IndustryFactory(code="Y", name="测试门类", level="section")
    IndustryFactory(code="Y1", name="测试大类一", level="division", parent=section)
    IndustryFactory(code="Y2", name="测试大类二", level="division", parent=section)
    client = client_for(UserFactory(institution_officer=True))

    divisions = client.get("/api/v1/industries/", {"parent": "Y", "level": "division"}).json()
    one = client.get("/api/v1/industries/Y2/")

    assert [(i["code"], i["name"]) for i in divisions["results"]] == [
        ("Y1", "测试大类一"),
        ("Y2", "测试大类二"),
    ]
    assert one.json() == {
        "code": "Y2",
        "name": "测试大类二",
        "level": "division",
        "level_label": "大类",
        "parent": "Y",
    }


def test_industry_list_query_count(django_assert_max_num_queries):
    section = IndustryFactory(code="Y", name="测试门类", level="section")
    for n in range(10):
        IndustryFactory(code=f"Y{n}", name=f"测试大类{n}", level="division", parent=section)
    client = client_for(UserFactory())

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/industries/", {"parent": "Y"})

    assert response.json()["count"] == 10


# --- departments ---------------------------------------------------------------------------


def test_departments_filter_by_kind(test_regions):
    city = test_regions["city"]
    DepartmentFactory(
        code="test-tax",
        name="测试市税务局",
        short_name="税务",
        kind="data_provider",
        region=city,
        provides_data="纳税信用等级",
    )
    DepartmentFactory(code="test-finance", name="测试市金融办", kind="government", region=city)
    client = client_for(UserFactory())

    providers = client.get(
        "/api/v1/departments/", {"kind": "data_provider", "region": "999900"}
    ).json()
    one = client.get("/api/v1/departments/test-tax/").json()

    assert [d["code"] for d in providers["results"]] == ["test-tax"]
    assert one == {
        "code": "test-tax",
        "name": "测试市税务局",
        "short_name": "税务",
        "kind": "data_provider",
        "kind_label": "数据源部门",
        "region": "999900",
        "region_name": "测试市",
        "former_names": "",
        "provides_data": "纳税信用等级",
    }


def test_department_list_query_count(test_regions, django_assert_max_num_queries):
    for n in range(10):
        DepartmentFactory(region=test_regions["east" if n % 2 else "west"])
    client = client_for(UserFactory())

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/departments/", {"page_size": 200})

    assert response.status_code == 200


# --- audit trail ---------------------------------------------------------------------------


def make_event(*, at: datetime.datetime, **fields) -> AuditEvent:
    """An audit event at a given time (created_at is set on insert, so it is moved after)."""
    defaults = {
        "actor_username": "officer1",
        "action": "update",
        "object_type": "enterprises.enterprise",
        "object_id": "1",
        "object_repr": "嘉兴测试科技有限公司",
        "before": {"contact_phone": ""},
        "after": {"contact_phone": "0573-1"},
        "ip_address": "127.0.0.1",
    }
    event = AuditEvent.objects.create(**(defaults | fields))
    AuditEvent.objects.filter(pk=event.pk).update(created_at=at)
    event.refresh_from_db()
    return event


@pytest.mark.parametrize("trait", ["platform_admin", None])
def test_admins_and_city_officers_browse_the_audit_trail(trait):
    user = UserFactory(**({trait: True} if trait else {}))
    event = make_event(
        at=datetime.datetime(2025, 10, 8, 9, 30, tzinfo=SHANGHAI), actor=user, actor_username="u1"
    )

    response = client_for(user).get(AUDIT_URL)

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": event.pk,
                "created_at": "2025-10-08T09:30:00+08:00",
                "actor": user.pk,
                "actor_username": "u1",
                "action": "update",
                "action_label": "修改",
                "object_type": "enterprises.enterprise",
                "object_id": "1",
                "object_repr": "嘉兴测试科技有限公司",
                "before": {"contact_phone": ""},
                "after": {"contact_phone": "0573-1"},
                "ip_address": "127.0.0.1",
            }
        ],
    }


@pytest.mark.parametrize(
    "trait",
    [
        "county_officer",
        "data_provider",
        "enterprise_admin",
        "enterprise_staff",
        "institution_manager",
        "institution_officer",
    ],
)
def test_everyone_else_gets_403_on_the_audit_trail(trait):
    make_event(at=datetime.datetime(2025, 10, 8, 9, 30, tzinfo=SHANGHAI))

    response = client_for(UserFactory(**{trait: True})).get(AUDIT_URL)

    assert response.status_code == 403
    assert response.json() == AUDIT_DENIED


def test_audit_trail_needs_a_signed_in_user():
    assert client_for().get(AUDIT_URL).status_code == 401


def test_audit_trail_is_newest_first_and_filters(django_assert_max_num_queries):
    at = datetime.datetime
    a = make_event(at=at(2025, 9, 30, 23, 59, tzinfo=SHANGHAI), actor_username="alice")
    b = make_event(
        at=at(2025, 10, 1, 0, 0, tzinfo=SHANGHAI),
        actor_username="bob",
        action="create",
        object_id="2",
        before=None,
    )
    c = make_event(
        at=at(2025, 10, 7, 23, 59, 59, tzinfo=SHANGHAI),
        actor_username="alice",
        object_type="institutions.institution",
        object_id="2",
        object_repr="测试银行嘉兴科技支行",
    )
    d = make_event(at=at(2025, 10, 8, 0, 0, tzinfo=SHANGHAI), actor_username="alice")
    client = client_for(UserFactory(platform_admin=True))

    def ids(**params):
        with django_assert_max_num_queries(2):
            response = client.get(AUDIT_URL, params)
        assert response.status_code == 200, response.json()
        return [e["id"] for e in response.json()["results"]]

    assert ids() == [d.pk, c.pk, b.pk, a.pk]
    assert ids(actor="alice") == [d.pk, c.pk, a.pk]
    assert ids(action="create") == [b.pk]
    assert ids(object_type="institutions.institution") == [c.pk]
    assert ids(object_id="2") == [c.pk, b.pk]
    assert ids(object_type="enterprises.enterprise", object_id="2") == [b.pk]
    # Whole days in Asia/Shanghai, both ends included (the National Day week)
    assert ids(date_from="2025-10-01", date_to="2025-10-07") == [c.pk, b.pk]
    assert ids(date_from="2025-10-08") == [d.pk]
    assert ids(date_to="2025-09-30") == [a.pk]
    assert ids(q="科技支行") == [c.pk]


def test_an_upside_down_date_range_is_400():
    response = client_for(UserFactory()).get(
        AUDIT_URL, {"date_from": "2025-10-08", "date_to": "2025-10-01"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "提交的数据有误，请按提示修改后重试。",
            "fields": {"date_to": ["截止日期不能早于起始日期。"]},
        }
    }


def test_an_invalid_date_is_400():
    response = client_for(UserFactory()).get(AUDIT_URL, {"date_from": "2025-13-01"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"date_from": ["输入一个有效的日期。"]}


def test_audit_selector_refuses_others_and_ignores_invalid_filters():
    event = make_event(at=datetime.datetime(2025, 10, 8, 9, 30, tzinfo=SHANGHAI))
    officer = UserFactory()

    with pytest.raises(ApplicationError) as denied:
        audit_event_list(user=UserFactory(county_officer=True), filters={})
    assert (denied.value.code, denied.value.status) == ("permission_denied", 403)

    assert list(audit_event_list(user=officer, filters={"action": "nonsense"})) == [event]
    assert list(audit_event_list(user=officer, filters={"action": "create"})) == []


@pytest.mark.django_db
def test_an_unknown_api_url_answers_in_the_error_shape(client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。", "fields": {}}
    }
