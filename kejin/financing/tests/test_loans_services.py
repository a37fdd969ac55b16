"""Loan services: a disbursed demand becomes a loan; repayments and status changes, their
history and audit; every refusal changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.financing.choices import (
    CollateralKind,
    DemandStatus,
    GuaranteeStatus,
    LoanChannel,
    LoanStatus,
    PledgeType,
    ProductType,
)
from kejin.financing.models import DemandCollateral, Loan, LoanRepayment, LoanStatusEvent
from kejin.financing.services_loans import (
    LOAN_MOVES,
    add_months,
    loan_create_for_demand,
    loan_repayment_record,
    loan_status_change,
)
from kejin.financing.tests.factories import DemandFactory, LoanFactory, ProductFactory
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def lender_of(loan_or_demand):
    return UserFactory(institution_officer=True, institution=loan_or_demand.institution)


def state(loan: Loan) -> tuple:
    """Everything a refusal must leave as it was."""
    loan.refresh_from_db()
    return (
        loan.status,
        loan.status_since,
        loan.outstanding,
        LoanRepayment.objects.filter(loan=loan).count(),
        LoanStatusEvent.objects.filter(loan=loan).count(),
        AuditEvent.objects.count(),
    )


def approved_demand(**kwargs):
    institution = kwargs.pop("institution", None) or InstitutionFactory()
    product = ProductFactory(
        institution=institution,
        published=True,
        product_type=kwargs.pop("product_type", ProductType.IP_PLEDGE),
    )
    defaults = {
        "status": DemandStatus.DISBURSED,
        "institution": institution,
        "product": product,
        "approved_amount": Decimal("800000.00"),
        "approved_rate": Decimal("3.850"),
        "term_months": 24,
        "disbursed_at": datetime.datetime(2026, 1, 31, 10, 0, tzinfo=datetime.UTC),
    }
    defaults.update(kwargs)
    return DemandFactory(**defaults)


def test_a_disbursed_ip_pledge_demand_becomes_a_loan_with_its_patent_numbers():
    demand = approved_demand()
    DemandCollateral.objects.create(
        demand=demand, kind=CollateralKind.PATENT, number="ZL202310123456.7"
    )
    DemandCollateral.objects.create(
        demand=demand, kind=CollateralKind.EQUIPMENT, description="机床"
    )
    actor = lender_of(demand)

    loan = loan_create_for_demand(demand=demand, actor=actor)

    assert (loan.amount, loan.rate, loan.term_months) == (
        Decimal("800000.00"),
        Decimal("3.850"),
        24,
    )
    assert loan.product_type == ProductType.IP_PLEDGE
    assert (loan.pledge_type, loan.pledge_numbers) == (PledgeType.IP, ["ZL202310123456.7"])
    assert loan.disbursed_on == datetime.date(2026, 1, 31)
    assert loan.maturity_on == datetime.date(2028, 1, 31)
    assert (loan.status, loan.outstanding) == (LoanStatus.PERFORMING, Decimal("800000.00"))
    assert loan.contract_number == f"HT{demand.number}"
    assert (loan.enterprise_id, loan.institution_id, loan.county_id) == (
        demand.enterprise_id,
        demand.institution_id,
        demand.county_id,
    )
    event = LoanStatusEvent.objects.get(loan=loan)
    assert (event.from_status, event.to_status, event.channel, event.actor) == (
        "",
        LoanStatus.PERFORMING,
        LoanChannel.DEMAND,
        actor,
    )
    audit = AuditEvent.objects.get(object_type="financing.loan", object_id=str(loan.pk))
    assert audit.action == "create" and audit.after["amount"] == "800000.00"


def test_a_granted_guarantee_makes_a_guaranteed_loan_with_its_guarantor():
    guarantor = InstitutionFactory()
    demand = approved_demand(
        product_type=ProductType.CREDIT_LOAN,
        guarantee_status=GuaranteeStatus.GRANTED,
        guarantor=guarantor,
    )
    loan = loan_create_for_demand(demand=demand, actor=lender_of(demand), contract_number="JX-001")
    assert (loan.pledge_type, loan.guarantor, loan.contract_number) == (
        PledgeType.GUARANTEE,
        guarantor,
        "JX-001",
    )


@pytest.mark.parametrize(
    "status", [DemandStatus.SUBMITTED, DemandStatus.UNDER_REVIEW, DemandStatus.REJECTED]
)
def test_a_demand_not_approved_or_disbursed_is_refused_with_409(status):
    demand = approved_demand(status=status)
    with pytest.raises(ApplicationError) as refused:
        loan_create_for_demand(demand=demand, actor=lender_of(demand))
    assert (refused.value.status, refused.value.code) == (409, "loan_state_conflict")
    label = DemandStatus(status).label
    assert refused.value.message == f"需求当前为“{label}”状态，不能生成贷款。"
    assert not Loan.objects.exists() and not AuditEvent.objects.exists()


def test_a_second_loan_for_a_demand_is_refused_and_another_institution_is_forbidden():
    demand = approved_demand()
    loan = loan_create_for_demand(demand=demand, actor=lender_of(demand))
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as again:
        loan_create_for_demand(demand=demand, actor=lender_of(demand))
    assert (again.value.status, again.value.message) == (
        409,
        f"该需求已生成贷款（合同编号 {loan.contract_number}）。",
    )
    stranger = UserFactory(institution_officer=True, institution=InstitutionFactory())
    with pytest.raises(ApplicationError) as forbidden:
        loan_create_for_demand(demand=demand, actor=stranger)
    assert (forbidden.value.status, forbidden.value.message) == (
        403,
        "只有认领该需求的贷款机构可以登记放款。",
    )
    assert Loan.objects.count() == 1 and AuditEvent.objects.count() == events


def test_a_repayment_lowers_the_outstanding_and_the_last_one_settles_the_loan():
    loan = LoanFactory(amount=Decimal("300000.00"), outstanding=Decimal("300000.00"))
    actor = lender_of(loan)

    loan_repayment_record(
        loan=loan,
        actor=actor,
        paid_on=datetime.date(2026, 4, 2),
        principal=Decimal("100000"),
        interest=Decimal("1050.5"),
    )
    loan.refresh_from_db()
    assert (loan.outstanding, loan.status) == (Decimal("200000.00"), LoanStatus.PERFORMING)

    loan_repayment_record(
        loan=loan, actor=actor, paid_on=datetime.date(2026, 5, 6), principal=Decimal("200000")
    )
    loan.refresh_from_db()
    assert (loan.outstanding, loan.status, loan.status_since) == (
        Decimal("0.00"),
        LoanStatus.REPAID,
        datetime.date(2026, 5, 6),
    )
    assert list(
        LoanRepayment.objects.filter(loan=loan).values_list("principal", "interest", "recorded_by")
    ) == [
        (Decimal("100000.00"), Decimal("1050.50"), actor.pk),
        (Decimal("200000.00"), Decimal("0.00"), actor.pk),
    ]
    assert list(
        LoanStatusEvent.objects.filter(loan=loan).values_list("from_status", "to_status")
    ) == [(LoanStatus.PERFORMING, LoanStatus.REPAID)]
    updates = AuditEvent.objects.filter(object_type="financing.loan", action="update")
    assert [e.after["outstanding"] for e in updates.order_by("id")] == ["200000.00", "0.00"]

    # A settled loan takes no more repayments (409), and nothing changes.
    before = state(loan)
    with pytest.raises(ApplicationError) as refused:
        loan_repayment_record(loan=loan, actor=actor, paid_on=TODAY, principal=Decimal("1"))
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        409,
        "loan_state_conflict",
        "该贷款已结清，不能再登记还款。",
    )
    assert state(loan) == before


def test_bad_repayments_are_refused_field_by_field_and_change_nothing():
    loan = LoanFactory(amount=Decimal("300000.00"), outstanding=Decimal("50000.00"))
    actor = lender_of(loan)
    before = state(loan)
    with pytest.raises(ApplicationError) as too_much:
        loan_repayment_record(
            loan=loan, actor=actor, paid_on=datetime.date(2026, 2, 1), principal=Decimal("60000")
        )
    assert too_much.value.status == 400
    assert too_much.value.fields == {
        "principal": ["归还本金超过贷款余额（50,000.00 元）。"],
        "paid_on": ["日期早于该贷款的放款日期（2026-03-02）。"],
    }
    with pytest.raises(ApplicationError) as nothing:
        loan_repayment_record(loan=loan, actor=actor, paid_on=TODAY, principal=Decimal("0"))
    assert nothing.value.fields == {"principal": ["请填写归还本金或支付利息（至少一项大于0）。"]}
    stranger = UserFactory(institution_officer=True, institution=InstitutionFactory())
    with pytest.raises(ApplicationError) as forbidden:
        loan_repayment_record(loan=loan, actor=stranger, paid_on=TODAY, principal=Decimal("1"))
    assert (forbidden.value.status, forbidden.value.message) == (
        403,
        "只有贷款机构可以更新贷款和还款信息。",
    )
    assert state(loan) == before


def test_status_moves_follow_the_table_and_each_is_history_and_audit():
    loan = LoanFactory()
    actor = lender_of(loan)
    loan_status_change(
        loan=loan, actor=actor, status=LoanStatus.OVERDUE, effective_on=datetime.date(2026, 6, 3)
    )
    loan_status_change(loan=loan, actor=actor, status=LoanStatus.PERFORMING, note="已补足欠款")
    loan_status_change(loan=loan, actor=actor, status=LoanStatus.DEFAULT)
    loan.refresh_from_db()
    assert (loan.status, loan.status_since) == (LoanStatus.DEFAULT, TODAY)
    assert list(
        LoanStatusEvent.objects.filter(loan=loan).values_list("from_status", "to_status", "note")
    ) == [
        (LoanStatus.PERFORMING, LoanStatus.OVERDUE, ""),
        (LoanStatus.OVERDUE, LoanStatus.PERFORMING, "已补足欠款"),
        (LoanStatus.PERFORMING, LoanStatus.DEFAULT, ""),
    ]
    audits = AuditEvent.objects.filter(object_type="financing.loan").order_by("id")
    assert [(a.before["status"], a.after["status"]) for a in audits] == [
        ("performing", "overdue"),
        ("overdue", "performing"),
        ("performing", "default"),
    ]


ALL_MOVES = [(a, b) for a in LoanStatus.values for b in LoanStatus.values]


@pytest.mark.parametrize(("current", "target"), ALL_MOVES)
def test_every_move_not_in_the_table_is_409_and_changes_nothing(current, target):
    loan = LoanFactory(
        status=current,
        outstanding=Decimal("0.00") if current == "repaid" else Decimal("1000000.00"),
    )
    actor = lender_of(loan)
    before = state(loan)
    if target in LOAN_MOVES[current] and target != LoanStatus.REPAID:
        loan_status_change(loan=loan, actor=actor, status=target)
        assert state(loan)[0] == target
        return
    with pytest.raises(ApplicationError) as refused:
        loan_status_change(loan=loan, actor=actor, status=target)
    assert (refused.value.status, refused.value.code) == (409, "loan_state_conflict")
    if target in LOAN_MOVES[current]:  # repaid while principal is outstanding
        assert refused.value.message == (
            "贷款余额尚有1,000,000.00 元，请先登记还款，本金全部归还后自动结清。"
        )
    else:
        assert refused.value.message == (
            f"贷款当前为“{LoanStatus(current).label}”状态，不能改为“{LoanStatus(target).label}”。"
        )
    assert state(loan) == before


def test_only_the_lender_changes_a_status_and_a_future_day_is_refused():
    loan = LoanFactory()
    before = state(loan)
    for user in (
        UserFactory(enterprise_admin=True, enterprise=loan.enterprise),
        UserFactory(),  # a city officer sees it but may not change it
        UserFactory(institution_officer=True, institution=InstitutionFactory()),
    ):
        with pytest.raises(ApplicationError) as refused:
            loan_status_change(loan=loan, actor=user, status=LoanStatus.OVERDUE)
        assert refused.value.status == 403
    with pytest.raises(ApplicationError) as future:
        loan_status_change(
            loan=loan,
            actor=lender_of(loan),
            status=LoanStatus.OVERDUE,
            effective_on=TODAY + datetime.timedelta(days=1),
        )
    assert future.value.fields == {"effective_on": [f"日期不能晚于今天（{TODAY.isoformat()}）。"]}
    assert state(loan) == before


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 15), 14) == datetime.date(2028, 1, 15)
