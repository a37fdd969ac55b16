"""Writes of applications for a policy (政策兑现): submit, resubmit, withdraw, and the
officers' accept, return, reject, approve and payouts.

An enterprise user applies to a published policy under its live version
(``application_submit``): the version's ``inputs`` are the fields (each checked by kind,
with a message per field ``inputs.<name>``), attachments are checked
(``kejin.core.attachments``), the eligibility rule is pre-checked
(``kejin.policies.evaluation.enterprise_check``: an ineligible enterprise is refused with the
failing clauses; an ``unknown`` one may apply, flagged for the officer) and the amount is
computed by the version's formula with its caps (``kejin.policies.benefits.benefit_compute``:
``already`` holds what the enterprise, the loan and the institution were granted under the
policy this year). Tech-insurance premium subsidies name one of the enterprise's own
insurance policies (``premium`` and ``line`` come from it); interest and guarantee-fee
subsidies one of its own loans (a guarantee fee needs a guarantor on the loan).

One application per enterprise, policy and period (``period_key``): a second is refused with
409 ``application_duplicate`` naming the first, checked before writing and again by the
constraint for a race. Every move is checked by ``kejin.policies.application_workflow``
under the application's row lock (409 ``application_state_conflict``), recorded as an
``ApplicationEvent`` with the working days the step took, audited, and told to the other
side on commit. Each waiting step gets its working-day due date
(``kejin.policies.deadlines.step_due``). Payouts never exceed the approved amount.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.accounts.choices import ENTERPRISE_ROLES, Role
from kejin.core.attachments import CheckedAttachment, attachments_check
from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.core.workdays import workdays_between
from kejin.enterprises.eligibility import INELIGIBLE, enterprise_facts
from kejin.financing.selectors import loan_list_for
from kejin.notifications.services import notification_send
from kejin.policies.application_workflow import (
    STATUS_STEP,
    actor_kinds,
    transition_check,
)
from kejin.policies.benefits import (
    Benefit,
    benefit_compute,
    formula_facts,
    formula_resolved,
)
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationPeriod,
    ApplicationStatus,
    PolicyScheme,
    PolicyStatus,
    RejectReason,
)
from kejin.policies.deadlines import step_due
from kejin.policies.evaluation import enterprise_check
from kejin.policies.models import (
    Application,
    ApplicationAttachment,
    ApplicationEvent,
    InsurancePolicy,
    Payout,
    Policy,
)
from kejin.policies.permissions import application_can_submit

#: Schemes that take no application here, with why.
NO_APPLICATIONS: dict[str, Callable[[], str]] = {
    PolicyScheme.INFORMATION: lambda: _("该政策仅供了解，不受理申报。"),
    PolicyScheme.RISK_COMPENSATION: lambda: _(
        "信贷风险补偿由合作银行在风险补偿资金池中申请，企业无需在此申报。"
    ),
    PolicyScheme.GROUP_COVER: lambda: _("政府统保由主管部门确定统保名单，企业无需在此申报。"),
}
LOAN_SCHEMES = frozenset({PolicyScheme.INTEREST_SUBSIDY, PolicyScheme.GUARANTEE_FEE})
#: Statuses whose approved amount counts against the caps.
GRANTED = (ApplicationStatus.APPROVED, ApplicationStatus.PAID)
INPUT_KINDS = ("money", "number", "text", "date")
MONEY_CEILING = Decimal("1000000000000")  # 1万亿元: beyond any real figure
TEXT_MAX = 2000
COMMENT_MAX = 2000
VOUCHER_MAX = 64
AUDITED = [
    "status",
    "version",
    "inputs",
    "amount_computed",
    "amount_approved",
    "amount_paid",
    "insurance_policy",
    "loan",
    "step",
    "due_on",
    "reject_reason",
    "officer_comment",
]


# --- periods ---------------------------------------------------------------------------------


def period_key(version, at: datetime.datetime) -> str:
    """The period an application made at ``at`` under ``version`` belongs to (Asia/Shanghai):
    the year ``"2026"``, the quarter ``"2026Q3"`` or ``"once"``."""
    local = timezone.localtime(at) if timezone.is_aware(at) else at
    if version.period == ApplicationPeriod.QUARTER:
        return f"{local.year}Q{(local.month - 1) // 3 + 1}"
    if version.period == ApplicationPeriod.ONCE:
        return "once"
    return str(local.year)


def period_label(key: str) -> str:
    """``"2026"`` → 2026年度, ``"2026Q3"`` → 2026年第3季度, ``"once"`` → 限申报一次."""
    if key == "once":
        return _("限申报一次")
    if "Q" in key:
        year, quarter = key.split("Q", 1)
        return _("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": quarter}
    return _("%(year)s年度") % {"year": key}


# --- inputs ----------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("请填写数字。"))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(_("请填写数字。")) from error
    if not number.is_finite():
        raise ValueError(_("请填写数字。"))
    return number


def _money(value: Any) -> Decimal:
    number = _decimal(value)
    if number < 0:
        raise ValueError(_("金额不能为负数。"))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("金额最多保留 2 位小数（单位：元）。"))
    if number >= MONEY_CEILING:
        raise ValueError(_("金额过大，请核对（单位：元）。"))
    return number


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValueError(_("请按“年-月-日”填写日期，如 2026-03-31。")) from error


def _text(value: Any, *, max_length: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if problem := text_problem(text, multiline=True):
        raise ValueError(problem)
    if len(text) > max_length:
        raise ValueError(_("最多 %(max)s 个字。") % {"max": max_length})
    return text


def _clean_one(kind: str, value: Any) -> tuple[Any, Any]:
    """(stored, for the formula) of one field value."""
    if kind == "money":
        number = _money(value)
        return str(number), number
    if kind == "number":
        number = _decimal(value)
        return str(number), number
    if kind == "date":
        day = _date(value)
        return day.isoformat(), day.isoformat()
    text = _text(value)
    return text, text


def inputs_clean(
    version, data: Mapping[str, Any], *, fixed: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The version's fields from ``data``: (stored as JSON, values for the formula). Fields
    in ``fixed`` (taken from an insurance policy) are not the applicant's. ``invalid`` with
    a message per field ``inputs.<name>``."""
    fixed = dict(fixed or {})
    stored: dict[str, Any] = {}
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in version.inputs or ():
        name = spec.get("name")
        if not name or name in fixed:
            continue
        kind = spec.get("kind") if spec.get("kind") in INPUT_KINDS else "text"
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.get("required"):
                errors[f"inputs.{name}"] = [
                    _("请填写“%(label)s”。") % {"label": spec.get("label") or name}
                ]
            continue
        try:
            stored[name], values[name] = _clean_one(kind, raw)
        except ValueError as error:
            errors[f"inputs.{name}"] = [
                _("“%(label)s”：%(problem)s")
                % {"label": spec.get("label") or name, "problem": error}
            ]
    if errors:
        raise ApplicationError.invalid(errors)
    for name, value in fixed.items():
        stored[name] = str(value) if isinstance(value, Decimal) else value
        values[name] = value
    return stored, values


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


def _refuse_ineligible(assessment: Assessment) -> None:
    if assessment.eligibility == INELIGIBLE:
        raise ApplicationError.invalid(
            {"eligibility": assessment.failing},
            _("贵企业不符合本政策的申报条件：%(clauses)s。")
            % {"clauses": "；".join(assessment.failing)},
        )


def _duplicate(existing: Application) -> ApplicationError:
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


def _live_duplicate(policy_id: int, enterprise_id: int, key: str) -> Application | None:
    return (
        Application.objects.filter(policy_id=policy_id, enterprise_id=enterprise_id, period_key=key)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .first()
    )


# --- the trail -------------------------------------------------------------------------------


def _users(query: Q) -> list:
    return list(get_user_model().objects.filter(query, is_active=True).order_by("pk"))


def deciders(application: Application) -> list:
    """Who is told of an application waiting for officers: the enterprise's county officers
    (for a city policy or their own county's), else the city officers."""
    county_id = application.enterprise.county_id
    officers = []
    if application.policy.region_id in (None, county_id):
        officers = _users(Q(role=Role.COUNTY_OFFICER, county_id=county_id))
    return officers or _users(Q(role=Role.CITY_OFFICER))


def _enterprise_users(application: Application) -> list:
    return _users(Q(role__in=ENTERPRISE_ROLES, enterprise_id=application.enterprise_id))


def application_url(pk: int) -> str:
    return reverse("policies:application_detail", args=[pk])


def _notify(application: Application, *, action: str, to_officers: bool, at) -> None:
    values = {
        "policy": application.policy.title,
        "enterprise": application.enterprise.name,
        "status": application.get_status_display(),
    }
    if to_officers:
        recipients = deciders(application)
        title = _("%(enterprise)s申报了“%(policy)s”，请受理。") % values
    else:
        recipients = _enterprise_users(application)
        title = _("您申报的“%(policy)s”：%(status)s。") % values
    body = application.officer_comment if not to_officers else ""
    notification_send(
        recipients=recipients,
        kind=f"application_{action}",
        key=f"application:{application.pk}:{action}:{at:%Y%m%d%H%M%S%f}",
        title=title,
        body=body,
        url=application_url(application.pk),
    )


def _step_workdays(application: Application, now: datetime.datetime) -> int | None:
    if not application.step or application.step_started_at is None:
        return None
    counted = workdays_between(
        timezone.localtime(application.step_started_at).date(), timezone.localtime(now).date()
    ).value
    return max(counted, 0) if isinstance(counted, int) else None


def _step_start(application: Application, now: datetime.datetime) -> None:
    """Set the step the application's status waits on, with its due date (none: cleared)."""
    step = STATUS_STEP.get(application.status, "")
    application.step = step
    application.step_started_at = now if step else None
    application.due_on = step_due(step, now, application.version).date if step else None


def _record(
    application: Application,
    *,
    actor,
    action: str,
    from_status: str,
    before: dict | None,
    at: datetime.datetime,
    comment: str = "",
    amount: Decimal | None = None,
    step_workdays: int | None = None,
    ip_address: str | None = None,
) -> ApplicationEvent:
    after = model_snapshot(application, AUDITED)
    if before is None:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=application,
            after=after,
            ip_address=ip_address,
        )
    else:
        keys = [k for k in after if before.get(k) != after.get(k)]
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=application,
            before={k: before.get(k) for k in keys},
            after={**{k: after[k] for k in keys}, "action": action},
            ip_address=ip_address,
        )
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=application.status,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
        amount=amount,
        step_workdays=step_workdays,
        at=at,
    )


def _attach(application: Application, checked: Sequence[CheckedAttachment], user) -> None:
    for item in checked:
        attachment = ApplicationAttachment(
            application=application,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=user,
        )
        attachment.file.save(item.name, item.file, save=False)  # type: ignore[arg-type]
        attachment.save()


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("policy", "version", "enterprise")
        .get(pk=application.pk)
    )


def _move_check(*, user, application: Application, action: str) -> Application:
    """The application locked and read afresh, once ``user`` may take ``action`` on it in
    its state (the refusal rolls the lock back with the transaction)."""
    locked = _locked(application)
    transition_check(
        action=action,
        status=locked.status,
        actor_kinds=actor_kinds(user=user, application=locked),
    )
    return locked


def _comment(value: Any, *, required_message: str | None = None) -> str:
    try:
        comment = _text(value, max_length=COMMENT_MAX)
    except ValueError as error:
        raise ApplicationError.invalid({"comment": [str(error)]}) from error
    if not comment and required_message:
        raise ApplicationError.invalid({"comment": [required_message]})
    return comment


# --- the enterprise --------------------------------------------------------------------------


def application_submit(
    *,
    user,
    policy: Policy,
    data: Mapping[str, Any],
    attachments: Sequence | None = None,
    ip_address: str | None = None,
) -> Application:
    """Apply to ``policy`` for the user's enterprise (see the module docstring). Nothing is
    stored on a refusal."""
    require(application_can_submit, user=user)
    policy = Policy.objects.select_related("live_version").get(pk=policy.pk)
    policy_open_check(policy)
    now = timezone.now()
    key = period_key(policy.live_version, now)
    existing = _live_duplicate(policy.pk, user.enterprise_id, key)
    if existing is not None:
        raise _duplicate(existing)
    assessment = application_assess(user=user, policy=policy, data=data, at=now)
    _refuse_ineligible(assessment)
    checked = attachments_check(attachments)
    try:
        with transaction.atomic():
            application = Application(
                policy=policy,
                version=policy.live_version,
                enterprise_id=user.enterprise_id,
                period_key=assessment.period_key,
                status=ApplicationStatus.SUBMITTED,
                inputs=assessment.inputs,
                precheck=assessment.precheck,
                amount_computed=assessment.benefit.amount,
                insurance_policy=assessment.insurance_policy,
                loan=assessment.loan,
                submitted_at=now,
                submitted_by=user,
            )
            _step_start(application, now)
            application.save()
            _attach(application, checked, user)
            _record(
                application,
                actor=user,
                action=ApplicationAction.SUBMIT,
                from_status="",
                before=None,
                at=now,
                amount=application.amount_computed,
                ip_address=ip_address,
            )
            _notify(application, action=ApplicationAction.SUBMIT, to_officers=True, at=now)
    except IntegrityError as error:
        existing = _live_duplicate(policy.pk, user.enterprise_id, assessment.period_key)
        if existing is None:
            raise
        raise _duplicate(existing) from error
    return application


@transaction.atomic
def application_resubmit(
    *,
    user,
    application: Application,
    data: Mapping[str, Any],
    attachments: Sequence | None = None,
    ip_address: str | None = None,
) -> Application:
    """Send a returned application again with changes (its enterprise's users): the fields,
    the pre-check and the amount are taken anew under the policy's live version."""
    application = _move_check(user=user, application=application, action=ApplicationAction.RESUBMIT)
    now = timezone.now()
    policy = Policy.objects.select_related("live_version").get(pk=application.policy_id)
    assessment = application_assess(user=user, policy=policy, data=data, at=now)
    _refuse_ineligible(assessment)
    checked = attachments_check(attachments)
    before = model_snapshot(application, AUDITED)
    from_status = application.status
    assert policy.live_version is not None  # application_assess checked it
    application.version = policy.live_version
    application.status = ApplicationStatus.SUBMITTED
    application.inputs = assessment.inputs
    application.precheck = assessment.precheck
    application.amount_computed = assessment.benefit.amount
    application.insurance_policy = assessment.insurance_policy
    application.loan = assessment.loan
    application.submitted_at = now
    application.submitted_by = user
    _step_start(application, now)
    application.save()
    _attach(application, checked, user)
    _record(
        application,
        actor=user,
        action=ApplicationAction.RESUBMIT,
        from_status=from_status,
        before=before,
        at=now,
        comment=_comment(data.get("comment")),
        amount=application.amount_computed,
        ip_address=ip_address,
    )
    _notify(application, action=ApplicationAction.RESUBMIT, to_officers=True, at=now)
    return application


@transaction.atomic
def application_withdraw(
    *, user, application: Application, comment: str = "", ip_address: str | None = None
) -> Application:
    """Withdraw an application not yet accepted (its enterprise's users); the period is free
    again."""
    application = _move_check(user=user, application=application, action=ApplicationAction.WITHDRAW)
    comment = _comment(comment)
    return _simple_move(
        application,
        user=user,
        action=ApplicationAction.WITHDRAW,
        to_status=ApplicationStatus.WITHDRAWN,
        comment=comment,
        ip_address=ip_address,
        to_officers=True,
    )


def _simple_move(
    application: Application,
    *,
    user,
    action: str,
    to_status: str,
    comment: str,
    ip_address: str | None,
    to_officers: bool = False,
    amount: Decimal | None = None,
) -> Application:
    now = timezone.now()
    before = model_snapshot(application, AUDITED)
    from_status = application.status
    workdays = _step_workdays(application, now)
    application.status = to_status
    _step_start(application, now)
    application.save()
    _record(
        application,
        actor=user,
        action=action,
        from_status=from_status,
        before=before,
        at=now,
        comment=comment,
        amount=amount,
        step_workdays=workdays,
        ip_address=ip_address,
    )
    _notify(application, action=action, to_officers=to_officers, at=now)
    return application


# --- the officers ----------------------------------------------------------------------------


@transaction.atomic
def application_accept(
    *, user, application: Application, comment: str = "", ip_address: str | None = None
) -> Application:
    """Accept a submitted application for review (its deciders); the decision step starts."""
    application = _move_check(user=user, application=application, action=ApplicationAction.ACCEPT)
    comment = _comment(comment)
    application.officer_comment = comment
    return _simple_move(
        application,
        user=user,
        action=ApplicationAction.ACCEPT,
        to_status=ApplicationStatus.ACCEPTED,
        comment=comment,
        ip_address=ip_address,
    )


@transaction.atomic
def application_return(
    *, user, application: Application, comment: str, ip_address: str | None = None
) -> Application:
    """Return an application for more information (its deciders; a comment saying what is
    needed is required): the enterprise changes it and submits again."""
    application = _move_check(user=user, application=application, action=ApplicationAction.RETURN)
    comment = _comment(comment, required_message=_("请填写退回意见，说明需要补充的材料或信息。"))
    application.officer_comment = comment
    return _simple_move(
        application,
        user=user,
        action=ApplicationAction.RETURN,
        to_status=ApplicationStatus.RETURNED,
        comment=comment,
        ip_address=ip_address,
    )


@transaction.atomic
def application_reject(
    *,
    user,
    application: Application,
    reason: str,
    comment: str,
    ip_address: str | None = None,
) -> Application:
    """Reject an application (its deciders) with a reason code and a text."""
    application = _move_check(user=user, application=application, action=ApplicationAction.REJECT)
    errors: dict[str, list[str]] = {}
    if reason not in RejectReason.values:
        errors["reason"] = [
            _("请选择不予通过的原因：%(choices)s。")
            % {"choices": "、".join(str(label) for label in RejectReason.labels)}
        ]
    try:
        comment = _comment(comment, required_message=_("请填写不予通过的具体说明。"))
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError.invalid(errors)
    application.reject_reason = reason
    application.officer_comment = comment
    application.decided_by = user
    application.decided_at = timezone.now()
    return _simple_move(
        application,
        user=user,
        action=ApplicationAction.REJECT,
        to_status=ApplicationStatus.REJECTED,
        comment=f"{RejectReason(reason).label}：{comment}",
        ip_address=ip_address,
    )


def _cap_problem(application: Application, amount: Decimal, at: datetime.datetime) -> str | None:
    """Why ``amount`` would break one of the version's caps, or None."""
    version = application.version
    already = granted_before(
        policy_id=application.policy_id,
        enterprise_id=application.enterprise_id,
        year=timezone.localtime(at).year,
        loan=application.loan,
        scheme=application.policy.scheme,
        exclude_pk=application.pk,
    )
    caps = (
        ("cap_per_loan", "loan", _("单笔贷款上限")),
        ("cap_per_enterprise_year", "enterprise_year", _("每家企业每年上限")),
        ("cap_per_institution_year", "institution_year", _("每家机构每年上限")),
    )
    for cap_field, key, label in caps:
        cap = getattr(version, cap_field, None)
        if cap is None or key not in already:
            continue
        room = max(Decimal(cap) - already[key], Decimal(0))
        if amount > room:
            return _(
                "核定金额超过%(label)s：上限 %(cap)s，本年度已核定 %(used)s，最多还可核定 %(room)s。"
            ) % {
                "label": label,
                "cap": format_yuan(cap),
                "used": format_yuan(already[key]),
                "room": format_yuan(room),
            }
    return None


@transaction.atomic
def application_approve(
    *,
    user,
    application: Application,
    amount: Any,
    comment: str = "",
    ip_address: str | None = None,
) -> Application:
    """Approve an accepted application with an amount (its deciders): more than 0, within
    the version's caps, and not above the computed amount unless the comment says why. The
    payment step starts."""
    application = _move_check(user=user, application=application, action=ApplicationAction.APPROVE)
    comment = _comment(comment)
    now = timezone.now()
    try:
        value = _money(amount)
    except ValueError as error:
        raise ApplicationError.invalid({"amount": [str(error)]}) from error
    if value <= 0:
        raise ApplicationError.invalid(
            {"amount": [_("核定金额应大于 0；不予支持请选择“不予通过”。")]}
        )
    computed = application.amount_computed
    if computed is not None and value > computed and not comment:
        raise ApplicationError.invalid(
            {
                "amount": [
                    _("核定金额 %(amount)s 高于测算金额 %(computed)s，请在审核意见中说明理由。")
                    % {"amount": format_yuan(value), "computed": format_yuan(computed)}
                ]
            }
        )
    if problem := _cap_problem(application, value, now):
        raise ApplicationError.invalid({"amount": [problem]})
    application.amount_approved = value
    application.officer_comment = comment
    application.decided_by = user
    application.decided_at = now
    return _simple_move(
        application,
        user=user,
        action=ApplicationAction.APPROVE,
        to_status=ApplicationStatus.APPROVED,
        comment=comment,
        amount=value,
        ip_address=ip_address,
    )


@transaction.atomic
def application_pay(
    *,
    user,
    application: Application,
    amount: Any,
    paid_on: Any,
    voucher: str = "",
    ip_address: str | None = None,
) -> Payout:
    """Record a payout on an approved application (its deciders). Several are allowed; their
    sum never exceeds the approved amount (checked under the row lock); the application is
    paid once the whole amount is. Returns the payout."""
    application = _move_check(user=user, application=application, action=ApplicationAction.PAY)
    errors: dict[str, list[str]] = {}
    value = day = None
    try:
        value = _money(amount)
        if value <= 0:
            raise ValueError(_("兑付金额应大于 0。"))
    except ValueError as error:
        errors["amount"] = [str(error)]
    try:
        day = _date(paid_on)
        if day > timezone.localdate():
            raise ValueError(_("兑付日期不能晚于今天。"))
        decided = timezone.localtime(application.decided_at).date()
        if day < decided:
            raise ValueError(_("兑付日期不能早于核定日期 %(day)s。") % {"day": decided.isoformat()})
    except ValueError as error:
        errors["paid_on"] = [str(error)]
    try:
        voucher = _text(voucher, max_length=VOUCHER_MAX)
    except ValueError as error:
        errors["voucher"] = [str(error)]
    if errors:
        raise ApplicationError.invalid(errors)
    assert value is not None and day is not None
    approved = application.amount_approved or Decimal(0)
    left = approved - application.amount_paid
    if value > left:
        raise ApplicationError.invalid(
            {
                "amount": [
                    _(
                        "本次兑付 %(amount)s 超过尚未兑付的 %(left)s"
                        "（核定 %(approved)s，已兑付 %(paid)s）。"
                    )
                    % {
                        "amount": format_yuan(value),
                        "left": format_yuan(left),
                        "approved": format_yuan(approved),
                        "paid": format_yuan(application.amount_paid),
                    }
                ]
            }
        )
    now = timezone.now()
    before = model_snapshot(application, AUDITED)
    workdays = _step_workdays(application, now)
    payout = Payout.objects.create(
        application=application, amount=value, paid_on=day, voucher=voucher, recorded_by=user
    )
    application.amount_paid = application.amount_paid + value
    fully = application.amount_paid == approved
    if fully:
        application.status = ApplicationStatus.PAID
        _step_start(application, now)
    application.save()
    _record(
        application,
        actor=user,
        action=ApplicationAction.PAY,
        from_status=ApplicationStatus.APPROVED,
        before=before,
        at=now,
        comment=voucher,
        amount=value,
        step_workdays=workdays if fully else None,
        ip_address=ip_address,
    )
    _notify(application, action=ApplicationAction.PAY, to_officers=False, at=now)
    return payout
