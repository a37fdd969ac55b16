"""The fund's report: contributions, claims (count, claimed, approved), payouts and
recoveries by institution, county and year, totals equal to the ledger, and the balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.tests.factories import RegionFactory
from kejin.policies import services_funds as services
from kejin.policies.choices import FundSource
from kejin.policies.reports_funds import fund_report
from kejin.policies.tests import funds_world as w

pytestmark = pytest.mark.django_db


def test_the_report_groups_by_institution_county_and_year():
    officer = UserFactory()
    fund = w.fund(balance="0.00")
    nanhu = w.county()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    a, b = w.lender(), w.lender()
    services.fund_contribute(user=officer, fund=fund, source=FundSource.CITY, amount="6000000")
    services.fund_contribute(
        user=officer, fund=fund, source=FundSource.COUNTY, amount="3000000", region=nanhu
    )
    services.fund_contribute(
        user=officer,
        fund=fund,
        source=FundSource.INSTITUTION,
        amount="1000000",
        institution=a.institution,
    )
    paid = services.claim_submit(user=a, fund=fund, loan=w.defaulted_loan(a.institution))
    services.claim_approve(user=officer, claim=paid, amount="400000")
    services.claim_recover(user=a, claim=paid, amount="250000")  # 250,000 × 0.4 = 100,000 back
    loan_b = w.defaulted_loan(
        b.institution, enterprise=w.tech_enterprise(stage="growth", region=xiuzhou)
    )
    pending = services.claim_submit(user=b, fund=fund, loan=loan_b)  # 40 % of 100万
    withdrawn = services.claim_submit(user=b, fund=fund, loan=w.defaulted_loan(b.institution))
    services.claim_withdraw(user=b, claim=withdrawn)

    report = fund_report(user=officer, fund=fund)

    institutions = {row["key"]: row for row in report.by_institution}
    assert institutions[a.institution_id] == {
        "key": a.institution_id,
        "label": a.institution.name,
        "contributions": Decimal("1000000"),
        "claims": 1,
        "claimed": Decimal("500000"),
        "approved": Decimal("400000"),
        "payouts": Decimal("400000"),
        "recoveries": Decimal("100000"),
    }
    assert (
        institutions[b.institution_id]["claims"],
        institutions[b.institution_id]["claimed"],
    ) == (
        1,
        pending.amount_claimed,
    )
    counties = {row["label"]: row for row in report.by_county}
    assert counties["南湖区"]["contributions"] == Decimal("3000000")
    assert counties["南湖区"]["payouts"] == Decimal("400000")
    assert counties["南湖区"]["recoveries"] == Decimal("100000")
    assert (counties["秀洲区"]["claims"], counties["秀洲区"]["claimed"]) == (1, Decimal("400000"))
    [year] = report.by_year
    assert year["key"] == 2026
    assert report.totals == {
        "contributions": Decimal("10000000"),
        "claims": 2,
        "claimed": Decimal("900000"),
        "approved": Decimal("400000"),
        "payouts": Decimal("400000"),
        "recoveries": Decimal("100000"),
    }
    assert (
        report.balance
        == Decimal("9700000.00")
        == (report.totals["contributions"] - report.totals["payouts"] + report.totals["recoveries"])
    )
    assert report.as_dict()["balance"] == "9700000.00"


def test_the_report_is_the_officers():
    fund = w.fund()
    with pytest.raises(ApplicationError) as caught:
        fund_report(user=w.lender(), fund=fund)
    assert caught.value.code == "permission_denied"
