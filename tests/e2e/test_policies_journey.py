"""The policy journey of issue 9, each person at their own browser, signing in through the
login form: a city officer publishes an R&D support policy (研发投入占比 ≥ 3 %, 10 % of R&D
expense, at most 20万元 a year) → the platform tells the enterprise that qualifies → that
enterprise finds the policy under "适合我的政策" with the reasons, opens it, sees the
pre-check and the computed amount and applies → the officer accepts, approves the amount and
records the payout → the enterprise sees it paid, step by step → an enterprise at 2.1 % sees
the policy as a near miss, with the condition it misses and by how much.

Publication's notices run on commit in the request (Celery eager: no broker in tests). Every
page is checked (no other host, no CSP violation, no script error) and photographed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.notifications.models import Notification
from kejin.policies.choices import ApplicationStatus, PolicyScheme
from kejin.policies.models import Application, PolicyNotice
from kejin.policies.tests.factories import PolicyFactory, PolicyVersionFactory
from tests.e2e.navigation import nav

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "嘉兴市科技型企业研发投入补助"
RD_RATIO = {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, {"param": "min_ratio"}]}


def _enterprise(name: str, county, *, revenue: str, rd: str):
    enterprise = EnterpriseFactory(name=name, county=county)
    AnnualFacts.objects.create(
        enterprise=enterprise, year=2025, revenue=Decimal(revenue), rd_expense=Decimal(rd)
    )
    return enterprise


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    nanhu = RegionFactory(code="330402", name="南湖区")
    qualifying = _enterprise("嘉兴星河智能科技有限公司", nanhu, revenue="10000000", rd="400000")
    missing = _enterprise("嘉兴云帆新材料有限公司", nanhu, revenue="10000000", rd="210000")
    UserFactory(username="xinghe_admin", enterprise_admin=True, enterprise=qualifying)
    UserFactory(username="yunfan_admin", enterprise_admin=True, enterprise=missing)
    UserFactory(username="city_officer")  # a city officer (the factory's default role)
    policy = PolicyFactory(
        title=TITLE,
        doc_number="嘉科〔2026〕18号",
        scheme=PolicyScheme.GRANT,
        summary="对研发投入占比达到要求的科技型企业，按研发费用给予补助。",
    )
    PolicyVersionFactory(
        policy=policy,
        version="1",
        reference="《嘉兴市科技型企业研发投入补助办法》第五条",
        document=RD_RATIO,
        parameters={
            "min_ratio": {"value": 0.03, "label": "研发投入占比下限", "reference": "第五条"},
            "rate": {"value": 0.1, "label": "补助比例", "reference": "第六条"},
        },
        benefit_formula={"*": [{"param": "rate"}, {"var": "rd_expense"}]},
        benefit_reference="第六条",
        cap_per_enterprise_year=Decimal("200000"),
        worked_cases=[
            {
                "name": "研发投入占比4%",
                "facts": {"rd_expense": 400000, "revenue": 10000000},
                "expect": {"condition.rule": True},
            },
            {
                "name": "研发投入占比2.1%",
                "facts": {"rd_expense": 210000, "revenue": 10000000},
                "expect": {"condition.rule": False},
            },
        ],
    )
    return {"policy": policy, "qualifying": qualifying, "missing": missing}


def sign_in(someone, live_server, username: str) -> None:
    page = someone.page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_officer_publishes_enterprise_applies_officer_pays_another_sees_its_gap(
    person, live_server, world
):
    officer, enterprise, other = person("officer"), person("enterprise"), person("other")
    policy = world["policy"]

    # 1. The city officer finds the draft and publishes it.
    sign_in(officer, live_server, "city_officer")
    page = officer.page
    nav(page, "政策")
    page.locator(f"[data-testid='policy-row'][data-policy-id='{policy.pk}']").click()
    expect(page.get_by_test_id("policy-state")).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("policy-conditions")).to_contain_text("3%")
    officer.check("policies-officer-draft")
    page.get_by_test_id("policy-publish").click()
    expect(page.get_by_test_id("policy-state")).to_have_attribute("data-state", "published")
    officer.check("policies-officer-published")
    # Publication told the enterprise that qualifies, once, and not the other one.
    assert list(PolicyNotice.objects.values_list("enterprise_id", "reason")) == [
        (world["qualifying"].pk, "qualifies")
    ]
    assert Notification.objects.filter(recipient__username="xinghe_admin").count() == 1
    assert not Notification.objects.filter(recipient__username="yunfan_admin").exists()

    # 2. The qualifying enterprise finds it under "适合我的政策", with the reasons.
    sign_in(enterprise, live_server, "xinghe_admin")
    page = enterprise.page
    nav(page, "适合我的政策")
    row = page.locator(f"[data-testid='policy-for-me-eligible'][data-policy-id='{policy.pk}']")
    expect(row).to_contain_text(TITLE)
    expect(row.get_by_test_id("policy-reasons")).to_contain_text("4%")
    expect(row.get_by_test_id("policy-benefit")).to_contain_text("4.00 万元")
    enterprise.check("policies-enterprise-for-me")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("policy-check")).to_have_attribute("data-status", "eligible")
    enterprise.check("policies-enterprise-detail")
    page.get_by_test_id("policy-apply").click()
    expect(page.get_by_test_id("precheck-status")).to_have_attribute("data-status", "eligible")
    page.get_by_test_id("application-preview").click()
    expect(page.get_by_test_id("benefit-amount")).to_contain_text("4.00 万元")
    enterprise.check("policies-enterprise-apply")
    page.get_by_test_id("application-submit").click()
    application = Application.objects.get(policy=policy, enterprise=world["qualifying"])
    expect(page).to_have_url(f"{live_server.url}/policies/applications/{application.pk}/")
    expect(page.get_by_test_id("application-status")).to_have_attribute(
        "data-status", ApplicationStatus.SUBMITTED
    )

    # 3. The officer accepts it, approves the amount and records the payout.
    page = officer.page
    nav(page, "政策申报")
    page.locator(
        f"[data-testid='application-row'][data-application-id='{application.pk}'] a"
    ).click()
    page.get_by_test_id("application-accept").click()
    expect(page.get_by_test_id("application-status")).to_have_attribute(
        "data-status", ApplicationStatus.ACCEPTED
    )
    page.locator("#id_approve-amount").fill("40000")
    page.get_by_test_id("application-approve").click()
    expect(page.get_by_test_id("application-status")).to_have_attribute(
        "data-status", ApplicationStatus.APPROVED
    )
    expect(page.get_by_test_id("amount-approved")).to_contain_text("4.00 万元")
    page.locator("#id_pay-amount").fill("40000")
    page.locator("#id_pay-paid_on").fill(datetime.date.today().isoformat())
    page.locator("#id_pay-voucher").fill("JXCZ-2026-0188")
    officer.check("policies-officer-approved")
    page.get_by_test_id("application-pay").click()
    expect(page.get_by_test_id("application-status")).to_have_attribute(
        "data-status", ApplicationStatus.PAID
    )
    expect(page.get_by_test_id("payout-row")).to_contain_text("JXCZ-2026-0188")
    officer.check("policies-officer-paid")

    # 4. The enterprise sees it paid, every step in its timeline.
    page = enterprise.page
    page.reload()
    expect(page.get_by_test_id("application-status")).to_have_attribute(
        "data-status", ApplicationStatus.PAID
    )
    timeline = page.get_by_test_id("application-timeline")
    expect(timeline.get_by_test_id("timeline-row")).to_have_count(4)
    expect(page.get_by_test_id("amount-paid")).to_contain_text("4.00 万元")
    enterprise.check("policies-enterprise-paid")
    application.refresh_from_db()
    assert (application.amount_approved, application.amount_paid) == (
        Decimal("40000.00"),
        Decimal("40000.00"),
    )

    # 5. The enterprise at 2.1 % sees a near miss, with what it lacks.
    sign_in(other, live_server, "yunfan_admin")
    page = other.page
    nav(page, "适合我的政策")
    expect(page.get_by_test_id("policy-for-me-eligible")).to_have_count(0)
    near = page.locator(f"[data-testid='policy-near-miss'][data-policy-id='{policy.pk}']")
    expect(near).to_contain_text(TITLE)
    gaps = near.get_by_test_id("policy-gaps")
    expect(gaps).to_contain_text("2.1%")
    expect(gaps).to_contain_text("3%")
    other.check("policies-other-near-miss")
    near.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("policy-check")).to_have_attribute("data-status", "ineligible")
    other.check("policies-other-detail")
    # Applying anyway: the pre-check says why, and the submission is refused, nothing stored.
    page.get_by_test_id("policy-apply").click()
    expect(page.get_by_test_id("precheck-status")).to_have_attribute("data-status", "ineligible")
    expect(page.get_by_test_id("application-precheck")).to_contain_text("2.1%")
    page.get_by_test_id("application-submit").click()
    expect(page.get_by_test_id("application-form")).to_contain_text(
        "贵企业不符合本政策的申报条件：研发费用占销售收入的比例 2.1%，需 ≥ 3%。"
    )
    assert not Application.objects.filter(enterprise=world["missing"]).exists()
