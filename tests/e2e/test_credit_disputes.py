"""Browser journey of a credit dispute (异议): the enterprise's admin disputes its tax rating
with a PDF → the tax bureau's data provider corrects the record → the enterprise sees the new
version and the resolution. Every page is checked (no other host, no CSP violation, no script
error) and photographed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.credit.tests.dispute_factories import CreditRecordFactory, tax_rating_category
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    nanhu = RegionFactory(code="330402", name="南湖区", level="county", parent=city)
    tax = DepartmentFactory(
        code="jx-tax", name="国家税务总局嘉兴市税务局", kind="data_provider", region=city
    )
    enterprise = EnterpriseFactory(name="嘉兴星河智能科技有限公司", county=nanhu)
    record = CreditRecordFactory(
        category=tax_rating_category(department=tax),
        enterprise=enterprise,
        source_record_id="SW-2025-00001",
    )
    return {
        "record": record,
        "admin": UserFactory(username="xinghe_admin", enterprise_admin=True, enterprise=enterprise),
        "provider": UserFactory(username="tax_provider", data_provider=True, department=tax),
    }


def sign_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_enterprise_disputes_department_corrects_enterprise_sees_new_version(
    page, live_server, check_page, world
):
    # The enterprise's admin finds its tax rating (C) and disputes it with a PDF.
    sign_in(page, live_server, "xinghe_admin")
    page.locator("#main-nav").get_by_role("link", name="信用异议").click()
    page.get_by_role("link", name="本企业信用记录").click()
    row = page.get_by_test_id("record-row").filter(has_text="SW-2025-00001")
    expect(row.locator('[data-field="rating"]')).to_have_text("C")
    check_page("credit-disputes-enterprise-records")
    row.get_by_test_id("dispute-record").click()
    page.get_by_label("异议理由").fill("2024年度欠税已于评价前补缴，评价应为B级。")
    page.get_by_label("证明材料").set_input_files(
        files=[{"name": "完税证明.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    check_page("credit-disputes-enterprise-form")
    page.get_by_role("button", name="提交异议").click()

    expect(page).to_have_url(re.compile(r"/credit/disputes/\d+/$"))
    expect(page.get_by_test_id("dispute-status")).to_have_text("处理中")
    expect(page.get_by_test_id("days-left")).to_have_text("剩余 20 个工作日")
    expect(page.get_by_test_id("attachments-filing")).to_contain_text("完税证明.pdf")
    check_page("credit-disputes-enterprise-filed")
    page.goto(f"{live_server.url}/credit/disputes/records/")
    expect(
        page.get_by_test_id("record-row")
        .filter(has_text="SW-2025-00001")
        .get_by_test_id("record-dispute-state")
    ).to_have_text("异议处理中")

    # The tax bureau sees it with its deadline and corrects the rating to B.
    sign_in(page, live_server, "tax_provider")
    page.locator("#main-nav").get_by_role("link", name="信用异议").click()
    dispute_row = page.get_by_test_id("dispute-row").filter(has_text="SW-2025-00001")
    expect(dispute_row.get_by_test_id("days-left")).to_have_text("剩余 20 个工作日")
    check_page("credit-disputes-provider-list")
    dispute_row.get_by_role("link", name="处理").click()
    expect(page.get_by_test_id("dispute-reason")).to_have_text(
        "2024年度欠税已于评价前补缴，评价应为B级。"
    )
    page.get_by_test_id("resolve-correct").click()
    page.get_by_label("信用等级").select_option("B")
    page.get_by_label("处理说明").fill("经核实欠税已于评价前补缴，更正为B级。")
    check_page("credit-disputes-provider-correct")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("已更正")
    check_page("credit-disputes-provider-resolved")

    # The enterprise sees the resolution and the new version.
    sign_in(page, live_server, "xinghe_admin")
    page.goto(f"{live_server.url}/credit/disputes/?status=closed")
    page.get_by_test_id("dispute-row").filter(has_text="SW-2025-00001").get_by_role(
        "link", name="查看"
    ).click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("已更正")
    expect(page.get_by_test_id("resolution-note")).to_have_text(
        "经核实欠税已于评价前补缴，更正为B级。"
    )
    expect(page.get_by_test_id("new-version").locator('[data-field="rating"]')).to_have_text("B")
    expect(page.get_by_test_id("disputed-record").locator('[data-field="rating"]')).to_have_text(
        "C"
    )
    check_page("credit-disputes-enterprise-resolved")
    page.goto(f"{live_server.url}/credit/disputes/records/")
    current = page.get_by_test_id("record-row").filter(has_text="SW-2025-00001")
    expect(current).to_contain_text("v2")
    expect(current.locator('[data-field="rating"]')).to_have_text("B")
    expect(current.get_by_test_id("record-dispute-state")).to_have_text("异议：已更正")
