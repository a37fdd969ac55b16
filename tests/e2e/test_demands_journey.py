"""The demand journey of issue 8, each person at their own browser, signing in through the
login form: an enterprise posts a demand (with a patent to pledge) → nothing matches yet, so
the platform posts it to the open pool → a bank claims it there, records the first contact,
starts its review and approves 80万元 at 3.85 % → the enterprise sees every step in its
timeline → the county's officer finds the demand in the county's list.

Routing runs on commit in the request (Celery eager: no broker in tests). Every page is
checked (no other host, no CSP violation, no script error) and photographed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.models import Demand
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    nanhu = RegionFactory(code="330402", name="南湖区")
    enterprise = EnterpriseFactory(name="嘉兴星河智能科技有限公司", county=nanhu)
    bank = InstitutionFactory(name="嘉兴银行科技支行", county=nanhu)
    UserFactory(username="xinghe_admin", enterprise_admin=True, enterprise=enterprise)
    UserFactory(username="bank_officer", institution_officer=True, institution=bank)
    UserFactory(username="nanhu_officer", county_officer=True, county=nanhu)
    return {"enterprise": enterprise, "bank": bank}


def sign_in(someone, live_server, username: str) -> None:
    page = someone.page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


def nav(page, label: str) -> None:
    page.locator("#main-nav").get_by_role("link", name=label).click()


def test_enterprise_posts_bank_claims_and_approves_enterprise_follows_officer_sees(
    person, live_server, world
):
    enterprise, bank, officer = person("enterprise"), person("bank"), person("officer")

    # 1. The enterprise posts a demand with a patent to pledge.
    sign_in(enterprise, live_server, "xinghe_admin")
    page = enterprise.page
    nav(page, "融资需求")
    page.get_by_test_id("demand-create-link").click()
    page.get_by_label("融资金额（元）").fill("1000000")
    page.get_by_label("期限（月）").fill("12")
    page.get_by_label("资金用途").fill("购置研发设备")
    page.get_by_label("知识产权质押贷款", exact=True).check()
    page.locator("#id_collateral_0_kind").select_option("patent")
    page.locator("#id_collateral_0_number").fill("ZL202310000000.1")
    enterprise.check("demands-enterprise-form")
    page.get_by_test_id("demand-submit").click()
    demand = Demand.objects.get()
    expect(page).to_have_url(f"{live_server.url}/financing/demands/{demand.pk}/")
    # Nothing is published to match it: the platform posted it to the open pool.
    expect(page.get_by_test_id("demand-status")).to_have_text("待认领")
    timeline = page.get_by_test_id("demand-timeline")
    expect(timeline.get_by_test_id("timeline-event")).to_have_count(2)
    expect(timeline).to_contain_text("转入抢单池")
    expect(page.get_by_test_id("demand-collaterals")).to_contain_text("ZL202310000000.1")
    enterprise.check("demands-enterprise-posted")

    # 2. The bank finds it in the open pool, claims it and takes it to approval.
    sign_in(bank, live_server, "bank_officer")
    page = bank.page
    nav(page, "融资需求")
    page.get_by_test_id("demand-tab-pool").click()
    row = page.locator(f"[data-testid='demand-row'][data-demand-id='{demand.pk}']")
    expect(row).to_contain_text("嘉兴星河智能科技有限公司")
    bank.check("demands-bank-pool")
    row.get_by_test_id("demand-open").click()
    page.get_by_test_id("action-claim").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("已认领")
    expect(page.get_by_test_id("contact-due")).not_to_have_text("—")
    bank.check("demands-bank-claimed")
    page.get_by_test_id("action-contact").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("已联系")
    page.get_by_test_id("action-start-review").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("审批中")
    page.get_by_label("批准金额（元）").fill("800000")
    page.get_by_label("批准年利率（%）").fill("3.85")
    bank.check("demands-bank-review")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("已批准")
    expect(page.get_by_test_id("demand-approved")).to_contain_text("80.00 万元")

    # 3. The enterprise follows every step in its timeline.
    page = enterprise.page
    page.reload()
    expect(page.get_by_test_id("demand-status")).to_have_text("已批准")
    events = page.get_by_test_id("demand-timeline").get_by_test_id("timeline-event")
    expect(events).to_have_count(6)
    actions = [events.nth(i).get_attribute("data-action") for i in range(6)]
    assert actions == ["submit", "pool", "claim", "contact", "start_review", "approve"]
    expect(events.nth(2)).to_contain_text("嘉兴银行科技支行")
    expect(page.get_by_test_id("demand-institution")).to_have_text("嘉兴银行科技支行")
    enterprise.check("demands-enterprise-timeline")

    # 4. The county's officer finds the demand in the county's list.
    sign_in(officer, live_server, "nanhu_officer")
    page = officer.page
    nav(page, "融资需求")
    row = page.locator(f"[data-testid='demand-row'][data-demand-id='{demand.pk}']")
    expect(row.get_by_test_id("demand-status")).to_have_text("已批准")
    officer.check("demands-officer-list")
    # 5. LEAD: the monitoring part extends the journey here — the officer opens the
    #    scoreboard (the bank's claim and decision) and the overdue list.
