"""The role home pages: each role lands on its own page, scoped to what it may see."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from kejin.accounts.choices import Role
from kejin.accounts.tests.factories import UserFactory
from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.tests.factories import DepartmentFactory, IndustryFactory, RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

HOME = "/"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 at full strength costs most of a second per user; these pages don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def chart_data(response, element_id: str) -> dict:
    """The JSON a page passed to charts.js through json_script."""
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no json_script element {element_id}"
    return json.loads(match.group(1))


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


@pytest.fixture
def city():
    return RegionFactory(code="330400", name="嘉兴市", level="city")


@pytest.fixture
def nanhu(city):
    return RegionFactory(code="330402", name="南湖区", level="county", parent=city)


@pytest.fixture
def xiuzhou(city):
    return RegionFactory(code="330411", name="秀洲区", level="county", parent=city)


@pytest.fixture
def software():
    section = IndustryFactory(code="I", name="信息传输、软件和信息技术服务业", level="section")
    return IndustryFactory(code="65", name="软件和信息技术服务业", level="division", parent=section)


@pytest.fixture
def machinery():
    section = IndustryFactory(code="C", name="制造业", level="section")
    return IndustryFactory(code="34", name="通用设备制造业", level="division", parent=section)


@pytest.fixture
def registry(nanhu, xiuzhou, software, machinery):
    """Three enterprises in 南湖区 (two software, one machinery) and two in 秀洲区."""
    return {
        "nanhu": [
            EnterpriseFactory(
                county=nanhu, industry=software, size="micro", founded_on=datetime.date(2019, 3, 1)
            ),
            EnterpriseFactory(
                county=nanhu, industry=software, size="small", founded_on=datetime.date(2019, 7, 1)
            ),
            EnterpriseFactory(
                county=nanhu,
                industry=machinery,
                size="medium",
                founded_on=datetime.date(2021, 1, 5),
            ),
        ],
        "xiuzhou": [
            EnterpriseFactory(
                county=xiuzhou,
                industry=machinery,
                size="small",
                founded_on=datetime.date(2015, 6, 1),
            ),
            EnterpriseFactory(
                county=xiuzhou,
                industry=machinery,
                size="large",
                founded_on=datetime.date(2021, 9, 9),
            ),
        ],
    }


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


# --- enterprise users ----------------------------------------------------------------------


def test_enterprise_admin_sees_its_enterprise_and_what_is_missing_with_edit_links(
    client, django_assert_max_num_queries
):
    enterprise = EnterpriseFactory(
        name="嘉兴星河智能科技有限公司", legal_representative="张伟", address="", contact_phone=""
    )
    user = UserFactory(enterprise_admin=True, enterprise=enterprise)
    client.force_login(user)

    # Four, plus five for the recognition (its facts frame row, as the profile computes it).
    # + the registry entry's judged year, + the credit-report requests awaiting an answer
    with django_assert_max_num_queries(11):
        response = client.get(HOME)

    assert response.status_code == 200
    assert "web/home_enterprise.html" in template_names(response)
    html = response.content.decode()
    assert '<h1 class="h3 mb-0" data-testid="home-heading">嘉兴星河智能科技有限公司</h1>' in html
    assert enterprise.uscc in html
    assert [item.field for item in response.context["attention"]] == [
        "contact_phone",
        "address",
        "business_scope",
    ]
    assert "尚未填写联系电话，金融机构将无法与您联系。" in html
    assert "尚未填写法定代表人。" not in html
    edit_url = reverse("enterprises:edit", args=[enterprise.pk])
    assert html.count(f'href="{edit_url}#id_') == 3
    assert f'href="{edit_url}#id_contact_phone"' in html


def test_enterprise_staff_sees_what_is_missing_but_no_edit_links(client):
    enterprise = EnterpriseFactory(contact_phone="", address="嘉兴市南湖区科技路1号")
    user = UserFactory(enterprise_staff=True, enterprise=enterprise)
    client.force_login(user)

    response = client.get(HOME)

    html = response.content.decode()
    assert [item.field for item in response.context["attention"]] == [
        "contact_phone",
        "legal_representative",
        "business_scope",
    ]
    assert all(not item.can_edit for item in response.context["attention"])
    assert reverse("enterprises:edit", args=[enterprise.pk]) not in html
    assert html.count("请企业管理员填写") == 3


def test_enterprise_with_a_complete_profile_has_nothing_to_do(client):
    enterprise = EnterpriseFactory(
        legal_representative="李娜",
        address="嘉兴市秀洲区创新路8号",
        contact_phone="0573-82345678",
        business_scope="软件开发；信息技术咨询服务",
    )
    client.force_login(UserFactory(enterprise_admin=True, enterprise=enterprise))

    response = client.get(HOME)

    assert response.context["attention"] == []
    assert "企业信息已完整，暂无待办事项。" in response.content.decode()


# --- institution users ---------------------------------------------------------------------


def test_institution_user_sees_its_institution_parent_branches_and_empty_queue(
    client, django_assert_max_num_queries
):
    head = InstitutionFactory(name="嘉兴银行", kind="bank_branch")
    branch = InstitutionFactory(name="嘉兴银行科技支行", parent=head)
    InstitutionFactory(name="嘉兴银行南湖科技分理处", parent=branch, kind="bank_branch")
    InstitutionFactory(name="别家银行科技支行")
    user = UserFactory(institution_officer=True, institution=branch)
    client.force_login(user)

    with django_assert_max_num_queries(6):  # + the credit-report requests awaiting an answer
        response = client.get(HOME)

    assert response.status_code == 200
    assert "web/home_institution.html" in template_names(response)
    html = response.content.decode()
    assert '<h1 class="h3 mb-0" data-testid="home-heading">嘉兴银行科技支行</h1>' in html
    assert '<dd class="col-sm-7" data-testid="parent">嘉兴银行</dd>' in html
    assert [b.name for b in response.context["branches"]] == ["嘉兴银行南湖科技分理处"]
    assert "别家银行科技支行" not in html
    assert "暂无推送给本机构的融资需求" in html


def test_institution_without_branches_says_so(client):
    client.force_login(UserFactory(institution_manager=True))

    response = client.get(HOME)

    assert response.context["branches"] == []
    assert "本机构没有登记下属分支机构。" in response.content.decode()


# --- officers ------------------------------------------------------------------------------


def test_city_officer_sees_the_whole_city_by_county(
    client, registry, django_assert_max_num_queries
):
    user = UserFactory(role=Role.CITY_OFFICER)
    client.force_login(user)

    # Eight, plus five for the registry figures (on the list by stage and label, undetermined).
    with django_assert_max_num_queries(13):
        response = client.get(HOME)

    assert response.status_code == 200
    assert "web/home_officer.html" in template_names(response)
    html = response.content.decode()
    assert '<h1 class="h3 mb-0" data-testid="home-heading">嘉兴市科技企业概览</h1>' in html
    assert '<div class="kpi-value" data-testid="kpi-total">5</div>' in html
    overview = response.context["overview"]
    assert {item.key: item.count for item in overview.by_size} == {
        "micro": 1,
        "small": 2,
        "medium": 1,
        "large": 1,
    }
    by_county = chart_data(response, "chart-by-county-data")
    assert by_county["kind"] == "bar"
    counts = dict(zip(by_county["categories"], by_county["values"], strict=True))
    assert counts["南湖区"] == 3
    assert counts["秀洲区"] == 2
    assert sum(counts.values()) == 5
    by_year = chart_data(response, "chart-by-year-data")
    assert by_year == {
        "kind": "bar",
        "series": "企业数",
        "categories": ["2015", "2016", "2017", "2018", "2019", "2020", "2021"],
        "values": [1, 0, 0, 0, 2, 0, 2],
    }
    assert "chart-by-industry-data" not in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "kejin/charts.js" in html


def test_county_officer_numbers_cover_only_their_county(
    client, registry, nanhu, django_assert_max_num_queries
):
    user = UserFactory(county_officer=True, county=nanhu)
    client.force_login(user)

    # Seven, plus five for the registry figures.
    with django_assert_max_num_queries(12):
        response = client.get(HOME)

    html = response.content.decode()
    assert '<h1 class="h3 mb-0" data-testid="home-heading">南湖区科技企业概览</h1>' in html
    assert '<div class="kpi-value" data-testid="kpi-total">3</div>' in html
    assert '<div class="kpi-value" data-testid="kpi-large">0</div>' in html
    by_industry = chart_data(response, "chart-by-industry-data")
    assert by_industry == {
        "kind": "hbar",
        "series": "企业数",
        "categories": ["信息传输、软件和信息技术服务业", "制造业"],
        "values": [2, 1],
    }
    by_year = chart_data(response, "chart-by-year-data")
    assert (by_year["categories"], by_year["values"]) == (["2019", "2020", "2021"], [2, 0, 1])
    assert "chart-by-county-data" not in html


def test_county_officer_of_an_empty_county_sees_zeros_and_no_chart(client, registry, city):
    haiyan = RegionFactory(code="330424", name="海盐县", level="county", parent=city)
    client.force_login(UserFactory(county_officer=True, county=haiyan))

    response = client.get(HOME)

    html = response.content.decode()
    assert '<div class="kpi-value" data-testid="kpi-total">0</div>' in html
    assert "data-chart=" not in html
    assert html.count("暂无数据。") == 2


# --- data providers and platform admins ----------------------------------------------------


def test_data_provider_sees_its_department_and_the_data_it_provides(
    client, django_assert_max_num_queries
):
    department = DepartmentFactory(
        name="国家税务总局嘉兴市税务局",
        kind="data_provider",
        provides_data="纳税信用等级、欠税公告，税收违法记录",
    )
    client.force_login(UserFactory(role=Role.DATA_PROVIDER, department=department))

    with django_assert_max_num_queries(4):
        response = client.get(HOME)

    assert "web/home_data_provider.html" in template_names(response)
    html = response.content.decode()
    assert '<h1 class="h3 mb-0" data-testid="home-heading">国家税务总局嘉兴市税务局</h1>' in html
    assert response.context["provides"] == ["纳税信用等级", "欠税公告", "税收违法记录"]


def test_platform_admin_sees_users_by_role_counts_and_latest_audit_events(
    client, registry, django_assert_max_num_queries
):
    admin = UserFactory(platform_admin=True, username="root")
    UserFactory(enterprise_admin=True)
    UserFactory(enterprise_staff=True)
    UserFactory(county_officer=True)
    InstitutionFactory()
    enterprise = registry["nanhu"][0]
    audit_record(
        actor=admin,
        action=AuditAction.UPDATE,
        instance=enterprise,
        before={"size": "small"},
        after={"size": "micro"},
    )
    client.force_login(admin)

    # Six, plus one for the current names of the objects the latest events are about.
    with django_assert_max_num_queries(7):
        response = client.get(HOME)

    assert "web/home_admin.html" in template_names(response)
    html = response.content.decode()
    assert '<h1 class="h3 mb-0" data-testid="home-heading">平台运行概况</h1>' in html
    counts = {item.key: item.count for item in response.context["users_by_role"]}
    assert counts == {
        "enterprise_admin": 1,
        "enterprise_staff": 1,
        "institution_manager": 0,
        "institution_officer": 0,
        "city_officer": 0,
        "county_officer": 1,
        "data_provider": 0,
        "platform_admin": 1,
    }
    assert '<div class="kpi-value" data-testid="kpi-users">4</div>' in html
    assert '<div class="kpi-value" data-testid="kpi-enterprises">7</div>' in html
    assert '<div class="kpi-value" data-testid="kpi-institutions">1</div>' in html
    rows = response.context["latest_audit_events"]
    assert [(row["actor"], row["action"], row["name"], row["kind"]) for row in rows] == [
        ("root", "修改", enterprise.name, "企业")
    ]


def test_favicon_ico_points_at_the_platform_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/kejin/favicon.svg"


def test_pages_speak_chinese_whatever_the_browser_asks_until_english_is_chosen(client):
    from django.conf import settings

    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Language"] == "en"
    assert "登录" not in response.content.decode().split("<main", 1)[1]
