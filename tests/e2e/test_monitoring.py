"""Process monitoring and the inbox in a real browser: the officer's page draws its charts
(vendored ECharts under the CSP), lists the overdue demand and the scoreboard; the navbar
badge counts the unread overdue alert and the inbox marks it read."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.choices import DemandStatus
from kejin.financing.models import DemandRoute
from kejin.financing.sla import demands_overdue_scan
from kejin.financing.tests.factories import DemandFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_officer_sees_charts_overdue_list_scoreboard_and_the_alert(page, live_server, check_page):
    nanhu = RegionFactory(code="330402", name="南湖区", level="county")
    officer = UserFactory(county_officer=True, county=nanhu, full_name="李明")
    bank = InstitutionFactory(name="嘉兴银行科技支行", county=nanhu)
    long_ago = timezone.now() - datetime.timedelta(days=60)
    late = DemandFactory(
        enterprise=EnterpriseFactory(county=nanhu, name="嘉兴星河智能科技有限公司"),
        status=DemandStatus.UNDER_REVIEW,
        institution=bank,
        submitted_at=long_ago,
        routed_at=long_ago,
        claimed_at=long_ago,
        contacted_at=long_ago,
        review_started_at=long_ago,
        approved_amount=Decimal("0"),
    )
    DemandRoute.objects.create(
        demand=late, institution=bank, rank=1, score=Decimal("80"), routed_at=long_ago
    )
    demands_overdue_scan()  # decision overdue: flagged, escalated, the officer alerted

    sign_in(page, live_server, officer)
    page.goto(live_server.url + "/financing/monitoring/")

    overdue = page.get_by_test_id("overdue-list")
    assert late.number in overdue.get_by_test_id("overdue-row").first.inner_text()
    assert "审批决定" in overdue.inner_text()
    board = page.get_by_test_id("scoreboard").get_by_test_id("scoreboard-row")
    assert board.count() == 1 and "嘉兴银行科技支行" in board.first.inner_text()
    page.locator("#chart-funnel[data-chart-ready='true']").wait_for()
    badge = page.get_by_test_id("unread-badge")
    badge.wait_for()
    assert badge.inner_text() == "1"
    check_page("officer-financing-monitoring")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("inbox-link").click()
    note = page.get_by_test_id("notification").first
    assert f"需求 {late.number} “审批决定”已逾期" in note.inner_text()
    note.get_by_role("button", name="查看").click()  # opens the demand, marking it read
    page.get_by_test_id("demand-timeline").wait_for()
    assert late.number in page.locator("h1").inner_text()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("unread-badge").count() == 0
    check_page("officer-inbox")
