"""Every role signs in through the login form in Chinese, lands on its own home page and
visits every page of its menu; each page is checked (no other host, no CSP violation, no
script error) and photographed to test-artifacts/screenshots/<role>-<page>.png."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import resolve
from playwright.sync_api import expect

from kejin.accounts.choices import Role
from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.tests.factories import DepartmentFactory, IndustryFactory, RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.registry.tests.defaults import default_stages_and_labels_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    """A small city: two counties, two industries, five enterprises, a bank with a branch."""
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    nanhu = RegionFactory(code="330402", name="南湖区", level="county", parent=city)
    haining = RegionFactory(code="330481", name="海宁市", level="county", parent=city)
    software_section = IndustryFactory(
        code="I", name="信息传输、软件和信息技术服务业", level="section"
    )
    software = IndustryFactory(
        code="65", name="软件和信息技术服务业", level="division", parent=software_section
    )
    manufacturing = IndustryFactory(code="C", name="制造业", level="section")
    machinery = IndustryFactory(
        code="34", name="通用设备制造业", level="division", parent=manufacturing
    )
    enterprises = [
        EnterpriseFactory(
            name="嘉兴星河智能科技有限公司",
            county=nanhu,
            industry=software,
            size="small",
            founded_on=datetime.date(2016, 4, 1),
            legal_representative="张伟",
        ),
        EnterpriseFactory(
            name="嘉兴南湖精密机械有限公司",
            county=nanhu,
            industry=machinery,
            size="medium",
            founded_on=datetime.date(2012, 9, 1),
        ),
        EnterpriseFactory(
            name="嘉兴云帆软件有限公司",
            county=nanhu,
            industry=software,
            size="micro",
            founded_on=datetime.date(2021, 3, 15),
        ),
        EnterpriseFactory(
            name="海宁经编新材料有限公司",
            county=haining,
            industry=machinery,
            size="large",
            founded_on=datetime.date(2008, 6, 1),
        ),
        EnterpriseFactory(
            name="海宁光电科技有限公司",
            county=haining,
            industry=software,
            size="small",
            founded_on=datetime.date(2019, 11, 11),
        ),
    ]
    bank = InstitutionFactory(name="嘉兴银行", kind="bank_branch", county=city)
    branch = InstitutionFactory(name="嘉兴银行科技支行", parent=bank, county=nanhu)
    tax = DepartmentFactory(
        name="国家税务总局嘉兴市税务局",
        kind="data_provider",
        region=city,
        provides_data="纳税信用等级、欠税公告、税收违法记录",
    )
    science = DepartmentFactory(name="嘉兴市科学技术局", region=city)
    nanhu_science = DepartmentFactory(name="嘉兴市南湖区科学技术局", region=nanhu)
    return {
        "nanhu": nanhu,
        "enterprise": enterprises[0],
        "bank": bank,
        "branch": branch,
        "tax": tax,
        "science": science,
        "nanhu_science": nanhu_science,
    }


def make_user(role: str, world) -> object:
    """A user of ``role`` in the small city, with the factories' password."""
    username = f"e2e_{role}"
    if role in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF):
        return UserFactory(
            username=username, role=role, department=None, enterprise=world["enterprise"]
        )
    if role in (Role.INSTITUTION_MANAGER, Role.INSTITUTION_OFFICER):
        return UserFactory(
            username=username, role=role, department=None, institution=world["branch"]
        )
    if role == Role.CITY_OFFICER:
        return UserFactory(username=username, role=role, department=world["science"])
    if role == Role.COUNTY_OFFICER:
        return UserFactory(
            username=username, role=role, department=world["nanhu_science"], county=world["nanhu"]
        )
    if role == Role.DATA_PROVIDER:
        return UserFactory(username=username, role=role, department=world["tax"])
    admin = UserFactory(username=username, platform_admin=True)
    audit_record(
        actor=admin,
        action=AuditAction.UPDATE,
        instance=world["enterprise"],
        before={"contact_phone": ""},
        after={"contact_phone": "0573-82345678"},
    )
    return admin


# What each role's home page must say (its heading, and a line only that page has).
HOME_PAGES = {
    Role.ENTERPRISE_ADMIN: ("嘉兴星河智能科技有限公司", "企业工作台"),
    Role.ENTERPRISE_STAFF: ("嘉兴星河智能科技有限公司", "企业工作台"),
    Role.INSTITUTION_MANAGER: ("嘉兴银行科技支行", "暂无推送给本机构的融资需求"),
    Role.INSTITUTION_OFFICER: ("嘉兴银行科技支行", "暂无推送给本机构的融资需求"),
    Role.CITY_OFFICER: ("嘉兴市科技企业概览", "各县(市、区)企业数"),
    Role.COUNTY_OFFICER: ("南湖区科技企业概览", "按行业门类的企业数"),
    Role.DATA_PROVIDER: ("国家税务总局嘉兴市税务局", "本部门提供的信用数据"),
    Role.PLATFORM_ADMIN: ("平台运行概况", "最新审计事件"),
}


def page_name(url: str) -> str:
    """A screenshot name for a page of ours: its URL name, e.g. ``enterprises-list``."""
    match = resolve(urlsplit(url).path)
    name = match.view_name.replace(":", "-").replace("_", "-")
    return name or "page"


def sign_in(page, live_server, check_page, username: str, screenshot_prefix: str) -> None:
    """Sign in through the login form, the way a person does."""
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="科技金融综合服务平台")).to_be_visible()
    check_page(f"{screenshot_prefix}-login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


def menu_links(page) -> list[tuple[str, str]]:
    """The menu's entries as (label, absolute URL), grouped ones (in dropdowns) included, in
    the order shown."""
    links = page.locator("#main-nav .navbar-nav a.nav-link, #main-nav .navbar-nav a.dropdown-item")
    return [
        ((links.nth(i).text_content() or "").strip(), links.nth(i).evaluate("a => a.href"))
        for i in range(links.count())
    ]


EXPECTED_MENU = {
    Role.ENTERPRISE_ADMIN: [
        "首页",
        "企业信息",
        "信用报告授权",
        "信用异议",
        "信用信息公示",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "适合我的产品",
        "融资需求",
        "贷款",
        "政策",
        "适合我的政策",
        "政策订阅",
        "政策申报",
        "科技保险",
    ],
    Role.ENTERPRISE_STAFF: [
        "首页",
        "企业信息",
        "信用异议",
        "信用信息公示",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "适合我的产品",
        "融资需求",
        "贷款",
        "政策",
        "适合我的政策",
        "政策订阅",
        "政策申报",
        "科技保险",
    ],
    Role.INSTITUTION_MANAGER: [
        "首页",
        "信用报告授权",
        "信用信息公示",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "企业线索",
        "融资需求",
        "贷款",
        "服务记录",
        "政策",
        "风险补偿资金池",
        "风险补偿申请",
    ],
    Role.INSTITUTION_OFFICER: [
        "首页",
        "信用报告授权",
        "信用信息公示",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "企业线索",
        "融资需求",
        "贷款",
        "服务记录",
        "政策",
        "风险补偿资金池",
        "风险补偿申请",
    ],
    Role.CITY_OFFICER: [
        "首页",
        "企业名录",
        "数据导入",
        "名单库",
        "信用评分卡",
        "信用报告授权",
        "信用异议",
        "信用信息公示",
        "信用数据报送",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "产品审核",
        "企业线索",
        "融资需求",
        "贷款",
        "流程监控",
        "政策",
        "政策申报",
        "科技保险",
        "政府统保",
        "风险补偿资金池",
        "风险补偿申请",
        "审计日志",
        "节假日安排",
    ],
    Role.COUNTY_OFFICER: [
        "首页",
        "企业名录",
        "数据导入",
        "名单库",
        "信用评分卡",
        "信用异议",
        "信用信息公示",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "企业线索",
        "融资需求",
        "贷款",
        "流程监控",
        "政策",
        "政策申报",
        "科技保险",
        "政府统保",
        "风险补偿资金池",
        "风险补偿申请",
        "节假日安排",
    ],
    Role.DATA_PROVIDER: [
        "首页",
        "信用异议",
        "信用信息公示",
        "信用数据报送",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "政策",
    ],
    Role.PLATFORM_ADMIN: [
        "首页",
        "企业名录",
        "数据导入",
        "名单库",
        "信用评分卡",
        "信用报告授权",
        "信用异议",
        "信用信息公示",
        "信用数据报送",
        "信用数据目录",
        "金融机构",
        "金融产品",
        "企业线索",
        "融资需求",
        "贷款",
        "流程监控",
        "政策",
        "政策申报",
        "科技保险",
        "政府统保",
        "风险补偿资金池",
        "风险补偿申请",
        "审计日志",
        "节假日安排",
        "后台管理",
    ],
}

# On these list pages the journey also opens the first record (a link to /<app>/<id>/).
FIRST_RECORD = {
    "enterprises-list": r"^/enterprises/\d+/$",
    "institutions-list": r"^/institutions/\d+/$",
}
_FIRST_LINK_JS = """
(pattern) => {
  const re = new RegExp(pattern);
  const link = [...document.querySelectorAll("main a[href]")].find((a) => re.test(a.pathname));
  return link ? link.getAttribute("href") : null;
}
"""


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_role_signs_in_lands_on_its_home_page_and_visits_its_menu(
    page, live_server, check_page, world, role
):
    user = make_user(role, world)
    prefix = role.value

    sign_in(page, live_server, check_page, user.username, prefix)

    heading, marker = HOME_PAGES[role]
    expect(page.get_by_test_id("home-heading")).to_have_text(heading)
    expect(page.get_by_text(marker).first).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_contain_text(str(Role(role).label))
    if role in (Role.CITY_OFFICER, Role.COUNTY_OFFICER):
        # ECharts drew both charts on canvases.
        expect(page.locator("[data-chart-ready='true'] canvas")).to_have_count(2)
    check_page(f"{prefix}-home")

    menu = menu_links(page)
    assert [label for label, _ in menu] == EXPECTED_MENU[role]
    for label, url in menu[1:]:
        page.goto(url)
        assert page.url.startswith(live_server.url), (label, page.url)
        name = page_name(page.url)
        expect(page.locator("h1").first).to_be_visible()
        check_page(f"{prefix}-{name}")
        record = FIRST_RECORD.get(name) and page.evaluate(_FIRST_LINK_JS, FIRST_RECORD[name])
        if record:
            page.locator(f'main a[href="{record}"]').first.click()
            page.wait_for_url(re.compile(FIRST_RECORD[name].strip("^$") + r"(\?.*)?$"))
            expect(page.locator("h1").first).to_be_visible()
            check_page(f"{prefix}-{page_name(page.url)}")

    page.goto(f"{live_server.url}/accounts/password/")
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    check_page(f"{prefix}-password-change")

    page.goto(f"{live_server.url}/")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_county_officer_sees_only_their_county_in_the_browser(page, live_server, check_page, world):
    user = make_user(Role.COUNTY_OFFICER, world)

    sign_in(page, live_server, check_page, user.username, "county_officer-scope")

    expect(page.get_by_test_id("kpi-total")).to_have_text("3")
    expect(page.get_by_test_id("kpi-large")).to_have_text("0")


def test_api_docs_use_no_other_host(page, live_server, check_page, world):
    user = make_user(Role.CITY_OFFICER, world)
    sign_in(page, live_server, check_page, user.username, "city_officer-api")

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    check_page("city_officer-api-docs")


def test_language_switch_shows_english_navigation(page, live_server, check_page, world):
    user = make_user(Role.CITY_OFFICER, world)
    sign_in(page, live_server, check_page, user.username, "city_officer-zh")

    page.locator("select[name='language']").select_option("en")
    page.wait_for_load_state("networkidle")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#main-nav a.nav-link").first).to_have_text("Home")
    # No Chinese left in the menu (entries, language switch aside, user menu).
    expect(page.locator("#main-nav .navbar-nav")).not_to_contain_text(re.compile("[\u4e00-\u9fff]"))
    check_page("city_officer-home-en")


# --- the registry (名单库): search, filter, export, re-evaluation preview and confirm ------

REGISTRY_QUALIFYING = {
    "employees": 100,
    "tech_staff": 30,
    "revenue": Decimal("10000000"),
    "total_assets": Decimal("50000000"),
    "total_cost": Decimal("9000000"),
    "rd_expense": Decimal("600000"),
    "ip_class1": 0,
    "ip_class2": 0,
}


def xlsx_download_rows(download) -> list[tuple]:
    """The rows of a downloaded workbook's first sheet (the file has no extension on disk)."""
    with open(download.path(), "rb") as file:
        return list(openpyxl.load_workbook(file).active.iter_rows(values_only=True))


def test_city_officer_searches_filters_exports_and_re_evaluates_the_registry(
    page, live_server, check_page, world
):
    from kejin.enterprises.models import AnnualFacts, Enterprise
    from kejin.registry.evaluation import registry_reevaluate
    from kejin.registry.models import EvaluationRun, RegistryEntry

    # The published stages and labels (a data migration): a journey before this one, in a
    # transaction-flushed database, may have removed them.
    default_stages_and_labels_load()
    by_name = {e.name: e for e in Enterprise.objects.all()}
    # 2024: three tech SMEs and one that is not; 2025 (filled in by three of them): 云帆
    # no longer qualifies.
    for name in ("嘉兴星河智能科技有限公司", "嘉兴云帆软件有限公司", "海宁光电科技有限公司"):
        AnnualFacts.objects.create(enterprise=by_name[name], year=2024, **REGISTRY_QUALIFYING)
    AnnualFacts.objects.create(
        enterprise=by_name["海宁经编新材料有限公司"],
        year=2024,
        **{**REGISTRY_QUALIFYING, "tech_staff": 5},
    )
    for name, tech_staff in (
        ("嘉兴星河智能科技有限公司", 30),
        ("海宁光电科技有限公司", 30),
        ("嘉兴云帆软件有限公司", 5),
    ):
        AnnualFacts.objects.create(
            enterprise=by_name[name], year=2025, **{**REGISTRY_QUALIFYING, "tech_staff": tech_staff}
        )
    registry_reevaluate(year=2024)
    user = make_user(Role.CITY_OFFICER, world)
    sign_in(page, live_server, check_page, user.username, "city_officer-registry")

    page.goto(f"{live_server.url}/registry/")
    results = page.locator("#registry-results")
    expect(page.get_by_test_id("result-count")).to_have_text("共 3 家企业")
    check_page("city_officer-registry-list")

    # Search: typing refreshes the table (HTMX), and the address keeps the query.
    page.get_by_placeholder("企业名称或统一社会信用代码").fill("星河")
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 家企业")
    expect(results.locator("[data-enterprise-id]")).to_have_count(1)
    expect(results).to_contain_text("嘉兴星河智能科技有限公司")
    expect(page).to_have_url(re.compile(r"q=%E6%98%9F%E6%B2%B3"))

    # Filter: a county, with the search cleared; then a recognition result with everyone.
    page.get_by_placeholder("企业名称或统一社会信用代码").fill("")
    expect(page.get_by_test_id("result-count")).to_have_text("共 3 家企业")
    page.get_by_label("县(市、区)").select_option(label="海宁市")
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 家企业")
    expect(results).to_contain_text("海宁光电科技有限公司")
    check_page("city_officer-registry-filtered")

    # Export what is shown: download the workbook and read its rows.
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    rows = xlsx_download_rows(download.value)
    assert [row[1] for row in rows[1:]] == ["海宁光电科技有限公司"]
    assert rows[1][2:3] == ("海宁市",)

    page.get_by_label("在库状态").select_option(label="全部")
    expect(page.get_by_test_id("result-count")).to_have_text("共 2 家企业")
    page.get_by_label("认定结果").select_option(label="科技型中小企业评价：不符合")
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 家企业")
    expect(results).to_contain_text("海宁经编新材料有限公司")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    rows = xlsx_download_rows(download.value)
    assert [row[1] for row in rows[1:]] == ["海宁经编新材料有限公司"]

    # Re-evaluation: the latest year with data is offered; the preview names the exit and
    # why; nothing changes until it is confirmed.
    page.goto(f"{live_server.url}/registry/runs/")
    expect(page.get_by_label("数据年度")).to_have_value("2025")
    check_page("city_officer-registry-runs")
    page.get_by_test_id("run-preview-button").click()
    expect(page.get_by_role("heading", name="2025年度重新评价预览")).to_be_visible()
    expect(page.get_by_test_id("preview-count-exit")).to_have_text(re.compile(r"出库\s*1"))
    exits = page.get_by_test_id("preview-exits")
    expect(exits.locator("tbody tr")).to_have_count(1)
    expect(exits).to_contain_text("嘉兴云帆软件有限公司")
    expect(exits).to_contain_text(
        "不再具有任何名单标签：科技型中小企业（科技型中小企业评价：不符合）"
    )
    check_page("city_officer-registry-preview")
    assert EvaluationRun.objects.count() == 1
    assert RegistryEntry.objects.filter(on_list=True).count() == 3

    page.get_by_test_id("run-confirm-button").click()
    expect(page).to_have_url(f"{live_server.url}/registry/runs/")
    expect(page.get_by_text("已发起2025年度名单重新评价")).to_be_visible()
    latest = EvaluationRun.objects.latest("id")
    expect(page.locator(f'tr[data-run-id="{latest.pk}"] [data-testid="run-status"]')).to_have_text(
        "已完成"
    )
    check_page("city_officer-registry-run-done")
    page.goto(f"{live_server.url}/registry/")
    expect(page.get_by_test_id("result-count")).to_have_text("共 2 家企业")
    expect(page.locator("#registry-results")).not_to_contain_text("嘉兴云帆软件有限公司")
