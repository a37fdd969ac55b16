"""The demand journey of issue 8, each person at their own browser, signing in through the
login form: an enterprise posts a demand (with a patent to pledge) → nothing matches yet, so
the platform posts it to the open pool → a bank claims it there, records the first contact,
starts its review and approves 80万元 at 3.85 % → the enterprise sees every step in its
timeline → the county's officer finds the demand in the county's list, and on the
monitoring page sees the bank's scoreboard (one claim, one approval) and, after the
periodic deadline scan, the overdue list with another enterprise's demand that nobody
claimed in time.

Routing runs on commit in the request (Celery eager: no broker in tests). Every page is
checked (no other host, no CSP violation, no script error) and photographed.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import DemandStatus
from kejin.financing.models import Demand
from kejin.financing.sla import demands_overdue_scan
from kejin.financing.tests.factories import DemandFactory
from kejin.institutions.tests.factories import InstitutionFactory
from tests.e2e.navigation import nav

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
    # Another enterprise's demand, in the open pool for two weeks and never claimed.
    two_weeks_ago = timezone.now() - datetime.timedelta(days=14)
    unclaimed = DemandFactory(
        enterprise=EnterpriseFactory(name="嘉兴云帆新材料有限公司", county=nanhu),
        status=DemandStatus.ROUTED,
        open_pool=True,
        submitted_at=two_weeks_ago,
        routed_at=two_weeks_ago,
        claim_due_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    return {"enterprise": enterprise, "bank": bank, "unclaimed": unclaimed}


def sign_in(someone, live_server, username: str) -> None:
    page = someone.page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


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
    demand = Demand.objects.get(enterprise=world["enterprise"])
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
    # 5. The periodic deadline scan flags the unclaimed demand; the officer opens process
    #    monitoring: the bank's scoreboard and the overdue list.
    demands_overdue_scan()
    nav(page, "流程监控")
    bank_row = page.locator(
        f"[data-testid='scoreboard-row'][data-institution-id='{world['bank'].pk}']"
    )
    expect(bank_row).to_contain_text("嘉兴银行科技支行")
    expect(bank_row.get_by_test_id("approval-rate")).to_have_text("100%")
    overdue = page.get_by_test_id("overdue-list")
    unclaimed = world["unclaimed"]
    row = overdue.locator(f"[data-testid='overdue-row'][data-demand-id='{unclaimed.pk}']")
    expect(row).to_contain_text("嘉兴云帆新材料有限公司")
    expect(overdue.locator(f"[data-demand-id='{demand.pk}']")).to_have_count(0)
    officer.check("demands-officer-monitoring")
