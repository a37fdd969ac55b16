"""The risk compensation fund's pages: the fund list and ledger, contributions, the claim
form limited to the lender's defaulted loans, the queue with overdue flags, a claim's
actions, and the report with its audited CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import AuditEvent
from kejin.financing.choices import LoanStatus
from kejin.policies import services_funds as services
from kejin.policies.choices import ClaimStatus
from kejin.policies.models import CompensationClaim, CompensationFund, FundEntry
from kejin.policies.tests import funds_world as w

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    """Every start tag's attributes, with the name of the ``select`` it sits in."""

    def __init__(self):
        super().__init__()
        self.elements: list[dict] = []
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "select":
            self.select = attrs.get("name")
        self.elements.append({"tag": tag, "in_select": self.select, **attrs})

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def _elements(response) -> list[dict]:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser.elements


def _testids(response, name):
    return [e for e in _elements(response) if e.get("data-testid") == name]


def _options(response, select):
    return [
        e["value"] for e in _elements(response) if e["tag"] == "option" and e["in_select"] == select
    ]


def test_officers_see_the_ledger_and_city_officers_contribute(client):
    fund = w.fund(balance="0.00")
    client.force_login(UserFactory())
    listed = client.get(reverse("policies:fund_list"))
    assert [row["data-fund-id"] for row in _testids(listed, "fund-row")] == [str(fund.pk)]
    response = client.post(
        reverse("policies:fund_contribute", args=[fund.pk]),
        {"source": "city", "amount": "20000000", "memo": "市级财政首期"},
    )
    assert response.status_code == 302
    page = client.get(reverse("policies:fund_detail", args=[fund.pk]))
    assert _testids(page, "fund-balance")[0]["data-amount"] == "20000000.00"
    rows = _testids(page, "ledger-row")
    assert [(r["data-kind"], r["data-balance-after"]) for r in rows] == [
        ("contribution", "20000000.00")
    ]
    assert _testids(page, "contribution-form")
    client.post(
        reverse("policies:fund_contribute", args=[fund.pk]),
        {"source": "county", "amount": "5000000", "region": w.county().pk},
    )
    page = client.get(reverse("policies:fund_detail", args=[fund.pk]))
    assert [r["data-balance-after"] for r in _testids(page, "ledger-row")] == [
        "25000000.00",
        "20000000.00",
    ]  # newest first
    bad = client.post(
        reverse("policies:fund_contribute", args=[fund.pk]), {"source": "city", "amount": "0"}
    )
    assert bad.status_code == 400
    assert "金额应大于 0 元且不超过 100 亿元。" in bad.content.decode()
    assert FundEntry.objects.count() == 2


def test_a_lender_sees_the_balance_but_not_the_ledger(client):
    fund = w.fund()
    client.force_login(w.lender())
    page = client.get(reverse("policies:fund_detail", args=[fund.pk]))
    assert page.status_code == 200
    assert _testids(page, "fund-balance")
    assert not _testids(page, "ledger") and not _testids(page, "contribution-form")
    before = CompensationFund.objects.get(pk=fund.pk).balance
    denied = client.post(
        reverse("policies:fund_contribute", args=[fund.pk]), {"source": "city", "amount": "1"}
    )
    assert denied.status_code == 403
    assert CompensationFund.objects.get(pk=fund.pk).balance == before
    client.force_login(UserFactory(enterprise_admin=True))
    assert client.get(reverse("policies:fund_detail", args=[fund.pk])).status_code == 404


def test_the_claim_form_offers_the_lenders_own_defaulted_unclaimed_loans(client):
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution)
    claimed = w.defaulted_loan(user.institution)
    services.claim_submit(user=user, fund=fund, loan=claimed)
    w.defaulted_loan(user.institution, status=LoanStatus.OVERDUE)
    w.defaulted_loan(w.lender().institution)  # another lender's
    client.force_login(user)
    page = client.get(reverse("policies:fund_claim_create"))
    assert _options(page, "loan") == [str(loan.pk)]
    response = client.post(
        reverse("policies:fund_claim_create"), {"fund": fund.pk, "loan": loan.pk}
    )
    assert response.status_code == 302
    claim = CompensationClaim.objects.get(loan=loan)
    assert response["Location"] == reverse("policies:fund_claim_detail", args=[claim.pk])
    detail = client.get(response["Location"])
    assert _testids(detail, "claim-status")[0]["data-status"] == "submitted"
    assert _testids(detail, "claim-amount")[0]["data-amount"] == "500000.00"
    assert _testids(detail, "claim-withdraw")


def test_a_second_claim_through_the_form_shows_the_message_and_stores_nothing(client):
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution)
    first = services.claim_submit(user=user, fund=fund, loan=loan)
    client.force_login(user)
    form = client.get(reverse("policies:fund_claim_create"))
    assert form.status_code == 200
    assert _options(form, "loan") == []  # no longer offered
    # A form opened before the first claim was made, posted now: the service's refusal.
    response = client.post(
        reverse("policies:fund_claim_create"), {"fund": fund.pk, "loan": loan.pk}
    )
    assert response.status_code == 409
    assert (
        f"已有风险补偿申请（申请编号 {first.pk}，状态：已提交），同一笔贷款只能申请一次补偿。"
        in response.content.decode()
    )
    assert CompensationClaim.objects.filter(loan=loan).count() == 1


def test_the_queue_flags_overdue_reviews_and_officers_approve_on_the_claims_page(client):
    fund = w.fund(balance="600000.00")
    user = w.lender()
    late = services.claim_submit(user=user, fund=fund, loan=w.defaulted_loan(user.institution))
    fresh = services.claim_submit(user=user, fund=fund, loan=w.defaulted_loan(user.institution))
    CompensationClaim.objects.filter(pk=late.pk).update(due_on="2026-01-05")
    client.force_login(UserFactory())
    queue = client.get(reverse("policies:fund_claim_list"))
    flagged = {r["data-claim-id"] for r in _testids(queue, "claim-row") if r.get("data-overdue")}
    assert flagged == {str(late.pk)}
    detail = client.get(reverse("policies:fund_claim_detail", args=[late.pk]))
    assert _testids(detail, "claim-overdue")
    assert _testids(detail, "claim-approve") and _testids(detail, "claim-reject")
    approve = reverse("policies:fund_claim_action", args=[late.pk, "approve"])
    assert client.post(approve, {"amount": "", "comment": "同意"}).status_code == 302
    late.refresh_from_db()
    assert late.status == ClaimStatus.APPROVED
    # The balance (10万 left) cannot pay the next: the message, nothing changed.
    response = client.post(
        reverse("policies:fund_claim_action", args=[fresh.pk, "approve"]), {}, follow=True
    )
    assert "不足以支付本笔补偿 50.00 万元" in response.content.decode()
    fresh.refresh_from_db()
    assert fresh.status == ClaimStatus.SUBMITTED
    assert CompensationFund.objects.get(pk=fund.pk).balance == Decimal("100000.00")


def test_the_report_page_and_its_csv_export_is_audited(client):
    fund = w.fund()
    user = w.lender()
    claim = services.claim_submit(user=user, fund=fund, loan=w.defaulted_loan(user.institution))
    services.claim_approve(user=UserFactory(), claim=claim)
    client.force_login(UserFactory())
    page = client.get(reverse("policies:fund_report", args=[fund.pk]))
    assert _testids(page, "report-balance")[0]["data-amount"] == "9500000.00"
    rows = [r for r in _testids(page, "report-row") if r["data-key"] == str(user.institution_id)]
    assert [(r["data-claims"], r["data-payouts"]) for r in rows][:1] == [("1", "500000.00")]
    before = AuditEvent.objects.filter(action="read_sensitive").count()
    export = client.get(reverse("policies:fund_report_csv", args=[fund.pk]))
    assert export.status_code == 200
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["维度", "名称", "注资(元)"]
    assert lines[1][0] == "机构" and lines[1][1] == user.institution.name
    assert lines[-1] == ["当前余额", "", "9500000.00", "", "", "", "", ""]
    assert AuditEvent.objects.filter(action="read_sensitive").count() == before + 1
    client.force_login(user)
    assert client.get(reverse("policies:fund_report_csv", args=[fund.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="read_sensitive").count() == before + 1
