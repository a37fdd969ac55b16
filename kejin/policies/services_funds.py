"""Writes of the risk compensation fund: contributions, enrolment checks, claims, their
decisions (an approval pays out of the fund in the same transaction) and recoveries.

The ledger: every write of ``CompensationFund.balance`` is one UPDATE with ``F()`` — a payout's
is conditional (``balance >= amount``) — inside the transaction that writes the
``FundEntry``; the UPDATE holds the fund's row until commit, so the balance read back right
after it is the ``balance_after`` of the entry, whatever runs at the same time. A payout that
the balance cannot cover is refused (409 ``fund_insufficient``) and the approval rolls back:
the claim stays submitted, nothing changed. Claims move by ``kejin.policies.claim_workflow``
under the claim's row lock (409 ``claim_state_conflict``).

The amount of a claim is the policy's live version's benefit formula
(``kejin.policies.benefits.benefit_compute``) over the loan's facts (``loan.product_type``,
``loan.amount``, ``loan.outstanding``), the borrower's registry facts (``registry_stage``,
``registry_labels``) and ``input.principal_loss``, with the caps per loan and per
institution-year; the computation is kept in ``explanation``.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.accounts.choices import Role
from kejin.core.audit import audit_record, audit_write, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.models import Region
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.core.values import decimal_parse
from kejin.financing.choices import LoanStatus
from kejin.financing.models import Loan
from kejin.financing.selectors import institution_npl_ratio
from kejin.notifications.services import notification_send
from kejin.policies.benefits import benefit_compute, to_cents
from kejin.policies.choices import (
    ClaimAction,
    ClaimStatus,
    EnrolmentStatus,
    FundEntryKind,
    FundSource,
    reject_reason_problems,
)
from kejin.policies.claim_workflow import claim_transition_check
from kejin.policies.deadlines import step_due
from kejin.policies.models import (
    CompensationClaim,
    CompensationFund,
    FundEnrolment,
    FundEntry,
)
from kejin.policies.permissions import (
    claim_can_decide,
    claim_can_submit,
    fund_can_contribute,
    fund_can_see_ledger,
)
from kejin.registry.selectors import registry_entry_of

#: RULES.md defaults ("never constants": a version's parameters override them).
DEFAULT_NPL_PAUSE_RATIO = Decimal("3")
DEFAULT_MANUAL_REVIEW_ABOVE = Decimal("5000000")
AMOUNT_CEILING = Decimal("10000000000")  # 100亿元
CENT = Decimal("0.01")
MEMO_MAX = 255
COMMENT_MAX = 2000
CLAIM_AUDITED = [
    "status",
    "principal_loss",
    "share",
    "amount_claimed",
    "amount_approved",
    "recovered",
    "returned_to_fund",
    "due_on",
    "reject_reason",
    "officer_comment",
    "decided_by",
    "decided_at",
]


# --- small helpers -------------------------------------------------------------------------


def _money(value: Any, *, field: str, required: bool = True) -> Decimal | None:
    """A positive amount in yuan with at most two decimals; ``invalid`` otherwise."""
    if value in (None, ""):
        if required:
            raise ApplicationError.invalid({field: [_("请填写金额（元）。")]})
        return None
    try:
        number = decimal_parse(value)
    except ValueError:
        raise ApplicationError.invalid({field: [_("金额应为数字（元）。")]}) from None
    if number != number.quantize(CENT):
        raise ApplicationError.invalid({field: [_("金额最多保留两位小数（到分）。")]})
    if not (Decimal(0) < number <= AMOUNT_CEILING):
        raise ApplicationError.invalid({field: [_("金额应大于 0 元且不超过 100 亿元。")]})
    return number


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    problem = text_problem(text)
    if problem:
        raise ApplicationError.invalid({field: [problem]})
    if len(text) > max_length:
        raise ApplicationError.invalid(
            {field: [_("不能超过 %(max)s 个字。") % {"max": max_length}]}
        )
    if required and not text:
        raise ApplicationError.invalid({field: [_("此项必填。")]})
    return text


def _parameter(version, name: str, default: Decimal) -> Decimal:
    """A number among the version's parameters (``{"value": …}`` or a bare value)."""
    spec = (getattr(version, "parameters", None) or {}).get(name)
    value = spec.get("value") if isinstance(spec, dict) else spec
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return default


def npl_pause_ratio(version) -> Decimal:
    """The pooled non-performing ratio (%) above which enrolment pauses."""
    return _parameter(version, "npl_pause_ratio", DEFAULT_NPL_PAUSE_RATIO)


def manual_review_above(version) -> Decimal:
    """The claim amount above which only city officers may approve."""
    return _parameter(version, "manual_review_above", DEFAULT_MANUAL_REVIEW_ABOVE)


def live_version(fund: CompensationFund):
    """The fund's policy's live version; 409 when the policy has none in force."""
    version = fund.policy.live_version
    if version is None:
        raise ApplicationError(
            ErrorCode.POLICY_STATE_CONFLICT,
            _("资金池所依据的政策“%(policy)s”没有生效的版本，暂不能受理补偿申请。")
            % {"policy": fund.policy.title},
        )
    return version


def _today() -> datetime.date:
    return timezone.localdate()


def _ratio_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f}%"


def _institution_users(institution_id: int):
    return list(get_user_model().objects.filter(institution_id=institution_id, is_active=True))


def _notify_lender(claim: CompensationClaim, *, kind: str, title: str, body: str) -> None:
    notification_send(
        recipients=_institution_users(claim.institution_id),
        kind=kind,
        key=f"claim:{claim.pk}:{kind}:{claim.decided_at:%Y%m%d%H%M%S%f}",
        title=title,
        body=body,
        url=reverse("policies:fund_claim_detail", args=[claim.pk]),
    )


def _notify_officers(claim: CompensationClaim, *, title: str) -> None:
    """Tell the reviewers of ``claim`` (city officers, the borrower's county officers)."""
    officers = Q(role=Role.CITY_OFFICER) | Q(
        role=Role.COUNTY_OFFICER, county_id=claim.enterprise.county_id
    )
    notification_send(
        recipients=list(get_user_model().objects.filter(officers, is_active=True)),
        kind="claim_submitted",
        key=f"claim:{claim.pk}:submitted:{claim.submitted_at:%Y%m%d%H%M%S%f}",
        title=title,
        body=_("%(institution)s 申请补偿 %(amount)s（贷款 %(contract)s），请于 %(due)s 前审核。")
        % {
            "institution": claim.institution.name,
            "amount": format_yuan(claim.amount_claimed),
            "contract": claim.loan.contract_number,
            "due": claim.due_on.isoformat() if claim.due_on else "—",
        },
        url=reverse("policies:fund_claim_detail", args=[claim.pk]),
    )


def _audit_claim(*, user, claim, before: dict | None, ip_address) -> None:
    audit_write(
        actor=user,
        instance=claim,
        before=before,
        after=model_snapshot(claim, CLAIM_AUDITED),
        ip_address=ip_address,
        skip_unchanged=False,
    )


# --- the ledger ------------------------------------------------------------------------------


def _balance(fund_id: int) -> Decimal:
    return CompensationFund.objects.filter(pk=fund_id).values_list("balance", flat=True).get()


def _entry(*, fund_id: int, kind: str, amount: Decimal, user, on=None, **fields: Any) -> FundEntry:
    """The ledger entry of a balance change just made in this transaction (the fund's row is
    held by the UPDATE until commit, so the balance read now is this entry's)."""
    return FundEntry.objects.create(
        fund_id=fund_id,
        kind=kind,
        amount=amount,
        balance_after=_balance(fund_id),
        on=on or _today(),
        recorded_by=user if getattr(user, "pk", None) else None,
        **fields,
    )


def _credit(fund_id: int, amount: Decimal) -> None:
    CompensationFund.objects.filter(pk=fund_id).update(
        balance=F("balance") + amount, updated_at=timezone.now()
    )


def _debit(fund: CompensationFund, amount: Decimal) -> None:
    """Take ``amount`` out of the fund by one conditional UPDATE; 409 ``fund_insufficient``
    (with the balance) when it cannot cover it."""
    taken = CompensationFund.objects.filter(pk=fund.pk, balance__gte=amount).update(
        balance=F("balance") - amount, updated_at=timezone.now()
    )
    if not taken:
        raise ApplicationError(
            ErrorCode.FUND_INSUFFICIENT,
            _(
                "资金池“%(fund)s”可用余额为 %(balance)s，不足以支付本笔补偿 %(amount)s，"
                "未作任何变更。请待注资后再核准。"
            )
            % {
                "fund": fund.name,
                "balance": format_yuan(_balance(fund.pk)),
                "amount": format_yuan(amount),
            },
        )


@transaction.atomic
def fund_contribute(
    *,
    user,
    fund: CompensationFund,
    source: str,
    amount,
    on: datetime.date | None = None,
    region: Region | None = None,
    institution=None,
    memo: str = "",
    ip_address: str | None = None,
) -> FundEntry:
    """Record a contribution to ``fund`` (city officers): the balance grows and a
    ``contribution`` entry records it. County money names its county; an institution's or a
    borrower's names the institution. Audited."""
    require(fund_can_contribute, user=user, obj=fund)
    errors: dict[str, list[str]] = {}
    if source not in FundSource.values:
        errors["source"] = [
            _("请选择资金来源：%(choices)s。")
            % {"choices": "、".join(str(label) for label in FundSource.labels)}
        ]
    if source == FundSource.COUNTY and region is None:
        errors["region"] = [_("县(市、区)财政注资请选择出资的县(市、区)。")]
    if source in (FundSource.INSTITUTION, FundSource.BORROWER) and institution is None:
        errors["institution"] = [_("机构或借款企业风险准备金请选择所属合作机构。")]
    if on is not None and on > _today():
        errors["on"] = [_("入账日期不能晚于今天。")]
    try:
        amount = _money(amount, field="amount")
    except ApplicationError as error:
        errors.update(error.fields)
    try:
        memo = _text(memo, field="memo", max_length=MEMO_MAX)
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError.invalid(errors)
    _credit(fund.pk, amount)
    entry = _entry(
        fund_id=fund.pk,
        kind=FundEntryKind.CONTRIBUTION,
        amount=amount,
        user=user,
        on=on,
        source=source,
        region=region if source == FundSource.COUNTY else None,
        institution=institution if source != FundSource.COUNTY else None,
        memo=memo,
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        instance=entry,
        after=model_snapshot(
            entry,
            ["fund", "kind", "source", "region", "institution", "amount", "balance_after", "on"],
        ),
        ip_address=ip_address,
    )
    fund.refresh_from_db(fields=["balance", "updated_at"])
    return entry


# --- enrolment ---------------------------------------------------------------------------------


def _pooled_loan_ids(fund: CompensationFund, institution_id: int):
    """The institution's loans the fund covers: all of them for a city fund, the county's
    borrowers' for a county fund (None: no restriction)."""
    if fund.region_id is None:
        return None
    return Loan.objects.filter(
        institution_id=institution_id, enterprise__county_id=fund.region_id
    ).values("pk")


@transaction.atomic
def enrolment_check(
    fund: CompensationFund, institution, *, user=None, ip_address: str | None = None
) -> FundEnrolment:
    """Recompute ``institution``'s pooled non-performing ratio in ``fund`` and pause its
    enrolment above the version's ``npl_pause_ratio`` (reactivate it at or below); the
    enrolment is created on first check. A status change is audited (actor: ``user``, or
    the system)."""
    version = live_version(fund)
    threshold = npl_pause_ratio(version)
    ratio = institution_npl_ratio(institution.pk, loan_ids=_pooled_loan_ids(fund, institution.pk))
    status = (
        EnrolmentStatus.PAUSED
        if ratio is not None and ratio > threshold
        else EnrolmentStatus.ACTIVE
    )
    enrolment, created = FundEnrolment.objects.select_for_update().get_or_create(
        fund=fund,
        institution=institution,
        defaults={"status": status, "since": _today()},
    )
    before = None if created else model_snapshot(enrolment, ["status", "since", "npl_ratio"])
    if enrolment.status != status:
        enrolment.status = status
        enrolment.since = _today()
    enrolment.npl_ratio = ratio
    enrolment.checked_at = timezone.now()
    enrolment.save()
    after = model_snapshot(enrolment, ["status", "since", "npl_ratio"])
    if before is None or before["status"] != after["status"]:
        audit_record(
            actor=user,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=enrolment,
            before=before,
            after=after,
            ip_address=ip_address,
        )
    return enrolment


def fund_enrolment_recheck(
    *, user, fund: CompensationFund, institution, ip_address: str | None = None
) -> FundEnrolment:
    """An officer re-checks an institution's enrolment (see ``enrolment_check``)."""
    require(fund_can_see_ledger, user=user, obj=fund)
    return enrolment_check(fund, institution, user=user, ip_address=ip_address)


def enrolment_paused_error(enrolment: FundEnrolment, threshold: Decimal) -> ApplicationError:
    return ApplicationError(
        ErrorCode.ENROLMENT_PAUSED,
        _(
            "本机构在该资金池的入池贷款不良率为 %(ratio)s，高于 %(threshold)s 的暂停线，"
            "入池已暂停，暂不能申请风险补偿。不良率回落后可重新申请。"
        )
        % {"ratio": _ratio_text(enrolment.npl_ratio), "threshold": _ratio_text(threshold)},
    )


# --- claims ------------------------------------------------------------------------------------


def claim_duplicate_error(existing: CompensationClaim) -> ApplicationError:
    """409 ``claim_duplicate`` naming the loan's live claim and its status."""
    return ApplicationError(
        ErrorCode.CLAIM_DUPLICATE,
        _(
            "贷款（合同编号 %(contract)s）已有风险补偿申请（申请编号 %(claim)s，状态：%(status)s），"
            "同一笔贷款只能申请一次补偿。"
        )
        % {
            "contract": existing.loan.contract_number,
            "claim": existing.pk,
            "status": existing.get_status_display(),
        },
    )


def _live_claim(loan_id: int, *, exclude_pk=None) -> CompensationClaim | None:
    return (
        CompensationClaim.objects.select_related("loan")
        .filter(loan_id=loan_id)
        .exclude(status=ClaimStatus.WITHDRAWN)
        .exclude(pk=exclude_pk)
        .first()
    )


def _approved_this_year(*, fund: CompensationFund, institution_id: int, exclude_pk=None):
    """What ``institution_id`` was granted this year under the fund's policy."""
    year = _today().year
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    total = (
        CompensationClaim.objects.filter(
            fund__policy_id=fund.policy_id,
            institution_id=institution_id,
            status=ClaimStatus.APPROVED,
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("amount_approved"))["total"]
    )
    return Decimal(total or 0).quantize(CENT)


def claim_facts(loan: Loan) -> dict[str, Any]:
    """The facts a claim's formula may read: the loan's and the borrower's registry entry."""
    entry = registry_entry_of(loan.enterprise)
    return {
        "loan.product_type": loan.product_type,
        "loan.amount": loan.amount,
        "loan.outstanding": loan.outstanding,
        "registry_on_list": bool(entry and entry.on_list),
        "registry_stage": entry.stage.code if entry and entry.stage else None,
        "registry_labels": (sorted(entry.labels.values_list("code", flat=True)) if entry else []),
    }


def _check_loan(fund: CompensationFund, loan: Loan) -> None:
    errors = []
    if loan.status != LoanStatus.DEFAULT:
        errors.append(
            _("该笔贷款当前为“%(status)s”，只有已违约的贷款可以申请风险补偿。")
            % {"status": loan.get_status_display()}
        )
    entry = registry_entry_of(loan.enterprise)
    if not (entry and entry.on_list):
        errors.append(_("借款企业不在科技企业名单库中，其贷款不属于风险补偿范围。"))
    if fund.region_id is not None and loan.enterprise.county_id != fund.region_id:
        errors.append(
            _("借款企业不在本资金池所属的%(region)s，请向企业所在地的资金池申请。")
            % {"region": fund.region.name if fund.region else ""}
        )
    if errors:
        raise ApplicationError.invalid({"loan": errors})


def _compute(
    *, fund: CompensationFund, version, loan: Loan, principal_loss: Decimal, exclude_pk=None
) -> tuple[Decimal, Decimal, dict]:
    """(amount, share, explanation) of a claim for ``principal_loss`` of ``loan``."""
    already = _approved_this_year(
        fund=fund, institution_id=loan.institution_id, exclude_pk=exclude_pk
    )
    benefit = benefit_compute(
        version,
        facts=claim_facts(loan),
        inputs={"principal_loss": principal_loss},
        already={"institution_year": already},
    )
    if benefit.amount is None:
        raise ApplicationError.invalid(
            {
                "loan": [
                    _("无法测算补偿金额：缺少%(missing)s数据，请联系资金池管理部门。")
                    % {"missing": "、".join(benefit.missing) or _("测算所需")}
                ]
            }
        )
    if benefit.amount <= 0:
        raise ApplicationError.invalid(
            {
                "loan": [
                    _("按政策测算本笔贷款可获补偿为 0 元（%(why)s），不能提交申请。")
                    % {"why": benefit.steps[-1].text}
                ]
            }
        )
    share = (Decimal(benefit.formula_amount or 0) / principal_loss).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    explanation = {
        **benefit.as_dict(),
        "principal_loss": str(principal_loss),
        "institution_year_before": str(already),
        "version": version.pk,
        "facts": {
            k: v if not isinstance(v, Decimal) else str(v) for k, v in claim_facts(loan).items()
        },
    }
    return benefit.amount, min(share, Decimal("99.9999")), explanation


def _principal_loss(value, loan: Loan) -> Decimal:
    if value in (None, ""):
        return Decimal(loan.outstanding)
    amount = _money(value, field="principal_loss")
    assert amount is not None  # required: _money raised otherwise
    if amount > loan.outstanding:
        raise ApplicationError.invalid(
            {
                "principal_loss": [
                    _("本金损失不能超过贷款余额 %(outstanding)s。")
                    % {"outstanding": format_yuan(loan.outstanding)}
                ]
            }
        )
    return amount


def claim_submit(
    *,
    user,
    fund: CompensationFund,
    loan: Loan,
    principal_loss=None,
    ip_address: str | None = None,
) -> CompensationClaim:
    """A lender claims compensation for its defaulted ``loan`` from ``fund``.

    Order: 403 (not the loan's lender) → 400 (the loan: not defaulted, not a tech
    enterprise's, outside the fund's region; the principal loss) → 409 ``claim_duplicate``
    (the loan already has a live claim) → 400 (nothing to pay: a cap used up) → 409
    ``enrolment_paused``. The enrolment is re-checked last before writing, in its own
    transaction (the ratio is the institution's whatever becomes of the claim: a pause
    stays recorded); the claim itself is written all or nothing. Audited."""
    require(claim_can_submit, user=user, obj=loan)
    _check_loan(fund, loan)
    principal_loss = _principal_loss(principal_loss, loan)
    existing = _live_claim(loan.pk)
    if existing is not None:
        raise claim_duplicate_error(existing)
    version = live_version(fund)
    amount, share, explanation = _compute(
        fund=fund, version=version, loan=loan, principal_loss=principal_loss
    )
    enrolment = enrolment_check(fund, loan.institution, ip_address=ip_address)
    if enrolment.status == EnrolmentStatus.PAUSED:
        raise enrolment_paused_error(enrolment, npl_pause_ratio(version))
    now = timezone.now()
    try:
        with transaction.atomic():
            claim = CompensationClaim.objects.create(
                fund=fund,
                version=version,
                loan=loan,
                institution_id=loan.institution_id,
                enterprise_id=loan.enterprise_id,
                principal_loss=principal_loss,
                share=share,
                amount_claimed=amount,
                explanation=explanation,
                due_on=step_due("claim_review", now, version).date,
                submitted_by=user,
                submitted_at=now,
            )
            _audit_claim(user=user, claim=claim, before=None, ip_address=ip_address)
            _notify_officers(claim, title=_("新的风险补偿申请待审核"))
    except IntegrityError:
        existing = _live_claim(loan.pk)
        if existing is None:
            raise
        raise claim_duplicate_error(existing) from None
    return claim


def _locked(claim: CompensationClaim) -> CompensationClaim:
    return (
        CompensationClaim.objects.select_for_update()
        .select_related("fund", "loan", "enterprise", "version", "institution")
        .get(pk=claim.pk)
    )


def _claim_move(
    *, user, claim: CompensationClaim, action: str, can
) -> tuple[CompensationClaim, str]:
    """``claim`` locked and read afresh, with the status ``action`` takes it to, once ``user``
    may (``can``: 403) and its state allows it (409)."""
    require(can, user=user, obj=claim)
    locked = _locked(claim)
    return locked, claim_transition_check(action=action, state=locked.status)


def _decided(
    locked: CompensationClaim,
    *,
    user,
    target: str,
    comment: str,
    at: datetime.datetime | None = None,
) -> None:
    """Save an officer's decision on ``locked``: its new status, comment, who and when."""
    locked.status = target
    locked.officer_comment = comment
    locked.decided_by = user
    locked.decided_at = at or timezone.now()
    locked.save()


@transaction.atomic
def claim_approve(
    *,
    user,
    claim: CompensationClaim,
    amount=None,
    comment: str = "",
    ip_address: str | None = None,
) -> CompensationClaim:
    """Approve ``claim`` (officers) for ``amount`` (default: the amount claimed; never
    more) and pay it out of the fund in the same transaction. A claim whose computed amount
    is above the version's ``manual_review_above`` needs a city officer. 409 ``fund_insufficient`` when the
    balance cannot cover it: nothing changes. Audited; the lender is told on commit."""
    locked, target = _claim_move(
        user=user, claim=claim, action=ClaimAction.APPROVE, can=claim_can_decide
    )
    amount = locked.amount_claimed if amount in (None, "") else _money(amount, field="amount")
    if amount > locked.amount_claimed:
        raise ApplicationError.invalid(
            {
                "amount": [
                    _("核准金额不能超过测算补偿金额 %(claimed)s。")
                    % {"claimed": format_yuan(locked.amount_claimed)}
                ]
            }
        )
    if amount <= 0:
        raise ApplicationError.invalid(
            {"amount": [_("核准金额应大于 0 元；不予补偿请选择不予通过。")]}
        )
    comment = _text(comment, field="comment", max_length=COMMENT_MAX)
    limit = manual_review_above(locked.version)
    if locked.amount_claimed > limit and not user.is_city_officer:
        raise ApplicationError.permission_denied(
            _("补偿金额超过 %(limit)s，须由市级部门工作人员审核。") % {"limit": format_yuan(limit)}
        )
    cap = locked.version.cap_per_institution_year
    if cap is not None:
        # Approvals for one institution queue on its enrolment row, so the yearly cap holds.
        list(
            FundEnrolment.objects.select_for_update()
            .filter(fund_id=locked.fund_id, institution_id=locked.institution_id)
            .values_list("pk", flat=True)
        )
        used = _approved_this_year(fund=locked.fund, institution_id=locked.institution_id)
        room = max(Decimal(cap) - used, Decimal(0))
        if amount > room:
            raise ApplicationError.invalid(
                {
                    "amount": [
                        _(
                            "本机构本年度补偿上限 %(cap)s，已核准 %(used)s，本次最多可核准 %(room)s。"
                        )
                        % {
                            "cap": format_yuan(cap),
                            "used": format_yuan(used),
                            "room": format_yuan(room),
                        }
                    ]
                }
            )
    before = model_snapshot(locked, CLAIM_AUDITED)
    _debit(locked.fund, amount)
    now = timezone.now()
    locked.amount_approved = amount
    _decided(locked, user=user, target=target, comment=comment, at=now)
    _entry(
        fund_id=locked.fund_id,
        kind=FundEntryKind.PAYOUT,
        amount=amount,
        user=user,
        claim=locked,
        institution_id=locked.institution_id,
        memo=_("代偿：贷款 %(contract)s") % {"contract": locked.loan.contract_number},
    )
    _audit_claim(user=user, claim=locked, before=before, ip_address=ip_address)
    _notify_lender(
        locked,
        kind="claim_approved",
        title=_("风险补偿申请已核准"),
        body=_("贷款 %(contract)s 的风险补偿已核准 %(amount)s，资金已从资金池拨付。")
        % {"contract": locked.loan.contract_number, "amount": format_yuan(amount)},
    )
    return locked


@transaction.atomic
def claim_return(
    *, user, claim: CompensationClaim, comment: str, ip_address: str | None = None
) -> CompensationClaim:
    """Return ``claim`` to the lender for more information (officers; comment required)."""
    locked, target = _claim_move(
        user=user, claim=claim, action=ClaimAction.RETURN, can=claim_can_decide
    )
    comment = _text(comment, field="comment", max_length=COMMENT_MAX, required=True)
    before = model_snapshot(locked, CLAIM_AUDITED)
    _decided(locked, user=user, target=target, comment=comment)
    _audit_claim(user=user, claim=locked, before=before, ip_address=ip_address)
    _notify_lender(
        locked,
        kind="claim_returned",
        title=_("风险补偿申请被退回补充"),
        body=comment,
    )
    return locked


@transaction.atomic
def claim_reject(
    *, user, claim: CompensationClaim, reason: str, text: str, ip_address: str | None = None
) -> CompensationClaim:
    """Reject ``claim`` (officers) with a reason code and an explanation for the lender."""
    locked, target = _claim_move(
        user=user, claim=claim, action=ClaimAction.REJECT, can=claim_can_decide
    )
    errors = reject_reason_problems(reason)
    try:
        text = _text(text, field="text", max_length=COMMENT_MAX, required=True)
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError.invalid(errors)
    before = model_snapshot(locked, CLAIM_AUDITED)
    locked.reject_reason = reason
    _decided(locked, user=user, target=target, comment=text)
    _audit_claim(user=user, claim=locked, before=before, ip_address=ip_address)
    _notify_lender(
        locked,
        kind="claim_rejected",
        title=_("风险补偿申请未通过"),
        body=f"{locked.get_reject_reason_display()}：{text}",
    )
    return locked


@transaction.atomic
def claim_resubmit(
    *, user, claim: CompensationClaim, principal_loss=None, ip_address: str | None = None
) -> CompensationClaim:
    """The lender resubmits a returned claim: recomputed under the live version, due again."""
    locked, target = _claim_move(
        user=user, claim=claim, action=ClaimAction.RESUBMIT, can=claim_can_submit
    )
    loan = locked.loan
    _check_loan(locked.fund, loan)
    loss = (
        locked.principal_loss
        if principal_loss in (None, "")
        else _principal_loss(principal_loss, loan)
    )
    version = live_version(locked.fund)
    amount, share, explanation = _compute(
        fund=locked.fund, version=version, loan=loan, principal_loss=loss, exclude_pk=locked.pk
    )
    before = model_snapshot(locked, CLAIM_AUDITED)
    now = timezone.now()
    locked.version = version
    locked.status = target
    locked.principal_loss = loss
    locked.share = share
    locked.amount_claimed = amount
    locked.explanation = explanation
    locked.submitted_at = now
    locked.due_on = step_due("claim_review", now, version).date
    locked.save()
    _audit_claim(user=user, claim=locked, before=before, ip_address=ip_address)
    _notify_officers(locked, title=_("风险补偿申请已补充后重新提交"))
    return locked


@transaction.atomic
def claim_withdraw(
    *, user, claim: CompensationClaim, ip_address: str | None = None
) -> CompensationClaim:
    """The lender withdraws a claim not yet decided (the loan may then be claimed again)."""
    locked, target = _claim_move(
        user=user, claim=claim, action=ClaimAction.WITHDRAW, can=claim_can_submit
    )
    before = model_snapshot(locked, CLAIM_AUDITED)
    locked.status = target
    locked.save()
    _audit_claim(user=user, claim=locked, before=before, ip_address=ip_address)
    return locked


def recovery_returned(*, recovered: Decimal, approved: Decimal, principal_loss: Decimal):
    """The fund's cumulative share of ``recovered``: recovered × approved / principal loss,
    half-up to the cent, never above ``approved``."""
    share = to_cents(Decimal(recovered) * Decimal(approved) / Decimal(principal_loss))
    return min(share or Decimal(0), Decimal(approved))


@transaction.atomic
def claim_recover(
    *,
    user,
    claim: CompensationClaim,
    amount,
    on: datetime.date | None = None,
    memo: str = "",
    ip_address: str | None = None,
) -> CompensationClaim:
    """The lender records ``amount`` recovered on a paid claim's loan; the fund's share
    (pro rata to the compensation, computed on the cumulative recovery so cents never
    drift) flows back to the fund as a ``recovery`` entry. Audited."""
    locked, _target = _claim_move(
        user=user, claim=claim, action=ClaimAction.RECOVER, can=claim_can_submit
    )
    amount = _money(amount, field="amount")
    memo = _text(memo, field="memo", max_length=MEMO_MAX)
    if on is not None and on > _today():
        raise ApplicationError.invalid({"on": [_("回收日期不能晚于今天。")]})
    room = locked.principal_loss - locked.recovered
    if amount > room:
        raise ApplicationError.invalid(
            {
                "amount": [
                    _("累计追偿回收不能超过本金损失 %(loss)s；已回收 %(done)s，本次最多 %(room)s。")
                    % {
                        "loss": format_yuan(locked.principal_loss),
                        "done": format_yuan(locked.recovered),
                        "room": format_yuan(room),
                    }
                ]
            }
        )
    before = model_snapshot(locked, CLAIM_AUDITED)
    recovered = locked.recovered + amount
    returned = recovery_returned(
        recovered=recovered,
        approved=locked.amount_approved or Decimal(0),
        principal_loss=locked.principal_loss,
    )
    back = returned - locked.returned_to_fund
    locked.recovered = recovered
    locked.returned_to_fund = returned
    locked.save(update_fields=["recovered", "returned_to_fund", "updated_at"])
    if back > 0:
        _credit(locked.fund_id, back)
        _entry(
            fund_id=locked.fund_id,
            kind=FundEntryKind.RECOVERY,
            amount=back,
            user=user,
            on=on,
            claim=locked,
            institution_id=locked.institution_id,
            memo=memo or _("追偿回收 %(amount)s 按比例返还") % {"amount": format_yuan(amount)},
        )
    _audit_claim(user=user, claim=locked, before=before, ip_address=ip_address)
    return locked


def fund_report_exported(*, user, fund: CompensationFund, ip_address: str | None = None) -> None:
    """Record that ``user`` exported ``fund``'s report (the CSV holds institutions' data)."""
    require(fund_can_see_ledger, user=user, obj=fund)
    audit_record(
        actor=user,
        action=AuditAction.READ_SENSITIVE,
        instance=fund,
        after={"export": "fund_report_csv"},
        ip_address=ip_address,
    )
