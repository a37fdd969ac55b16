"""Pages users meet, in a real browser: lists usable on a 390 px phone (no sideways scroll of
the page: wide tables scroll inside their own box, less important columns fold away), the
error pages in the platform's layout, the readable audit log and the holiday entry."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from kejin.accounts.tests.factories import UserFactory
from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# How far the page itself reaches sideways beyond the window (0 when nothing sticks out).
_PAGE_OVERFLOW_JS = """
() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth
"""


@pytest.fixture
def city_world():
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    nanhu = RegionFactory(code="330402", name="南湖区", level="county", parent=city)
    section = IndustryFactory(code="I", name="信息传输、软件和信息技术服务业", level="section")
    software = IndustryFactory(
        code="65", name="软件和信息技术服务业", level="division", parent=section
    )
    enterprises = [
        EnterpriseFactory(
            name=f"嘉兴星河智能科技股份有限公司第{n}分公司",
            county=nanhu,
            industry=software,
            founded_on=datetime.date(2016, 4, 1),
            registered_capital=Decimal("1234567890.00"),
        )
        for n in range(30)
    ]
    InstitutionFactory(name="中国工商银行股份有限公司嘉兴南湖科技支行", county=city)
    officer = UserFactory(username="city-officer", full_name="王芳")
    audit_record(
        actor=officer,
        action=AuditAction.UPDATE,
        instance=enterprises[0],
        before={"county": nanhu.pk, "size": "small"},
        after={"county": nanhu.pk, "size": "medium"},
    )
    audit_record(
        actor=officer,
        action=AuditAction.CREATE,
        instance=enterprises[1],
        after=model_snapshot(enterprises[1]),
    )
    return {"officer": officer, "enterprises": enterprises, "nanhu": nanhu}


def sign_in(page, live_server, user) -> None:
    """Sign ``user`` in by its session cookie (the login form has its own journey)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


@pytest.mark.parametrize(
    ("path", "testid"),
    [
        ("/enterprises/", "result-count"),
        ("/institutions/", "result-count"),
        ("/system/audit/", "audit-table"),
        ("/system/holidays/", "holiday-coming"),
        ("/system/holidays/2027/", "holiday-form"),
        ("/registry/", "result-count"),
        ("/enterprises/imports/", None),
        ("/", "home-heading"),
        ("/no-such-page/", "error-page"),
    ],
)
def test_pages_fit_a_390_px_phone(page, live_server, city_world, watch, check_page, path, testid):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, city_world["officer"])

    response = page.goto(live_server.url + path)

    (page.get_by_test_id(testid) if testid else page.locator("main h1")).first.wait_for()
    assert page.evaluate(_PAGE_OVERFLOW_JS) <= 0, f"{path} scrolls sideways at 390 px"
    if response.status == 404:  # the page's own status is what the console reports
        watch.console_errors.remove(
            "Failed to load resource: the server responded with a status of 404 (Not Found)"
        )
    check_page(f"phone{path.rstrip('/').replace('/', '-') or '-home'}")


def test_an_enterprise_page_fits_a_390_px_phone(page, live_server, city_world, check_page):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, city_world["officer"])
    enterprise = city_world["enterprises"][0]

    page.goto(f"{live_server.url}/enterprises/{enterprise.pk}/")

    page.get_by_test_id("registered-capital").wait_for()
    assert page.evaluate(_PAGE_OVERFLOW_JS) <= 0
    assert page.get_by_test_id("registered-capital").inner_text() == "12.35 亿元"
    check_page("phone-enterprise-detail")


def test_the_enterprise_list_folds_columns_on_a_phone(page, live_server, city_world):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, city_world["officer"])

    page.goto(live_server.url + "/enterprises/")

    header = page.locator("thead th:visible")
    assert header.all_inner_texts() == ["企业名称", "注册资本"]
    first_row = page.locator("tbody tr").first
    assert "12.35 亿元" in first_row.inner_text()


def test_the_audit_log_reads_as_people_talk(page, live_server, city_world):
    sign_in(page, live_server, city_world["officer"])
    enterprise = city_world["enterprises"][0]

    page.goto(live_server.url + "/system/audit/?action=update")

    row = page.get_by_test_id("audit-row").first
    assert row.get_by_test_id("audit-object").inner_text() == enterprise.name
    assert row.get_by_test_id("audit-kind").inner_text() == "企业"
    assert row.get_by_test_id("audit-actor").inner_text() == "city-officer（王芳）"
    assert (
        row.get_by_test_id("audit-when")
        .inner_text()
        .startswith(
            datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).strftime(
                "%Y-%m-%d "
            )
        )
    )
    fields = row.get_by_test_id("audit-field").locator("visible=true")
    assert fields.all_inner_texts() == ["所在县(市、区)", "企业规模"]
    text = row.inner_text()
    page.set_viewport_size(PHONE)  # on a phone the same changes sit beneath the object
    assert fields.all_inner_texts() == ["所在县(市、区)", "企业规模"]
    assert "小型" in text and "中型" in text and "南湖区" in text
    for raw in ("enterprises.enterprise", "size", "county", "small", "medium", f"#{enterprise.pk}"):
        assert raw not in text


def test_an_unknown_page_is_the_platforms_page_with_a_way_home(page, live_server, city_world):
    sign_in(page, live_server, city_world["officer"])
    page.goto(live_server.url + "/enterprises/")

    # As if a link on the list led here.
    response = page.goto(
        live_server.url + "/enterprises/no-such-page/", referer=live_server.url + "/enterprises/"
    )

    assert response.status == 404
    assert page.get_by_test_id("error-title").inner_text() == "页面不存在"
    page.get_by_test_id("error-back").click()
    page.wait_for_url(live_server.url + "/enterprises/")
    page.goto(live_server.url + "/enterprises/no-such-page/")
    page.get_by_test_id("error-home").click()
    page.wait_for_url(live_server.url + "/")
    page.get_by_test_id("home-heading").wait_for()
