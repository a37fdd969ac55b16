"""The enterprise registry pages: list, search, filters, export, detail, create and edit, for
every role, with county scoping (404, never a leak) and denied writes changing nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.core.ui.lists import CappedCountPaginator
from kejin.enterprises import views
from kejin.enterprises.models import Enterprise
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

REAL_CODES = ["91330100716105852F", "91110000600037341L"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test creates users; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def nanhu():
    return RegionFactory(code="330402", name="南湖区")


def xiuzhou():
    return RegionFactory(code="330411", name="秀洲区")


def login(client, user):
    client.force_login(user)
    return client


def field_error(field: str, message: str) -> str:
    """How a field's error message appears beneath the field on the form pages."""
    return f'<div class="invalid-feedback d-block" data-field="{field}">{message}</div>'


def snapshot(enterprise: Enterprise) -> dict:
    enterprise.refresh_from_db()
    return {f.attname: getattr(enterprise, f.attname) for f in Enterprise._meta.concrete_fields}


def table_body(response) -> str:
    """The rows of the results table (the search box echoes the query, so look only here)."""
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


# --- list -------------------------------------------------------------------------------


def test_list_shows_city_officer_every_county_with_count_and_capital_in_wanyuan(client):
    a = EnterpriseFactory(county=nanhu(), name="南湖芯片有限公司")
    b = EnterpriseFactory(
        county=xiuzhou(), name="秀洲光伏有限公司", registered_capital=Decimal("12345678.90")
    )
    login(client, UserFactory())

    response = client.get(reverse("enterprises:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert a.name in html and b.name in html
    assert a.uscc in html and b.uscc in html
    assert "共 2 家企业" in html
    assert "1,234.57 万元" in html
    assert "500.00 万元" in html
    assert f'href="{reverse("enterprises:detail", args=[a.pk])}"' in html


def test_list_for_platform_admin(client):
    enterprise = EnterpriseFactory(county=xiuzhou())
    login(client, UserFactory(platform_admin=True))

    response = client.get(reverse("enterprises:list"))

    assert response.status_code == 200
    assert enterprise.name in response.content.decode()


def test_list_for_county_officer_holds_only_their_county(client):
    own = EnterpriseFactory(county=nanhu(), name="南湖芯片有限公司")
    other = EnterpriseFactory(county=xiuzhou(), name="秀洲光伏有限公司")
    login(client, UserFactory(county_officer=True, county=nanhu()))

    response = client.get(reverse("enterprises:list"))

    html = response.content.decode()
    assert own.name in html
    assert other.name not in html and other.uscc not in html
    assert "共 1 家企业" in html


@pytest.mark.parametrize("query", ["name", "uscc", "uscc_lower_spaced"])
def test_county_officer_search_never_finds_another_county(client, query):
    other = EnterpriseFactory(county=xiuzhou(), name="秀洲光伏有限公司")
    EnterpriseFactory(county=nanhu(), name="南湖芯片有限公司")
    login(client, UserFactory(county_officer=True, county=nanhu()))
    q = {
        "name": "秀洲光伏",
        "uscc": other.uscc,
        "uscc_lower_spaced": " ".join([other.uscc[:9], other.uscc[9:]]).lower(),
    }[query]

    response = client.get(reverse("enterprises:list"), {"q": q})

    html = response.content.decode()
    assert response.status_code == 200
    assert other.name not in html
    assert other.uscc not in table_body(response)
    assert "共 0 家企业" in html
    assert "没有符合条件的企业。" in html


def test_county_officer_filtering_by_another_county_shows_nothing(client):
    other = EnterpriseFactory(county=xiuzhou())
    login(client, UserFactory(county_officer=True, county=nanhu()))

    response = client.get(reverse("enterprises:list"), {"county": "330411"})

    assert other.name not in response.content.decode()
    assert "共 0 家企业" in response.content.decode()


@pytest.mark.parametrize("query", ["科技芯片", "91330100716105852F", "9133 0100 7161 0585 2f"])
def test_city_officer_search_by_name_substring_or_uscc(client, query):
    wanted = EnterpriseFactory(county=nanhu(), name="嘉兴科技芯片有限公司", uscc=REAL_CODES[0])
    unwanted = EnterpriseFactory(county=nanhu(), name="嘉兴纺织有限公司")
    login(client, UserFactory())

    response = client.get(reverse("enterprises:list"), {"q": query})

    html = response.content.decode()
    assert wanted.name in html
    assert unwanted.name not in html
    assert "共 1 家企业" in html


def test_list_filters_by_county_industry_section_division_and_size(client):
    section_i = IndustryFactory(code="I", name="信息传输、软件和信息技术服务业", level="section")
    section_c = IndustryFactory(code="C", name="制造业", level="section")
    software = IndustryFactory(code="65", name="软件和信息技术服务业", parent=section_i)
    electronics = IndustryFactory(
        code="39", name="计算机、通信和其他电子设备制造业", parent=section_c
    )
    soft_nanhu = EnterpriseFactory(county=nanhu(), industry=software, size="small")
    soft_xiuzhou = EnterpriseFactory(county=xiuzhou(), industry=software, size="medium")
    chips = EnterpriseFactory(county=nanhu(), industry=electronics, size="medium")
    login(client, UserFactory())

    def names(params):
        html = client.get(reverse("enterprises:list"), params).content.decode()
        return {e.name for e in (soft_nanhu, soft_xiuzhou, chips) if e.name in html}

    assert names({"county": "330402"}) == {soft_nanhu.name, chips.name}
    assert names({"industry": "I"}) == {soft_nanhu.name, soft_xiuzhou.name}
    assert names({"industry": "39"}) == {chips.name}
    assert names({"size": "medium"}) == {soft_xiuzhou.name, chips.name}
    assert names({"county": "330402", "size": "medium"}) == {chips.name}


def test_list_filter_form_offers_a_county_officer_only_their_county(client):
    nanhu(), xiuzhou()
    login(client, UserFactory(county_officer=True, county=nanhu()))

    html = client.get(reverse("enterprises:list")).content.decode()

    assert '<option value="330402">南湖区</option>' in html
    assert "秀洲区" not in html


def test_list_sorts_by_capital_both_ways(client):
    county = nanhu()
    small = EnterpriseFactory(county=county, name="甲公司", registered_capital=Decimal("100"))
    large = EnterpriseFactory(county=county, name="乙公司", registered_capital=Decimal("900"))
    login(client, UserFactory())

    ascending = client.get(reverse("enterprises:list"), {"ordering": "registered_capital"})
    descending = client.get(reverse("enterprises:list"), {"ordering": "-registered_capital"})

    html = ascending.content.decode()
    assert html.index(small.name) < html.index(large.name)
    assert 'aria-sort="ascending"' in html
    assert "?ordering=-registered_capital" in html  # a second click reverses
    html = descending.content.decode()
    assert html.index(large.name) < html.index(small.name)
    assert 'aria-sort="descending"' in html


def test_list_pages_by_25_and_page_links_keep_the_filters(client):
    county = nanhu()
    for n in range(30):
        EnterpriseFactory(county=county, name=f"分页测试公司{n:02d}", size="small")
    EnterpriseFactory(county=county, name="中型企业不在其中", size="medium")
    login(client, UserFactory())

    first = client.get(reverse("enterprises:list"), {"size": "small"})
    second = client.get(reverse("enterprises:list"), {"size": "small", "page": "2"})

    first_html = first.content.decode()
    assert first_html.count("分页测试公司") == 25
    assert "共 30 家企业" in first_html
    assert "?size=small&amp;page=2" in first_html
    second_html = second.content.decode()
    assert second_html.count("分页测试公司") == 5
    assert "分页测试公司29" in second_html and "分页测试公司00" not in second_html
    assert "中型企业不在其中" not in second_html
    assert "?size=small&amp;page=1" in second_html


@pytest.mark.parametrize("query", ["华", "华鑫", "华鑫科"])
def test_list_count_stops_at_the_limit_and_says_more_than(client, monkeypatch, query):
    # Given a limit of 3: five enterprises match, so the page says "more than 3" and pages
    # through the first 3 only; the rows shown are still the first ones by name.
    monkeypatch.setattr(views, "COUNT_LIMIT", 3)
    county = nanhu()
    for n in range(5):
        EnterpriseFactory(county=county, name=f"嘉兴华鑫科技{n}有限公司")
    EnterpriseFactory(county=county, name="嘉兴纺织有限公司")
    login(client, UserFactory())

    response = client.get(reverse("enterprises:list"), {"q": query})

    html = response.content.decode()
    assert '<div data-testid="result-count">超过 3 家企业</div>' in html
    assert "共 " not in html.split('data-testid="result-count"')[1].split("</div>")[0]
    body = table_body(response)
    assert [n for n in range(5) if f"嘉兴华鑫科技{n}有限公司" in body] == [0, 1, 2]


def test_list_count_at_or_below_the_limit_is_exact(client, monkeypatch):
    monkeypatch.setattr(views, "COUNT_LIMIT", 3)
    county = nanhu()
    for n in range(3):
        EnterpriseFactory(county=county, name=f"嘉兴华鑫科技{n}有限公司")
    EnterpriseFactory(county=county, name="嘉兴纺织有限公司")
    login(client, UserFactory())

    searched = client.get(reverse("enterprises:list"), {"q": "华"})
    everything = client.get(reverse("enterprises:list"))

    assert '<div data-testid="result-count">共 3 家企业</div>' in searched.content.decode()
    assert '<div data-testid="result-count">超过 3 家企业</div>' in everything.content.decode()


def test_capped_count_groups_the_limit_by_thousands(client, monkeypatch):
    monkeypatch.setattr(views, "COUNT_LIMIT", 1000)
    county, industry = nanhu(), IndustryFactory()
    Enterprise.objects.bulk_create(
        EnterpriseFactory.build(county=county, industry=industry, name=f"嘉兴华鑫{n}有限公司")
        for n in range(1001)
    )
    login(client, UserFactory())

    response = client.get(reverse("enterprises:list"), {"q": "华鑫"})

    assert '<div data-testid="result-count">超过 1,000 家企业</div>' in response.content.decode()


def test_capped_count_message_in_english(rf):
    paginator = CappedCountPaginator([], 25, count_limit=10_000, count_source=range(10_001))

    with translation.override("en"):
        html = render_to_string(
            "enterprises/_enterprise_results.html",
            {"page": paginator.page(1), "results_id": views.RESULTS_ID, "count_limit": "10,000"},
            request=rf.get(reverse("enterprises:list")),
        )

    assert '<div data-testid="result-count">More than 10,000 enterprises</div>' in html


def test_htmx_search_returns_only_the_results_partial(client):
    EnterpriseFactory(county=nanhu(), name="嘉兴科技芯片有限公司")
    EnterpriseFactory(county=nanhu(), name="嘉兴纺织有限公司")
    login(client, UserFactory())

    response = client.get(
        reverse("enterprises:list"),
        {"q": "芯片"},
        headers={"HX-Request": "true", "HX-Target": "enterprise-results"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="enterprise-results"')
    assert "<html" not in html and 'id="enterprise-filter"' not in html
    assert "嘉兴科技芯片有限公司" in html and "嘉兴纺织有限公司" not in html
    assert "HX-Request" in response["Vary"]


def test_list_without_htmx_is_a_whole_page_with_a_plain_get_form(client):
    login(client, UserFactory())

    html = client.get(reverse("enterprises:list")).content.decode()

    assert "<html" in html
    assert (
        f'<form id="enterprise-filter" class="card card-body mb-3" method="get" action="{reverse("enterprises:list")}"'
        in html
    )
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert '<div id="enterprise-results"' in html
    assert "<script>" not in html


@pytest.mark.parametrize(
    "traits",
    [
        {"enterprise_admin": True},
        {"enterprise_staff": True},
        {"institution_manager": True},
        {"institution_officer": True},
        {"data_provider": True},
    ],
)
@pytest.mark.parametrize("url_name", ["enterprises:list", "enterprises:export"])
def test_list_and_export_are_forbidden_to_everyone_but_officers_and_admins(
    client, traits, url_name
):
    EnterpriseFactory(county=nanhu(), name="不应出现的企业")
    login(client, UserFactory(**traits))

    response = client.get(reverse(url_name))

    assert response.status_code == 403
    html = response.content.decode()
    assert "企业名录仅向市、县(市、区)工作人员和平台管理员开放。" in html
    assert "不应出现的企业" not in html


def test_list_needs_sign_in(client):
    response = client.get(reverse("enterprises:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    county, zone_parent = nanhu(), xiuzhou()
    zone = RegionFactory(code="330499", name="嘉兴经济技术开发区", level="zone", reports_to=county)
    for n in range(30):
        EnterpriseFactory(county=county if n % 2 else zone_parent, zone=zone if n % 2 else None)
    login(client, UserFactory())

    # Session, user, the user's department (menu), count, counties, industries, one page of rows.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("enterprises:list"), {"ordering": "-founded_on"})
    assert response.status_code == 200
    # The HTMX partial: session, user, the name search's bounded candidate count (it routes
    # broad queries to the name-ordered scan, issue 6), the capped count (on PostgreSQL after
    # its own bounded candidate count), one page of rows.
    with django_assert_max_num_queries(6 if connection.vendor == "postgresql" else 5):
        client.get(
            reverse("enterprises:list"),
            {"q": "测试"},
            headers={"HX-Request": "true", "HX-Target": "enterprise-results"},
        )


# --- export -----------------------------------------------------------------------------

EXPORT_HEADER = (
    "统一社会信用代码",
    "企业名称",
    "所在县(市、区)",
    "所在功能区",
    "行业代码",
    "行业名称",
    "成立日期",
    "企业规模",
    "注册资本(元)",
    "法定代表人",
    "住所",
    "联系电话",
)


def test_export_has_chinese_headers_and_capital_in_yuan_as_numbers(client):
    enterprise = EnterpriseFactory(
        county=nanhu(),
        name="嘉兴科技芯片有限公司",
        registered_capital=Decimal("12345678.90"),
        legal_representative="张三",
        address="嘉兴市南湖区科技路1号",
        contact_phone="0573-82000000",
    )
    login(client, UserFactory())

    response = client.get(reverse("enterprises:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    rows = xlsx_rows(response)
    assert rows[0] == EXPORT_HEADER
    row = rows[1]
    assert row[:6] == (
        enterprise.uscc,
        "嘉兴科技芯片有限公司",
        "南湖区",
        None,  # no functional zone: an empty cell
        "65",
        "软件和信息技术服务业",
    )
    assert row[6].date().isoformat() == "2018-05-20"
    assert row[7] == "小型"
    assert isinstance(row[8], float) and row[8] == 12345678.9
    assert row[9:] == ("张三", "嘉兴市南湖区科技路1号", "0573-82000000")
    assert len(rows) == 2


def test_export_follows_the_list_filters(client):
    wanted = EnterpriseFactory(county=nanhu(), name="嘉兴科技芯片有限公司")
    EnterpriseFactory(county=nanhu(), name="嘉兴纺织有限公司")
    login(client, UserFactory())

    rows = xlsx_rows(client.get(reverse("enterprises:export"), {"q": "芯片"}))

    assert [row[1] for row in rows[1:]] == [wanted.name]


@pytest.mark.parametrize("params", ["none", "county", "q_name", "q_uscc"])
def test_county_officer_export_never_holds_another_county(client, params):
    own = EnterpriseFactory(county=nanhu(), name="南湖芯片有限公司")
    other = EnterpriseFactory(county=xiuzhou(), name="秀洲光伏有限公司")
    login(client, UserFactory(county_officer=True, county=nanhu()))
    query = {
        "none": {},
        "county": {"county": "330411"},
        "q_name": {"q": "秀洲"},
        "q_uscc": {"q": other.uscc},
    }[params]

    rows = xlsx_rows(client.get(reverse("enterprises:export"), query))

    exported = {row[0] for row in rows[1:]}
    assert other.uscc not in exported
    assert exported == ({own.uscc} if params == "none" else set())


def test_export_keeps_a_formula_like_name_as_text(client):
    EnterpriseFactory(county=nanhu(), name='=HYPERLINK("http://example.com","点我")')
    login(client, UserFactory())

    response = client.get(reverse("enterprises:export"))

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cell = workbook.active["B2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.com","点我")'


# --- detail -----------------------------------------------------------------------------


def test_detail_shows_the_profile_with_capital_in_wanyuan(client):
    county = nanhu()
    zone = RegionFactory(code="330499", name="嘉兴经济技术开发区", level="zone", reports_to=county)
    enterprise = EnterpriseFactory(
        county=county,
        zone=zone,
        name="嘉兴科技芯片有限公司",
        registered_capital=Decimal("30000000"),
        legal_representative="张三",
        address="嘉兴市南湖区科技路1号",
        contact_phone="0573-82000000",
        business_scope="集成电路设计",
    )
    login(client, UserFactory())

    response = client.get(reverse("enterprises:detail", args=[enterprise.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<dd class="col-sm-9 font-monospace" data-testid="uscc">{enterprise.uscc}</dd>' in html
    assert '<dd class="col-sm-9" data-testid="registered-capital">3,000.00 万元</dd>' in html
    for text in (
        "嘉兴科技芯片有限公司",
        "南湖区",
        "嘉兴经济技术开发区",
        "65 软件和信息技术服务业",
        "2018-05-20",
        "小型",
        "张三",
        "嘉兴市南湖区科技路1号",
        "0573-82000000",
        "集成电路设计",
    ):
        assert text in html
    assert f'href="{reverse("enterprises:edit", args=[enterprise.pk])}"' in html


def test_detail_shows_recent_audit_events_to_city_officers(client):
    enterprise = EnterpriseFactory(county=nanhu(), name="旧名称有限公司")
    officer = UserFactory(username="city-officer")
    login(client, officer)
    client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        _officer_form_data(enterprise, name="新名称有限公司"),
    )

    html = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()

    assert html.count('data-testid="audit-event"') == 1
    assert "city-officer · 修改" in html
    assert "企业名称：旧名称有限公司 → 新名称有限公司" in html


def test_detail_for_county_officer_hides_the_audit_trail_they_may_not_browse(client):
    enterprise = EnterpriseFactory(county=nanhu())
    login(client, UserFactory(county_officer=True, county=nanhu()))

    response = client.get(reverse("enterprises:detail", args=[enterprise.pk]))

    assert response.status_code == 200
    assert "最近变更记录" not in response.content.decode()


def test_detail_of_another_county_is_404_for_a_county_officer(client):
    other = EnterpriseFactory(county=xiuzhou(), name="秀洲光伏有限公司")
    login(client, UserFactory(county_officer=True, county=nanhu()))

    response = client.get(reverse("enterprises:detail", args=[other.pk]))

    assert response.status_code == 404
    assert "秀洲光伏有限公司" not in response.content.decode()


def test_detail_of_another_enterprise_is_404_for_an_enterprise_user(client):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu())
    other = EnterpriseFactory(county=nanhu(), name="别家企业有限公司")
    login(client, user)

    assert client.get(reverse("enterprises:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("enterprises:edit", args=[other.pk])).status_code == 404
    assert client.get(reverse("enterprises:detail", args=[user.enterprise_id])).status_code == 200


@pytest.mark.parametrize("traits", [{"institution_manager": True}, {"data_provider": True}])
def test_detail_is_404_for_users_without_enterprise_scope(client, traits):
    enterprise = EnterpriseFactory(county=nanhu())
    login(client, UserFactory(**traits))

    assert client.get(reverse("enterprises:detail", args=[enterprise.pk])).status_code == 404


def test_detail_of_a_missing_enterprise_is_404(client):
    login(client, UserFactory())

    assert client.get(reverse("enterprises:detail", args=[999999])).status_code == 404


def test_enterprise_staff_sees_own_profile_without_edit_button(client):
    user = UserFactory(enterprise_staff=True, enterprise__county=nanhu())
    login(client, user)

    html = client.get(reverse("enterprises:detail", args=[user.enterprise_id])).content.decode()

    assert user.enterprise.name in html
    assert reverse("enterprises:edit", args=[user.enterprise_id]) not in html
    assert f'href="{reverse("enterprises:list")}"' not in html


def test_mine_redirects_an_enterprise_user_to_their_own_page(client):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu())
    login(client, user)

    response = client.get(reverse("enterprises:mine"))

    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:detail", args=[user.enterprise_id])


@pytest.mark.parametrize("traits", [{}, {"platform_admin": True}, {"institution_manager": True}])
def test_mine_is_404_for_users_without_an_enterprise(client, traits):
    login(client, UserFactory(**traits))

    assert client.get(reverse("enterprises:mine")).status_code == 404


# --- create -----------------------------------------------------------------------------


def _create_data(county, industry, **overrides) -> dict:
    data = {
        "uscc": REAL_CODES[0],
        "name": "嘉兴新登记科技有限公司",
        "county": county.pk,
        "zone": "",
        "industry": industry.pk,
        "founded_on": "2020-03-15",
        "size": "small",
        "registered_capital": "8000000",
        "legal_representative": "李四",
        "address": "嘉兴市南湖区创新路8号",
        "contact_phone": "0573-83000000",
        "business_scope": "软件开发",
    }
    data.update(overrides)
    return data


def _officer_form_data(enterprise: Enterprise, **overrides) -> dict:
    data = {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "county": enterprise.county_id,
        "zone": enterprise.zone_id or "",
        "industry": enterprise.industry_id,
        "founded_on": enterprise.founded_on.isoformat(),
        "size": enterprise.size,
        "registered_capital": str(enterprise.registered_capital),
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "contact_phone": enterprise.contact_phone,
        "business_scope": enterprise.business_scope,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("code", REAL_CODES)
def test_creating_with_a_real_code_registers_and_audits(client, code):
    officer = UserFactory(username="city-officer")
    county, industry = nanhu(), IndustryFactory()
    login(client, officer)

    response = client.post(
        reverse("enterprises:create"),
        _create_data(county, industry, uscc=code),
        REMOTE_ADDR="10.1.2.3",
    )

    enterprise = Enterprise.objects.get(uscc=code)
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:detail", args=[enterprise.pk])
    assert enterprise.name == "嘉兴新登记科技有限公司"
    assert enterprise.registered_capital == Decimal("8000000.00")
    event = AuditEvent.objects.get(
        object_type="enterprises.enterprise", object_id=str(enterprise.pk)
    )
    assert event.action == "create"
    assert event.actor == officer
    assert event.actor_username == "city-officer"
    assert event.before is None
    assert event.after["uscc"] == code
    assert event.after["name"] == "嘉兴新登记科技有限公司"
    assert event.after["county"] == county.pk
    assert event.after["registered_capital"] == "8000000.00"
    assert event.ip_address == "10.1.2.3"
    page = client.get(response["Location"]).content.decode()
    assert "企业“嘉兴新登记科技有限公司”已登记。" in page


def test_creating_normalises_lower_case_and_spaces(client):
    login(client, UserFactory())

    client.post(
        reverse("enterprises:create"),
        _create_data(nanhu(), IndustryFactory(), uscc=" 9133 0100 7161 0585 2f "),
    )

    assert Enterprise.objects.filter(uscc="91330100716105852F").count() == 1


def _wrong_org_check_code() -> str:
    """A code whose final check is right but whose embedded organisation-code check is wrong."""
    from stdnum.cn import uscc

    body = "9133010071610585" + "3"
    return body + uscc.calc_check_digit(body)


BAD_CODES = [
    ("91330100716105852G", "统一社会信用代码第18位校验码错误，请核对营业执照。"),
    (
        _wrong_org_check_code(),
        "统一社会信用代码中的组织机构代码（第9-17位）校验位错误，请核对营业执照。",
    ),
    ("9133010071610585", "统一社会信用代码应为18位，当前为16位。"),
    *[
        (
            "91330100716105852" + letter,
            f"统一社会信用代码含有不允许的字符：{letter}（不使用I、O、Z、S、V及符号）。",
        )
        for letter in "IOZSV"
    ],
]


@pytest.mark.parametrize(("code", "message"), BAD_CODES)
def test_creating_with_a_bad_code_shows_the_message_under_the_uscc_field(client, code, message):
    login(client, UserFactory())

    response = client.post(
        reverse("enterprises:create"), _create_data(nanhu(), IndustryFactory(), uscc=code)
    )

    assert response.status_code == 200
    assert field_error("uscc", message) in response.content.decode()
    assert response.context["form"].errors == {"uscc": [message]}
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_creating_with_a_taken_code_shows_it_under_the_uscc_field(client):
    existing = EnterpriseFactory(county=nanhu(), uscc=REAL_CODES[0])
    login(client, UserFactory())

    response = client.post(
        reverse("enterprises:create"), _create_data(nanhu(), IndustryFactory(), uscc=REAL_CODES[0])
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["uscc"]
    assert Enterprise.objects.get() == existing


def test_county_officer_creates_in_their_own_county(client):
    officer = UserFactory(county_officer=True, county=nanhu())
    login(client, officer)

    form_page = client.get(reverse("enterprises:create")).content.decode()
    response = client.post(reverse("enterprises:create"), _create_data(nanhu(), IndustryFactory()))

    assert f'<option value="{nanhu().pk}" selected>南湖区</option>' in form_page
    assert response.status_code == 302
    assert Enterprise.objects.get().county == nanhu()


def test_county_officer_cannot_create_in_another_county(client):
    officer = UserFactory(county_officer=True, county=nanhu())
    login(client, officer)

    response = client.post(
        reverse("enterprises:create"), _create_data(xiuzhou(), IndustryFactory())
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "county": ["选择一个有效的选项： 该选择不在可用的选项中。"]
    }
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_zone_must_report_to_the_chosen_county(client):
    zone = RegionFactory(code="330499", name="嘉兴经济技术开发区", level="zone", reports_to=nanhu())
    login(client, UserFactory())

    response = client.post(
        reverse("enterprises:create"),
        _create_data(xiuzhou(), IndustryFactory(), zone=zone.pk),
    )

    message = "功能区“嘉兴经济技术开发区”不属于秀洲区，请选择该县(市、区)的功能区或留空。"
    assert field_error("zone", message) in response.content.decode()
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize(
    "traits",
    [
        {"enterprise_admin": True},
        {"enterprise_staff": True},
        {"institution_manager": True},
        {"data_provider": True},
    ],
)
def test_create_is_forbidden_to_non_officers_and_changes_nothing(client, traits):
    login(client, UserFactory(**traits))
    enterprises_before = Enterprise.objects.count()

    get = client.get(reverse("enterprises:create"))
    post = client.post(reverse("enterprises:create"), _create_data(nanhu(), IndustryFactory()))

    assert get.status_code == 403
    assert post.status_code == 403
    assert Enterprise.objects.count() == enterprises_before
    assert not Enterprise.objects.filter(uscc=REAL_CODES[0]).exists()
    assert AuditEvent.objects.count() == 0


# --- edit -------------------------------------------------------------------------------


def test_city_officer_edits_and_the_change_is_audited(client):
    enterprise = EnterpriseFactory(county=nanhu(), name="旧名称有限公司")
    officer = UserFactory(username="city-officer")
    login(client, officer)

    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        _officer_form_data(enterprise, name="新名称有限公司", registered_capital="6000000"),
        REMOTE_ADDR="10.9.8.7",
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:detail", args=[enterprise.pk])
    enterprise.refresh_from_db()
    assert enterprise.name == "新名称有限公司"
    assert enterprise.registered_capital == Decimal("6000000.00")
    event = AuditEvent.objects.get()
    assert event.action == "update"
    assert event.actor == officer
    assert event.object_id == str(enterprise.pk)
    assert event.before == {"name": "旧名称有限公司", "registered_capital": "5000000.00"}
    assert event.after == {"name": "新名称有限公司", "registered_capital": "6000000.00"}
    assert event.ip_address == "10.9.8.7"
    assert "企业信息已保存。" in client.get(response["Location"]).content.decode()


def test_edit_with_a_bad_code_shows_the_message_and_changes_nothing(client):
    enterprise = EnterpriseFactory(county=nanhu(), name="原名称有限公司")
    before = snapshot(enterprise)
    login(client, UserFactory())

    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        _officer_form_data(enterprise, uscc="91330100716105852G", name="不该保存"),
    )

    html = response.content.decode()
    assert field_error("uscc", "统一社会信用代码第18位校验码错误，请核对营业执照。") in html
    assert "编辑：原名称有限公司" in html
    assert snapshot(enterprise) == before
    assert AuditEvent.objects.count() == 0


def test_enterprise_admin_form_shows_only_self_editable_fields(client):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu())
    login(client, user)

    response = client.get(reverse("enterprises:edit", args=[user.enterprise_id]))

    assert response.status_code == 200
    assert set(response.context["form"].fields) == {
        "zone",
        "industry",
        "size",
        "legal_representative",
        "address",
        "contact_phone",
        "business_scope",
    }
    html = response.content.decode()
    assert 'name="uscc"' not in html and 'name="registered_capital"' not in html


def test_enterprise_admin_edits_own_contact_details_but_not_registry_facts(client):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu())
    enterprise = user.enterprise
    login(client, user)

    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        {
            "industry": enterprise.industry_id,
            "size": "medium",
            "zone": "",
            "legal_representative": "王五",
            "address": "嘉兴市南湖区新地址9号",
            "contact_phone": "0573-81111111",
            "business_scope": "",
        },
    )
    # Fields not on the form for this role are refused: kejin/enterprises/tests/test_validation.py

    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.address == "嘉兴市南湖区新地址9号"
    assert enterprise.size == "medium"
    assert enterprise.name != "改名企图"
    assert enterprise.registered_capital == Decimal("5000000.00")
    event = AuditEvent.objects.get()
    assert event.actor == user
    assert event.before == {
        "size": "small",
        "legal_representative": "",
        "address": "",
        "contact_phone": "",
    }
    assert event.after == {
        "size": "medium",
        "legal_representative": "王五",
        "address": "嘉兴市南湖区新地址9号",
        "contact_phone": "0573-81111111",
    }


def test_enterprise_staff_posting_to_own_edit_is_denied_and_changes_nothing(client):
    user = UserFactory(enterprise_staff=True, enterprise__county=nanhu())
    enterprise = user.enterprise
    before = snapshot(enterprise)
    login(client, user)

    get = client.get(reverse("enterprises:edit", args=[enterprise.pk]))
    post = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        {"industry": enterprise.industry_id, "size": "large", "address": "被拒绝的地址"},
    )

    assert get.status_code == 403
    assert post.status_code == 403
    assert "您无权修改该企业的信息。" in post.content.decode()
    assert snapshot(enterprise) == before
    assert AuditEvent.objects.count() == 0


def test_enterprise_admin_posting_to_another_enterprise_is_404_and_changes_nothing(client):
    user = UserFactory(enterprise_admin=True, enterprise__county=nanhu())
    other = EnterpriseFactory(county=nanhu(), name="别家企业有限公司")
    before = snapshot(other)
    login(client, user)

    response = client.post(
        reverse("enterprises:edit", args=[other.pk]),
        {"industry": other.industry_id, "size": "large", "address": "被拒绝的地址"},
    )

    assert response.status_code == 404
    assert snapshot(other) == before
    assert AuditEvent.objects.count() == 0


def test_county_officer_posting_to_another_countys_enterprise_is_404_and_changes_nothing(client):
    other = EnterpriseFactory(county=xiuzhou(), name="秀洲光伏有限公司")
    before = snapshot(other)
    login(client, UserFactory(county_officer=True, county=nanhu()))

    response = client.post(
        reverse("enterprises:edit", args=[other.pk]),
        _officer_form_data(other, name="越权修改"),
    )

    assert response.status_code == 404
    assert snapshot(other) == before
    assert AuditEvent.objects.count() == 0


def test_county_officer_cannot_move_an_enterprise_to_another_county(client):
    enterprise = EnterpriseFactory(county=nanhu())
    before = snapshot(enterprise)
    login(client, UserFactory(county_officer=True, county=nanhu()))

    response = client.post(
        reverse("enterprises:edit", args=[enterprise.pk]),
        _officer_form_data(enterprise, county=xiuzhou().pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "county": ["选择一个有效的选项： 该选择不在可用的选项中。"]
    }
    assert snapshot(enterprise) == before
    assert AuditEvent.objects.count() == 0
