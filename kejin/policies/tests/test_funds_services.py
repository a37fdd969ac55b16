"""The risk compensation fund's services: the ledger, claims with their formula and caps,
the workflow table, payouts that never overdraw, recoveries pro rata, enrolment pauses,
deadlines over holidays, and denials that change nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory
from kejin.financing.choices import LoanStatus, ProductType
from kejin.financing.tests.factories import LoanFactory
from kejin.notifications.models import Notification
from kejin.policies import services_funds as services
from kejin.policies.choices import ClaimStatus, EnrolmentStatus, FundEntryKind, FundSource
from kejin.policies.claim_workflow import TRANSITIONS, claim_transition_check
from kejin.policies.models import CompensationClaim, CompensationFund, FundEnrolment, FundEntry
from kejin.policies.tests import funds_world as w

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _state(fund):
    """Everything a refusal must leave as it was."""
    fund.refresh_from_db()
    return (
        fund.balance,
        list(FundEntry.objects.order_by("pk").values_list("pk", "kind", "amount", "balance_after")),
        list(
            CompensationClaim.objects.order_by("pk").values_list(
                "pk", "status", "amount_claimed", "amount_approved", "recovered", "returned_to_fund"
            )
        ),
        list(FundEnrolment.objects.order_by("pk").values_list("pk", "status", "npl_ratio")),
        AuditEvent.objects.count(),
    )


def _refused(code, call, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    return caught.value


def _claim(fund, user, loan, **kwargs):
    return services.claim_submit(user=user, fund=fund, loan=loan, **kwargs)


# --- the ledger ---------------------------------------------------------------------------------


def test_a_contribution_raises_the_balance_and_is_entered_with_the_balance_after():
    fund = w.fund(balance="1000000.00")
    officer = UserFactory()  # city officer
    county = w.county()
    entry = services.fund_contribute(
        user=officer,
        fund=fund,
        source=FundSource.COUNTY,
        amount="3000000",
        region=county,
        memo="南湖区2026年度注资",
    )
    fund.refresh_from_db()
    assert fund.balance == Decimal("4000000.00")
    assert (entry.kind, entry.amount, entry.balance_after, entry.region_id) == (
        FundEntryKind.CONTRIBUTION,
        Decimal("3000000"),
        Decimal("4000000.00"),
        county.pk,
    )
    assert AuditEvent.objects.filter(object_type="policies.fundentry").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "0"}, "amount", "金额应大于 0 元且不超过 100 亿元。"),
        ({"amount": "-5"}, "amount", "金额应大于 0 元且不超过 100 亿元。"),
        ({"amount": "1.005"}, "amount", "金额最多保留两位小数（到分）。"),
        ({"amount": "abc"}, "amount", "金额应为数字（元）。"),
        ({"source": "bank"}, "source", None),
        ({"source": FundSource.COUNTY}, "region", "县(市、区)财政注资请选择出资的县(市、区)。"),
        (
            {"source": FundSource.INSTITUTION},
            "institution",
            "机构或借款企业风险准备金请选择所属合作机构。",
        ),
    ],
)
def test_a_bad_contribution_is_refused_with_a_message_and_changes_nothing(data, field, message):
    fund = w.fund()
    before = _state(fund)
    args = {"source": FundSource.CITY, "amount": "100", **data}
    error = _refused("invalid", services.fund_contribute, user=UserFactory(), fund=fund, **args)
    if message:
        assert error.fields[field] == [message]
    else:
        assert field in error.fields
    assert _state(fund) == before


def test_only_city_officers_record_contributions():
    fund = w.fund()
    before = _state(fund)
    for user in (UserFactory(county_officer=True), w.lender()):
        error = _refused(
            "permission_denied",
            services.fund_contribute,
            user=user,
            fund=fund,
            source=FundSource.CITY,
            amount="100",
        )
        assert error.message == "只有市级部门工作人员可以登记资金池注资。"
    assert _state(fund) == before


# --- claims: amount by loan type and tier, caps ---------------------------------------------------


@pytest.mark.parametrize(
    ("product_type", "stage", "expected", "share"),
    [
        (ProductType.CREDIT_LOAN, "startup", "500000.00", "0.5000"),
        (ProductType.CREDIT_LOAN, "growth", "400000.00", "0.4000"),
        (ProductType.IP_PLEDGE, "growth", "600000.00", "0.6000"),
    ],
)
def test_the_claimed_amount_is_the_share_of_loss_by_loan_type_and_tier(
    product_type, stage, expected, share
):
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution, product_type=product_type, stage=stage)
    claim = _claim(fund, user, loan)
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.principal_loss == Decimal("1000000.00")
    assert claim.amount_claimed == Decimal(expected)
    assert claim.share == Decimal(share)
    assert claim.explanation["amount"] == expected
    assert claim.explanation["facts"]["loan.product_type"] == product_type
    assert claim.explanation["facts"]["registry_stage"] == stage
    assert claim.version_id == fund.policy.live_version_id


def test_a_smaller_principal_loss_may_be_stated_but_not_a_larger_one():
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution, amount="2000000.00", outstanding="1200000.00")
    before = _state(fund)
    error = _refused("invalid", _claim, fund, user, loan, principal_loss="1300000")
    assert error.fields == {"principal_loss": ["本金损失不能超过贷款余额 120.00 万元。"]}
    assert _state(fund) == before
    claim = _claim(fund, user, loan, principal_loss="800000")
    assert (claim.principal_loss, claim.amount_claimed) == (
        Decimal("800000"),
        Decimal("400000.00"),
    )


def test_the_cap_per_loan_binds_and_is_explained():
    fund = w.fund(cap_per_loan=Decimal("300000.00"))
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    assert claim.amount_claimed == Decimal("300000.00")
    assert claim.explanation["formula_amount"] == "500000.00"
    assert claim.explanation["capped_by"] == ["cap_per_loan"]


def test_the_cap_per_institution_year_counts_what_was_approved_this_year():
    fund = w.fund(cap_per_institution_year=Decimal("800000.00"))
    user = w.lender()
    first = _claim(fund, user, w.defaulted_loan(user.institution))
    services.claim_approve(user=UserFactory(), claim=first)
    second = _claim(fund, user, w.defaulted_loan(user.institution))
    assert second.amount_claimed == Decimal("300000.00")
    assert second.explanation["capped_by"] == ["cap_per_institution_year"]
    assert second.explanation["institution_year_before"] == "500000.00"
    services.claim_approve(user=UserFactory(), claim=second)
    # The room is used up: a third claim would pay nothing and is refused.
    third = w.defaulted_loan(user.institution)
    before = _state(fund)
    error = _refused("invalid", _claim, fund, user, third)
    assert error.fields == {
        "loan": [
            "按政策测算本笔贷款可获补偿为 0 元（每家机构每年上限 80.00 万元，已享受 80.00 万元，"
            "按上限核减），不能提交申请。"
        ]
    }
    assert _state(fund) == before
    # Another institution has its own room.
    other = w.lender()
    assert _claim(fund, other, w.defaulted_loan(other.institution)).amount_claimed == Decimal(
        "500000.00"
    )


def test_the_institution_year_cap_is_checked_again_at_approval():
    fund = w.fund(cap_per_institution_year=Decimal("800000.00"))
    user = w.lender()
    first = _claim(fund, user, w.defaulted_loan(user.institution))
    second = _claim(fund, user, w.defaulted_loan(user.institution))  # both computed before
    services.claim_approve(user=UserFactory(), claim=first)
    before = _state(fund)
    error = _refused("invalid", services.claim_approve, user=UserFactory(), claim=second)
    assert error.fields == {
        "amount": [
            "本机构本年度补偿上限 80.00 万元，已核准 50.00 万元，本次最多可核准 30.00 万元。"
        ]
    }
    assert _state(fund) == before
    services.claim_approve(user=UserFactory(), claim=second, amount="300000")
    fund.refresh_from_db()
    assert fund.balance == Decimal("9200000.00")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"status": LoanStatus.OVERDUE},
            "该笔贷款当前为“逾期”，只有已违约的贷款可以申请风险补偿。",
        ),
        (
            {"status": LoanStatus.PERFORMING},
            "该笔贷款当前为“正常”，只有已违约的贷款可以申请风险补偿。",
        ),
    ],
)
def test_only_a_defaulted_loan_may_be_claimed_for(kwargs, message):
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution, **kwargs)
    before = _state(fund)
    error = _refused("invalid", _claim, fund, user, loan)
    assert error.fields == {"loan": [message]}
    assert _state(fund) == before


def test_a_loan_to_an_enterprise_off_the_tech_list_or_outside_a_county_fund_is_refused():
    user = w.lender()
    off_list = w.defaulted_loan(
        user.institution, enterprise=w.tech_enterprise(on_list=False, stage=None)
    )
    fund = w.fund()
    error = _refused("invalid", _claim, fund, user, off_list)
    assert error.fields == {"loan": ["借款企业不在科技企业名单库中，其贷款不属于风险补偿范围。"]}
    elsewhere = RegionFactory(code="330411", name="秀洲区")
    county_fund = w.fund(region=elsewhere)
    loan = w.defaulted_loan(user.institution)
    before = _state(county_fund)
    error = _refused("invalid", _claim, county_fund, user, loan)
    assert error.fields == {
        "loan": ["借款企业不在本资金池所属的秀洲区，请向企业所在地的资金池申请。"]
    }
    assert _state(county_fund) == before
    # A county fund takes its own county's borrowers; a city fund any county's.
    assert _claim(w.fund(region=w.county()), user, loan).status == ClaimStatus.SUBMITTED


def test_a_second_claim_for_the_same_loan_is_refused_naming_the_first_and_changes_nothing():
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution)
    first = _claim(fund, user, loan)
    before = _state(fund)
    error = _refused("claim_duplicate", _claim, fund, user, loan)
    assert error.status == 409
    assert error.message == (
        f"贷款（合同编号 {loan.contract_number}）已有风险补偿申请（申请编号 {first.pk}，"
        "状态：已提交），同一笔贷款只能申请一次补偿。"
    )
    assert _state(fund) == before
    # Also from another fund, and after approval (status named).
    services.claim_approve(user=UserFactory(), claim=first)
    error = _refused("claim_duplicate", _claim, w.fund(), user, loan)
    assert "状态：已核准并代偿" in error.message
    # A withdrawn claim frees the loan.
    loan2 = w.defaulted_loan(user.institution)
    services.claim_withdraw(user=user, claim=_claim(fund, user, loan2))
    assert _claim(fund, user, loan2).status == ClaimStatus.SUBMITTED


def test_the_unique_constraint_backs_the_duplicate_check(monkeypatch):
    """A second claim whose check ran before the first was stored (a race): the database
    refuses it and the lender still gets the 409 naming the first claim."""
    fund = w.fund()
    user = w.lender()
    loan = w.defaulted_loan(user.institution)
    first = _claim(fund, user, loan)
    original = services._live_claim
    calls = []

    def missed_once(loan_id, exclude_pk=None):
        calls.append(loan_id)
        return None if len(calls) == 1 else original(loan_id, exclude_pk=exclude_pk)

    monkeypatch.setattr(services, "_live_claim", missed_once)
    error = _refused("claim_duplicate", _claim, fund, user, loan)
    assert f"申请编号 {first.pk}" in error.message
    assert len(calls) == 2  # the check, then the lookup after the IntegrityError
    assert list(CompensationClaim.objects.filter(loan=loan).values_list("pk", flat=True)) == [
        first.pk
    ]


def test_only_the_loans_lender_may_claim():
    fund = w.fund()
    owner = w.lender()
    loan = w.defaulted_loan(owner.institution)
    before = _state(fund)
    for user in (w.lender(), UserFactory(), UserFactory(enterprise_admin=True)):
        error = _refused("permission_denied", _claim, fund, user, loan)
        assert error.message == "只有合作银行可以为本机构的不良贷款申请风险补偿。"
    assert _state(fund) == before


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_pauses_above_the_pooled_npl_threshold_and_claims_are_refused():
    fund = w.fund()
    user = w.lender(book=None)
    loan = w.defaulted_loan(user.institution, amount="400000.00")
    # 400,000 bad of 10,400,000 outstanding = 3.846 % > 3 %.
    LoanFactory(institution=user.institution, amount=Decimal("10000000.00"))
    before_claims = CompensationClaim.objects.count()
    error = _refused("enrolment_paused", _claim, fund, user, loan)
    assert error.status == 409
    assert error.message == (
        "本机构在该资金池的入池贷款不良率为 3.846%，高于 3% 的暂停线，入池已暂停，"
        "暂不能申请风险补偿。不良率回落后可重新申请。"
    )
    assert CompensationClaim.objects.count() == before_claims
    enrolment = FundEnrolment.objects.get(fund=fund, institution=user.institution)
    assert (enrolment.status, enrolment.npl_ratio) == (EnrolmentStatus.PAUSED, Decimal("3.846"))
    # More performing loans bring the ratio under the line: the next check reactivates.
    LoanFactory(institution=user.institution, amount=Decimal("5000000.00"))
    enrolment = services.fund_enrolment_recheck(
        user=UserFactory(), fund=fund, institution=user.institution
    )
    assert (enrolment.status, enrolment.npl_ratio) == (EnrolmentStatus.ACTIVE, Decimal("2.597"))
    assert _claim(fund, user, loan).status == ClaimStatus.SUBMITTED


def test_the_pause_threshold_is_the_versions_parameter():
    fund = w.fund()
    version = fund.policy.live_version
    version.parameters = {**version.parameters, "npl_pause_ratio": {"value": 5}}
    version.save()
    user = w.lender(book=None)
    loan = w.defaulted_loan(user.institution, amount="400000.00")
    LoanFactory(institution=user.institution, amount=Decimal("10000000.00"))
    assert _claim(fund, user, loan).status == ClaimStatus.SUBMITTED
    enrolment = FundEnrolment.objects.get(fund=fund, institution=user.institution)
    assert enrolment.status == EnrolmentStatus.ACTIVE


# --- deadline ------------------------------------------------------------------------------------


def test_the_review_is_due_fifteen_working_days_later_across_national_day(monkeypatch):
    moment = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    fund = w.fund()
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    # 10-01..10-07 off, 10-10 (Sat) worked: the 15th working day after 09-30 is 10-27.
    assert claim.due_on == datetime.date(2026, 10, 27)


# --- decisions -----------------------------------------------------------------------------------


def test_approval_pays_out_of_the_fund_in_the_same_transaction():
    fund = w.fund(balance="1000000.00")
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    officer = UserFactory()
    claim = services.claim_approve(user=officer, claim=claim, amount="450000", comment="同意")
    fund.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.amount_approved == Decimal("450000")
    assert fund.balance == Decimal("550000.00")
    payout = FundEntry.objects.get(kind=FundEntryKind.PAYOUT)
    assert (payout.amount, payout.balance_after, payout.claim_id) == (
        Decimal("450000.00"),
        Decimal("550000.00"),
        claim.pk,
    )


def test_an_approval_the_balance_cannot_cover_is_refused_and_changes_nothing():
    fund = w.fund(balance="400000.00")
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    before = _state(fund)
    error = _refused("fund_insufficient", services.claim_approve, user=UserFactory(), claim=claim)
    assert error.status == 409
    assert error.message == (
        f"资金池“{fund.name}”可用余额为 40.00 万元，不足以支付本笔补偿 50.00 万元，"
        "未作任何变更。请待注资后再核准。"
    )
    assert _state(fund) == before
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_approving_more_than_claimed_is_refused():
    fund = w.fund()
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    before = _state(fund)
    error = _refused(
        "invalid", services.claim_approve, user=UserFactory(), claim=claim, amount="500000.01"
    )
    assert error.fields == {"amount": ["核准金额不能超过测算补偿金额 50.00 万元。"]}
    assert _state(fund) == before


def test_a_claim_above_the_manual_review_line_needs_a_city_officer():
    fund = w.fund(balance="50000000.00")
    user = w.lender()
    loan = w.defaulted_loan(user.institution, amount="12000000.00")  # 50 % → 600万
    claim = _claim(fund, user, loan)
    county_officer = UserFactory(county_officer=True, county=w.county())
    before = _state(fund)
    error = _refused("permission_denied", services.claim_approve, user=county_officer, claim=claim)
    assert error.message == "补偿金额超过 500.00 万元，须由市级部门工作人员审核。"
    # Approving less than the line does not make it a county matter.
    error = _refused(
        "permission_denied",
        services.claim_approve,
        user=county_officer,
        claim=claim,
        amount="4000000",
    )
    assert _state(fund) == before
    services.claim_approve(user=UserFactory(), claim=claim)
    assert CompensationClaim.objects.get(pk=claim.pk).amount_approved == Decimal("6000000.00")


def test_county_officers_decide_only_their_countys_claims():
    fund = w.fund()
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    other = UserFactory(county_officer=True, county=RegionFactory(code="330411", name="秀洲区"))
    before = _state(fund)
    for call, kwargs in (
        (services.claim_approve, {}),
        (services.claim_return, {"comment": "补充"}),
        (services.claim_reject, {"reason": "other", "text": "不符合"}),
    ):
        for actor in (other, user):
            error = _refused("permission_denied", call, user=actor, claim=claim, **kwargs)
            assert error.message == "只有政府部门工作人员可以审核风险补偿申请。"
    assert _state(fund) == before
    own = UserFactory(county_officer=True, county=w.county())
    assert services.claim_approve(user=own, claim=claim).status == ClaimStatus.APPROVED


def test_reviewers_are_told_of_a_claim_and_the_lender_of_the_decision(
    django_capture_on_commit_callbacks,
):
    fund = w.fund()
    user = w.lender()
    city = UserFactory()
    county = UserFactory(county_officer=True, county=w.county())
    elsewhere = UserFactory(county_officer=True, county=RegionFactory(code="330411", name="秀洲区"))
    with django_capture_on_commit_callbacks(execute=True):
        claim = _claim(fund, user, w.defaulted_loan(user.institution))
    assert set(
        Notification.objects.filter(kind="claim_submitted").values_list("recipient", flat=True)
    ) == {city.pk, county.pk}
    assert not Notification.objects.filter(recipient=elsewhere).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_approve(user=city, claim=claim)
    approved = Notification.objects.get(kind="claim_approved")
    assert approved.recipient_id == user.pk
    assert approved.body == (
        f"贷款 {claim.loan.contract_number} 的风险补偿已核准 50.00 万元，资金已从资金池拨付。"
    )


def test_return_resubmit_reject_and_withdraw_follow_the_table():
    fund = w.fund()
    user = w.lender()
    officer = UserFactory()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    error = _refused("invalid", services.claim_return, user=officer, claim=claim, comment=" ")
    assert error.fields == {"comment": ["此项必填。"]}
    claim = services.claim_return(user=officer, claim=claim, comment="请补充法院判决书")
    assert (claim.status, claim.officer_comment) == (ClaimStatus.RETURNED, "请补充法院判决书")
    before = _state(fund)
    error = _refused("claim_state_conflict", services.claim_approve, user=officer, claim=claim)
    assert error.message == "该补偿申请当前为“退回补充材料”状态，不能核准并代偿。"
    assert _state(fund) == before
    claim = services.claim_resubmit(user=user, claim=claim, principal_loss="600000")
    assert (claim.status, claim.amount_claimed) == (ClaimStatus.SUBMITTED, Decimal("300000.00"))
    error = _refused(
        "invalid", services.claim_reject, user=officer, claim=claim, reason="x", text=""
    )
    assert set(error.fields) == {"reason", "text"}
    claim = services.claim_reject(
        user=officer, claim=claim, reason="not_eligible", text="贷款用途不符"
    )
    assert (claim.status, claim.reject_reason) == (ClaimStatus.REJECTED, "not_eligible")
    error = _refused("claim_state_conflict", services.claim_withdraw, user=user, claim=claim)
    assert error.message == "该补偿申请当前为“未通过”状态，不能撤回。"


def test_the_workflow_table():
    assert {a: sorted(s) for a, (s, _t) in TRANSITIONS.items()} == {
        "approve": ["submitted"],
        "return": ["submitted"],
        "resubmit": ["returned"],
        "reject": ["submitted"],
        "withdraw": ["returned", "submitted"],
        "recover": ["approved"],
    }
    assert claim_transition_check(action="approve", state="submitted") == "approved"
    for state in ("approved", "returned", "rejected", "withdrawn"):
        with pytest.raises(ApplicationError) as caught:
            claim_transition_check(action="approve", state=state)
        assert caught.value.code == "claim_state_conflict"


# --- recoveries ----------------------------------------------------------------------------------


def test_recoveries_flow_back_pro_rata_and_never_beyond_the_payout():
    fund = w.fund(balance="1000000.00")
    user = w.lender()
    loan = w.defaulted_loan(user.institution, amount="300000.00")  # loss 30万, claimed 15万
    claim = _claim(fund, user, loan)
    claim = services.claim_approve(user=UserFactory(), claim=claim, amount="100000")
    # The fund paid 100,000 of a 300,000 loss: one third of each recovery comes back.
    claim = services.claim_recover(user=user, claim=claim, amount="100000")
    assert (claim.recovered, claim.returned_to_fund) == (Decimal("100000"), Decimal("33333.33"))
    claim = services.claim_recover(user=user, claim=claim, amount="0.02")
    # Cumulative: 100,000.02 × 1/3 = 33,333.34 (half-up), so 0.01 more.
    assert claim.returned_to_fund == Decimal("33333.34")
    fund.refresh_from_db()
    assert fund.balance == Decimal("900000.00") + Decimal("33333.34")
    entries = list(FundEntry.objects.filter(kind=FundEntryKind.RECOVERY).order_by("pk"))
    assert [(e.amount, e.balance_after) for e in entries] == [
        (Decimal("33333.33"), Decimal("933333.33")),
        (Decimal("0.01"), Decimal("933333.34")),
    ]
    before = _state(fund)
    error = _refused("invalid", services.claim_recover, user=user, claim=claim, amount="200000")
    assert error.fields == {
        "amount": [
            "累计追偿回收不能超过本金损失 30.00 万元；已回收 10.00 万元，本次最多 20.00 万元。"
        ]
    }
    assert _state(fund) == before
    claim = services.claim_recover(user=user, claim=claim, amount="199999.98")
    assert (claim.recovered, claim.returned_to_fund) == (Decimal("300000.00"), Decimal("100000.00"))
    fund.refresh_from_db()
    assert fund.balance == Decimal("1000000.00")


def test_a_recovery_only_by_the_lender_and_only_after_payout():
    fund = w.fund()
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    before = _state(fund)
    error = _refused(
        "claim_state_conflict", services.claim_recover, user=user, claim=claim, amount="1"
    )
    assert error.message == "该补偿申请当前为“已提交”状态，不能登记追偿回收。"
    services.claim_approve(user=UserFactory(), claim=claim)
    before = _state(fund)
    error = _refused(
        "permission_denied", services.claim_recover, user=w.lender(), claim=claim, amount="1"
    )
    assert _state(fund) == before


def test_ledger_balances_after_are_a_running_sum():
    fund = w.fund(balance="0.00")
    officer = UserFactory()
    services.fund_contribute(user=officer, fund=fund, source=FundSource.CITY, amount="2000000")
    user = w.lender()
    claim = _claim(fund, user, w.defaulted_loan(user.institution))
    services.claim_approve(user=officer, claim=claim)
    services.claim_recover(user=user, claim=claim, amount="100000")
    running = Decimal(0)
    for entry in FundEntry.objects.filter(fund=fund).order_by("pk"):
        running += entry.amount if entry.kind != FundEntryKind.PAYOUT else -entry.amount
        assert entry.balance_after == running
    assert CompensationFund.objects.get(pk=fund.pk).balance == running == Decimal("1550000.00")
