"""A submission checked without writing: the fields, the insurance policy or loan named, the
pre-check against the rules, the amount with its caps, and the one-per-period check.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.enterprises.eligibility import INELIGIBLE, enterprise_facts
from kejin.financing.selectors import loan_list_for
from kejin.policies.benefits import (
    Benefit,
    benefit_compute,
    formula_facts,
    formula_resolved,
)
from kejin.policies.choices import (
    ApplicationStatus,
    PolicyScheme,
    PolicyStatus,
)
from kejin.policies.evaluation import enterprise_check
from kejin.policies.models import (
    Application,
    InsurancePolicy,
    Policy,
)
from kejin.policies.permissions import application_can_submit
from kejin.policies.services_applications.common import (
    GRANTED,
    LOAN_SCHEMES,
    NO_APPLICATIONS,
    period_key,
    period_label,
)
from kejin.policies.services_applications.values import inputs_clean

# --- assessment (no writes) ------------------------------------------------------------------


@dataclass
class Assessment:
    """What a submission would store: the period, the fields, the pre-check and the amount."""

    period_key: str
    inputs: dict[str, Any]
    precheck: dict[str, Any]
    benefit: Benefit
    insurance_policy: InsurancePolicy | None = None
    loan: Any = None
    failing: list[str] = field(default_factory=list)

    @property
    def eligibility(self) -> str:
        return self.precheck.get("status", "")


def policy_open_check(policy: Policy) -> None:
    """``invalid`` unless ``policy`` takes applications now (see the module docstring)."""
    if policy.scheme in NO_APPLICATIONS:
        raise ApplicationError.invalid({}, NO_APPLICATIONS[policy.scheme]())
    if policy.status != PolicyStatus.PUBLISHED or policy.live_version_id is None:
        raise ApplicationError.invalid({}, _("该政策尚未发布或已失效，暂不受理申报。"))
    today = timezone.localdate()
    if policy.valid_from > today or (policy.valid_to is not None and policy.valid_to < today):
        raise ApplicationError.invalid(
            {},
            _("该政策的有效期为 %(start)s 至 %(end)s，今天不在有效期内，不受理申报。")
            % {
                "start": policy.valid_from.isoformat(),
                "end": policy.valid_to.isoformat() if policy.valid_to else _("长期"),
            },
        )


def _pk(value: Any) -> int | None:
    pk = getattr(value, "pk", value)
    if pk in (None, ""):
        return None
    try:
        return int(str(pk))
    except ValueError:
        return -1


def _insurance(user, enterprise_id: int, value: Any) -> InsurancePolicy:
    pk = _pk(value)
    if pk is None:
        raise ApplicationError.invalid(
            {"insurance_policy": [_("请选择申请保费补贴的科技保险保单。")]}
        )
    found = InsurancePolicy.objects.filter(pk=pk, enterprise_id=enterprise_id).first()
    if found is None:
        raise ApplicationError.invalid(
            {"insurance_policy": [_("所选保单不存在或不是本企业的保单。")]}
        )
    return found


def _loan(user, scheme: str, version, value: Any):
    pk = _pk(value)
    if pk is None:
        raise ApplicationError.invalid({"loan": [_("请选择申请补贴的贷款。")]})
    loan = loan_list_for(user=user).filter(pk=pk, enterprise_id=user.enterprise_id).first()
    if loan is None:
        raise ApplicationError.invalid({"loan": [_("所选贷款不存在或不是本企业的贷款。")]})
    if scheme == PolicyScheme.GUARANTEE_FEE:
        if loan.guarantor_id is None:
            raise ApplicationError.invalid(
                {"loan": [_("所选贷款没有担保机构担保，不能申请担保费补贴。")]}
            )
        allowed = (version.parameters or {}).get("guarantors")
        if isinstance(allowed, Mapping):
            allowed = allowed.get("value")
        if allowed and loan.guarantor_id not in {int(a) for a in allowed}:
            raise ApplicationError.invalid(
                {
                    "loan": [
                        _("“%(name)s”不是本政策认定的合作担保机构，不能申请担保费补贴。")
                        % {"name": getattr(loan.guarantor, "name", "")}
                    ]
                }
            )
    return loan


def _year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=zone),
        datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def granted_before(
    *,
    policy_id: int,
    enterprise_id: int,
    year: int,
    loan=None,
    scheme: str = "",
    exclude_pk: int | None = None,
) -> dict[str, Decimal]:
    """What was granted (approved or paid) under the policy before, by cap: to the
    enterprise this calendar year, on the loan, to the loan's institution (its guarantor for
    a guarantee fee) this year."""
    start, end = _year_range(year)
    granted = Application.objects.filter(policy_id=policy_id, status__in=GRANTED)
    if exclude_pk is not None:
        granted = granted.exclude(pk=exclude_pk)
    this_year = granted.filter(decided_at__gte=start, decided_at__lt=end)

    def total(rows) -> Decimal:
        return rows.aggregate(s=Sum("amount_approved"))["s"] or Decimal(0)

    already = {"enterprise_year": total(this_year.filter(enterprise_id=enterprise_id))}
    if loan is not None:
        already["loan"] = total(granted.filter(loan_id=loan.pk))
        if scheme == PolicyScheme.GUARANTEE_FEE:
            already["institution_year"] = total(this_year.filter(loan__guarantor=loan.guarantor_id))
        else:
            already["institution_year"] = total(
                this_year.filter(loan__institution=loan.institution_id)
            )
    return already


def application_assess(
    *, user, policy: Policy, data: Mapping[str, Any], at: datetime.datetime | None = None
) -> Assessment:
    """Check a submission to ``policy`` by ``user`` without writing anything: the fields,
    the insurance policy or loan named, the pre-check and the amount (``invalid`` on bad
    input; an ineligible enterprise is *not* refused here: see ``Assessment.failing``)."""
    require(application_can_submit, user=user)
    policy_open_check(policy)
    version = policy.live_version
    assert version is not None  # policy_open_check
    at = at or timezone.now()
    enterprise_id = user.enterprise_id
    errors: dict[str, list[str]] = {}
    insurance = loan = None
    fixed: dict[str, Any] = {}
    try:
        if policy.scheme == PolicyScheme.TECH_INSURANCE:
            insurance = _insurance(user, enterprise_id, data.get("insurance_policy"))
            fixed = {"premium": insurance.premium, "line": insurance.line}
        elif policy.scheme in LOAN_SCHEMES:
            loan = _loan(user, policy.scheme, version, data.get("loan"))
    except ApplicationError as error:
        errors.update(error.fields)
        if policy.scheme == PolicyScheme.TECH_INSURANCE:
            fixed = {"premium": None, "line": None}  # never the applicant's to type
    try:
        stored, values = inputs_clean(version, data.get("inputs") or {}, fixed=fixed)
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError.invalid(errors)
    check = enterprise_check(version, enterprise_id)
    formula = formula_resolved(version)
    facts_needed = formula_facts(formula)
    facts = enterprise_facts(enterprise_id, facts_needed) if facts_needed else {}
    already = granted_before(
        policy_id=policy.pk,
        enterprise_id=enterprise_id,
        year=timezone.localtime(at).year,
        loan=loan,
        scheme=policy.scheme,
    )
    benefit = benefit_compute(version, facts=facts, inputs=values, already=already)
    precheck = {
        "status": check.status,
        "clauses": [{"text": c.text, "met": c.met} for c in check.clauses],
        "missing_facts": list(check.missing_facts),
        "benefit": benefit.as_dict(),
        "version": version.version,
        "at": at.isoformat(),
    }
    failing = [c.text for c in check.failing] if check.status == INELIGIBLE else []
    return Assessment(
        period_key=period_key(version, at),
        inputs=stored,
        precheck=precheck,
        benefit=benefit,
        insurance_policy=insurance,
        loan=loan,
        failing=failing,
    )


def refuse_ineligible(assessment: Assessment) -> None:
    """An ineligible enterprise refused with the failing clauses."""
    if assessment.eligibility == INELIGIBLE:
        raise ApplicationError.invalid(
            {"eligibility": assessment.failing},
            _("贵企业不符合本政策的申报条件：%(clauses)s。")
            % {"clauses": "；".join(assessment.failing)},
        )


def duplicate_error(existing: Application) -> ApplicationError:
    """The 409 for a second application in a period, naming ``existing``."""
    return ApplicationError(
        ErrorCode.APPLICATION_DUPLICATE,
        _(
            "贵企业已申报过本政策%(period)s的兑现（申报编号 %(pk)s，%(date)s提交，"
            "当前状态：%(status)s），同一申报期只能申报一次。"
        )
        % {
            "period": period_label(existing.period_key),
            "pk": existing.pk,
            "date": timezone.localtime(existing.submitted_at).date().isoformat()
            if existing.submitted_at
            else "—",
            "status": existing.get_status_display(),
        },
        status=409,
    )


def live_duplicate(policy_id: int, enterprise_id: int, key: str) -> Application | None:
    """The enterprise's application to the policy in period ``key`` not withdrawn, if any."""
    return (
        Application.objects.filter(policy_id=policy_id, enterprise_id=enterprise_id, period_key=key)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .first()
    )
