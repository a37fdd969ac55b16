"""Browser journey of a consented credit report: a bank asks → the enterprise grants → the
bank reads the report (personal information masked) → the enterprise sees the read in its
log. Then the public credit page, without signing in."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.credit.models import ReportRead
from kejin.credit.tests.reports_factories import penalty_category, rating_category, record
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    nanhu = RegionFactory(code="330402", name="南湖区", level="county", parent=city)
    enterprise = EnterpriseFactory(name="嘉兴星河智能科技有限公司", county=nanhu)
    bank = InstitutionFactory(name="嘉兴银行科技支行", county=nanhu)
    penalty, rating = penalty_category(), rating_category()
    record(
        category=penalty,
        enterprise=enterprise,
        event_date=datetime.date(2026, 3, 2),
        data={
            "decision_no": "嘉南市监罚〔2026〕5号",
            "violation": "产品标签标注不规范",
            "amount": "20000",
            "legal_person_name": "沈建华",
        },
    )
    record(
        category=rating,
        enterprise=enterprise,
        event_date=datetime.date(2026, 4, 20),
        data={"rating": "A"},
    )
    return {
        "enterprise": enterprise,
        "bank": bank,
        "admin": UserFactory(enterprise_admin=True, enterprise=enterprise, username="ent_admin"),
        "officer": UserFactory(institution_officer=True, institution=bank, username="bank_off"),
    }


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


def sign_out(page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()


def test_bank_requests_enterprise_grants_bank_reads_enterprise_sees_the_log(
    page, live_server, check_page, world
):
    # The bank asks, naming the enterprise by its credit code.
    sign_in(page, live_server, "bank_off")
    page.goto(f"{live_server.url}/credit/reports/")
    page.get_by_test_id("new-request").click()
    page.get_by_label("被查询企业的统一社会信用代码").fill(world["enterprise"].uscc)
    page.get_by_label("查询用途").select_option("loan_pre_review")
    page.get_by_label("纳税信用等级").check()
    page.get_by_label("行政处罚（市场监管）").check()
    check_page("credit-bank-request-form")
    page.get_by_test_id("submit-request").click()
    expect(page.get_by_test_id("request-state")).to_have_text("待授权")
    check_page("credit-bank-request-pending")
    sign_out(page)

    # The enterprise's admin sees it waiting on the home page and grants it.
    sign_in(page, live_server, "ent_admin")
    expect(page.get_by_test_id("reports-pending")).to_contain_text(
        "有1件信用报告查询申请等待您授权"
    )
    page.get_by_test_id("reports-pending").get_by_role("link").click()
    page.get_by_test_id("request-row").get_by_role("link").click()
    expect(page.get_by_test_id("institution")).to_have_text("嘉兴银行科技支行")
    check_page("credit-enterprise-request")
    page.get_by_test_id("grant-submit").click()
    expect(page.get_by_test_id("request-state")).to_have_text("已授权")
    check_page("credit-enterprise-granted")
    sign_out(page)

    # The bank reads the report: the legal representative's name is masked.
    sign_in(page, live_server, "bank_off")
    page.goto(f"{live_server.url}/credit/reports/")
    page.get_by_test_id("request-row").get_by_role("link").click()
    page.get_by_test_id("read-report").click()
    expect(page.get_by_test_id("report-heading")).to_have_text(
        "企业信用报告：嘉兴星河智能科技有限公司"
    )
    penalty = page.locator("[data-testid='report-section'][data-category='penalty_market']")
    expect(penalty.get_by_test_id("report-row")).to_contain_text("沈**")
    expect(penalty).not_to_contain_text("沈建华")
    check_page("credit-bank-report")
    sign_out(page)

    # The enterprise sees the read in its log.
    sign_in(page, live_server, "ent_admin")
    page.goto(f"{live_server.url}/credit/reports/")
    page.get_by_test_id("read-log-link").click()
    rows = page.get_by_test_id("read-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("read-institution")).to_have_text("嘉兴银行科技支行")
    expect(rows.first.get_by_test_id("read-purpose")).to_have_text("贷前审查")
    expect(rows.first.get_by_test_id("read-format")).to_have_text("网页")
    check_page("credit-enterprise-read-log")
    assert ReportRead.objects.count() == 1


def test_public_credit_page_without_signing_in(page, live_server, check_page, world):
    page.goto(f"{live_server.url}/credit/public/")
    page.get_by_test_id("public-search-input").fill("星河")
    page.get_by_test_id("public-search-submit").click()
    page.get_by_test_id("public-result").first.click()
    expect(page).to_have_url(re.compile(rf"/credit/public/{world['enterprise'].uscc}/$"))
    expect(page.get_by_test_id("public-heading")).to_have_text("嘉兴星河智能科技有限公司")
    expect(page.get_by_test_id("public-record")).to_have_count(1)  # the penalty, not the rating
    expect(page.get_by_test_id("public-record")).to_contain_text("嘉南市监罚〔2026〕5号")
    check_page("credit-public-enterprise")
