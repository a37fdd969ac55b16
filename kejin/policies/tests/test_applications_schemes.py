"""The premium subsidy of tech insurance (the premium and line from the enterprise's own
policy, rates by line), and interest and guarantee-fee subsidies on the enterprise's own
loans (caps per loan and per institution-year)."""

from decimal import Decimal

import pytest

from kejin.core.errors import ApplicationError
from kejin.financing.tests.factories import LoanFactory
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.policies.choices import InsuranceLine, PolicyScheme
from kejin.policies.models import Application
from kejin.policies.services_applications import (
    application_accept,
    application_approve,
    application_submit,
)
from kejin.policies.tests.application_world import (
    city_officer,
    enterprise_user,
    insurance_policy_scheme,
)
from kejin.policies.tests.factories import InsurancePolicyFactory, PolicyFactory

pytestmark = pytest.mark.django_db


def loan_scheme(scheme, **live):
    options = {
        "parameters": {"share": {"value": 0.5, "reference": "第四条"}},
        "benefit_formula": {"*": [{"param": "share"}, {"var": "input.paid"}]},
        "inputs": [
            {"name": "paid", "label": "已付利息或担保费", "kind": "money", "required": True}
        ],
    }
    options.update(live)
    return PolicyFactory(
        scheme=scheme, published=True, **{f"live__{k}": v for k, v in options.items()}
    )


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_the_premium_subsidy_reads_the_premium_and_line_from_the_enterprises_policy():
    user = enterprise_user()
    policy = insurance_policy_scheme()
    patent = InsurancePolicyFactory(enterprise=user.enterprise, premium=Decimal("50000"))
    application = application_submit(
        user=user,
        policy=policy,
        # A typed premium is not the applicant's to give: the insurance policy's counts.
        data={"insurance_policy": patent.pk, "inputs": {"premium": "999999"}},
    )
    assert application.insurance_policy == patent
    assert application.inputs == {"premium": "50000.00", "line": "patent"}
    assert application.amount_computed == Decimal("35000.00")


def test_rates_differ_by_line_and_a_once_only_policy_takes_one_application():
    user = enterprise_user()
    policy = insurance_policy_scheme(period="once")
    rd = InsurancePolicyFactory(
        enterprise=user.enterprise, line=InsuranceLine.RD_LIABILITY, premium=Decimal("30000")
    )
    application = application_submit(user=user, policy=policy, data={"insurance_policy": rd.pk})
    assert application.amount_computed == Decimal("15000.00")
    assert application.period_key == "once"
    other = InsurancePolicyFactory(enterprise=user.enterprise)
    error = refused(
        lambda: application_submit(user=user, policy=policy, data={"insurance_policy": other.pk})
    )
    assert error.code == "application_duplicate"
    assert "限申报一次" in error.message


def test_another_enterprises_insurance_policy_or_none_is_refused():
    user = enterprise_user()
    policy = insurance_policy_scheme()
    foreign = InsurancePolicyFactory()
    error = refused(
        lambda: application_submit(user=user, policy=policy, data={"insurance_policy": foreign.pk})
    )
    assert error.fields == {"insurance_policy": ["所选保单不存在或不是本企业的保单。"]}
    error = refused(lambda: application_submit(user=user, policy=policy, data={}))
    assert error.fields == {"insurance_policy": ["请选择申请保费补贴的科技保险保单。"]}
    assert Application.objects.count() == 0


def test_interest_subsidy_on_the_enterprises_own_loan_with_the_per_loan_cap():
    user = enterprise_user()
    policy = loan_scheme(PolicyScheme.INTEREST_SUBSIDY, cap_per_loan=Decimal("20000"))
    foreign = LoanFactory()
    error = refused(
        lambda: application_submit(
            user=user, policy=policy, data={"loan": foreign.pk, "inputs": {"paid": "1"}}
        )
    )
    assert error.fields == {"loan": ["所选贷款不存在或不是本企业的贷款。"]}
    loan = LoanFactory(enterprise=user.enterprise)
    application = application_submit(
        user=user, policy=policy, data={"loan": loan.pk, "inputs": {"paid": "42000"}}
    )
    assert application.loan == loan
    assert application.amount_computed == Decimal("20000.00")
    assert application.precheck["benefit"]["capped_by"] == ["cap_per_loan"]


def test_the_institution_year_cap_counts_what_the_lender_was_granted():
    officer = city_officer()
    bank = InstitutionFactory()
    policy = loan_scheme(PolicyScheme.INTEREST_SUBSIDY, cap_per_institution_year=Decimal("30000"))
    first_user = enterprise_user()
    first = application_submit(
        user=first_user,
        policy=policy,
        data={
            "loan": LoanFactory(enterprise=first_user.enterprise, institution=bank).pk,
            "inputs": {"paid": "50000"},
        },
    )
    application_accept(user=officer, application=first)
    application_approve(user=officer, application=first, amount="25000")
    second_user = enterprise_user()
    second = application_submit(
        user=second_user,
        policy=policy,
        data={
            "loan": LoanFactory(enterprise=second_user.enterprise, institution=bank).pk,
            "inputs": {"paid": "50000"},
        },
    )
    assert second.amount_computed == Decimal("5000.00")
    assert second.precheck["benefit"]["capped_by"] == ["cap_per_institution_year"]


def test_a_guarantee_fee_needs_a_guaranteed_loan():
    user = enterprise_user()
    policy = loan_scheme(PolicyScheme.GUARANTEE_FEE)
    plain = LoanFactory(enterprise=user.enterprise)
    error = refused(
        lambda: application_submit(
            user=user, policy=policy, data={"loan": plain.pk, "inputs": {"paid": "8000"}}
        )
    )
    assert error.fields == {"loan": ["所选贷款没有担保机构担保，不能申请担保费补贴。"]}
    guarantor = InstitutionFactory(kind=InstitutionKind.GUARANTEE)
    guaranteed = LoanFactory(enterprise=user.enterprise, guarantor=guarantor)
    application = application_submit(
        user=user, policy=policy, data={"loan": guaranteed.pk, "inputs": {"paid": "8000"}}
    )
    assert application.amount_computed == Decimal("4000.00")
    assert application.inputs == {"paid": "8000"}
