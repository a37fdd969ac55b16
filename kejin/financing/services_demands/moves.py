"""Every other move of the demand workflow: contact, review, decision (approve / reject and
refer on), the guarantor step, disbursement, closing, withdrawal, and the platform's
expiry and escalation (what the deadline scan calls).

Each runs under the demand's row lock, asks the workflow table first (403 / 409), then
checks its input (400), and writes one ``DemandEvent`` with its actor and time.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.text import text_problem
from kejin.financing.choices import (
    DeadlineStep,
    DemandAction,
    GuaranteeStatus,
    RejectionReason,
)
from kejin.financing.models import Demand
from kejin.financing.services_demands import notify
from kejin.financing.services_demands.common import (
    check,
    demand_lock,
    event_write,
    now,
    on_commit,
    snapshot,
)
from kejin.financing.services_demands.posting import RATE_MAX, _claim_due, routes_write
from kejin.financing.services_loans import loan_create_for_demand
from kejin.financing.sla import demand_step_workdays_set
from kejin.financing.workflow import GUARANTEE_MOVES

REJECTION_TEXT_MAX = 1000


def _move(
    *,
    demand: Demand | int,
    action: str,
    acting_user,
    ip_address: str | None,
    apply=None,
    reason: str = "",
    text: str = "",
    data: dict | None = None,
):
    """Lock, check, change (``apply(locked, at)`` may refuse with a 400 before anything is
    saved), save and record one move; the demand and its event."""
    locked = demand_lock(demand)
    transition = check(demand=locked, action=action, acting_user=acting_user)
    before, from_status, at = snapshot(locked), locked.status, now()
    extra = apply(locked, at) if apply else None
    if transition.target is not None:
        locked.status = transition.target
    if action in GUARANTEE_MOVES:
        locked.guarantee_status = GUARANTEE_MOVES[action][1]
    locked.save()
    demand_step_workdays_set(demand=locked)  # the stored step times monitoring reads
    event = event_write(
        demand=locked,
        action=action,
        from_status=from_status,
        acting_user=acting_user,
        at=at,
        before=before,
        reason=reason,
        text=text,
        data={**(data or {}), **(extra or {})},
        ip_address=ip_address,
    )
    on_commit(partial(notify.notify_enterprise, demand=locked, event=event))
    return locked, event


@transaction.atomic
def demand_contact(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """The claimant records its first contact with the enterprise."""

    def apply(locked, at):
        locked.contacted_at = at
        if locked.overdue_step == DeadlineStep.CONTACT:
            locked.overdue_step = ""

    return _move(
        demand=demand,
        action=DemandAction.CONTACT,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
    )[0]


@transaction.atomic
def demand_review_start(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """The claimant starts its credit review (the decision stays due as set on the claim)."""

    def apply(locked, at):
        locked.review_started_at = at

    return _move(
        demand=demand,
        action=DemandAction.START_REVIEW,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
    )[0]


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@transaction.atomic
def demand_approve(
    *, demand: Demand, amount, rate, acting_user, ip_address: str | None = None
) -> Demand:
    """The claimant approves ``amount`` yuan (at most what was asked) at ``rate`` percent a
    year. Not while a guarantee request waits for the guarantor's answer (409)."""

    def apply(locked, at):
        errors: dict[str, list[str]] = {}
        approved = _decimal(amount)
        if approved is None or approved <= 0:
            errors["amount"] = [_("请填写批准金额（元），应大于0。")]
        elif approved > locked.amount or approved.as_tuple().exponent < -2:
            errors["amount"] = [
                _("批准金额不能超过申请金额 %(amount)s 元，且最多两位小数。")
                % {"amount": locked.amount}
            ]
        approved_rate = _decimal(rate)
        if approved_rate is None or not 0 < approved_rate <= RATE_MAX:
            errors["rate"] = [_("请填写批准年利率（%），应在0到36之间，例如 3.85。")]
        if errors:
            raise ApplicationError.invalid(errors)
        locked.approved_amount = approved.quantize(Decimal("0.01"))
        locked.approved_rate = approved_rate.quantize(Decimal("0.001"))
        locked.decided_at = at
        if locked.overdue_step:
            locked.overdue_step = ""
        return {"amount": str(locked.approved_amount), "rate": str(locked.approved_rate)}

    return _move(
        demand=demand,
        action=DemandAction.APPROVE,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
    )[0]


def rejection_clean(reason, text) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if reason not in RejectionReason.values:
        errors["reason"] = [_("请选择拒绝原因。")]
    text = (text or "").strip() if isinstance(text, str) or text is None else str(text)
    if not text:
        errors["text"] = [_("请填写拒绝说明：企业将看到这段话，请说明原因和可以改进之处。")]
    elif len(text) > REJECTION_TEXT_MAX:
        errors["text"] = [_("拒绝说明不能超过%(max)s个字。") % {"max": REJECTION_TEXT_MAX}]
    elif problem := text_problem(text, multiline=True):
        errors["text"] = [problem]
    if errors:
        raise ApplicationError.invalid(errors)
    return reason, text


@transaction.atomic
def demand_reject(
    *, demand: Demand, reason, text, acting_user, ip_address: str | None = None
) -> Demand:
    """The claimant declines with a reason code and a text the enterprise sees; the
    enterprise (or an officer) may then refer the demand on to its next matches."""

    def apply(locked, at):
        locked.rejection_reason, locked.rejection_text = rejection_clean(reason, text)
        locked.decided_at = at
        locked.overdue_step = ""

    return _move(
        demand=demand,
        action=DemandAction.REJECT,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
        reason=reason if isinstance(reason, str) else "",
        text=text.strip() if isinstance(text, str) else "",
    )[0]


@transaction.atomic
def demand_refer(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """A rejected demand is referred on (转介): routed to its next matches not routed to
    before (the institution that declined excluded), else posted to the open pool. The
    rejection stays in the timeline."""
    holder: dict = {}

    def apply(locked, at):
        holder["declined_by"] = locked.institution_id
        institutions = routes_write(demand=locked, at=at, referral=True)
        holder["institutions"] = institutions
        locked.institution = None
        locked.claimed_by = None
        locked.product = None
        locked.open_pool = not institutions
        locked.routed_at = at
        locked.claimed_at = locked.contacted_at = locked.review_started_at = None
        locked.decided_at = None
        locked.contact_due_on = locked.decision_due_on = None
        locked.claim_due_on = _claim_due(locked, at)
        locked.guarantee_status = GuaranteeStatus.NONE
        locked.guarantor = None
        locked.overdue_step = ""
        return {"institutions": institutions, "declined_by": holder["declined_by"]}

    locked, event = _move(
        demand=demand,
        action=DemandAction.REFER,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
    )
    if holder["institutions"]:
        on_commit(
            partial(
                notify.notify_routed,
                demand=locked,
                event=event,
                institution_ids=holder["institutions"],
            )
        )
    return locked


@transaction.atomic
def demand_guarantee_request(
    *, demand: Demand, guarantor, acting_user, ip_address: str | None = None
) -> Demand:
    """The claimant brings in a guarantor (a financing guarantee company) — only if the
    enterprise accepted one when posting."""
    from kejin.institutions.choices import InstitutionKind

    def apply(locked, at):
        if not locked.guarantor_ok:
            raise ApplicationError(
                ErrorCode.DEMAND_STATE_CONFLICT,
                _("企业发布需求时未同意担保机构介入，不能申请担保。"),
                status=409,
            )
        if guarantor is None or getattr(guarantor, "kind", None) != InstitutionKind.GUARANTEE:
            raise ApplicationError.invalid({"guarantor": [_("请选择一家融资担保公司。")]})
        locked.guarantor = guarantor
        return {"guarantor": guarantor.pk}

    locked, event = _move(
        demand=demand,
        action=DemandAction.REQUEST_GUARANTEE,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
    )
    on_commit(partial(notify.notify_guarantor, demand=locked, event=event))
    return locked


@transaction.atomic
def demand_guarantee_grant(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """The guarantor agrees to guarantee the demand."""
    return _move(
        demand=demand,
        action=DemandAction.GRANT_GUARANTEE,
        acting_user=acting_user,
        ip_address=ip_address,
    )[0]


@transaction.atomic
def demand_guarantee_refuse(
    *, demand: Demand, text: str = "", acting_user, ip_address: str | None = None
) -> Demand:
    """The guarantor declines (the claimant may ask another, or decide without one)."""
    text = (text or "").strip()
    if problem := text_problem(text, multiline=True):
        raise ApplicationError.invalid({"text": [problem]})
    return _move(
        demand=demand,
        action=DemandAction.REFUSE_GUARANTEE,
        acting_user=acting_user,
        ip_address=ip_address,
        text=text[:REJECTION_TEXT_MAX],
    )[0]


@transaction.atomic
def demand_disburse(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """The claimant records the disbursement of an approved demand; its Loan is created in
    the same transaction (``loan_create_for_demand``)."""

    def apply(locked, at):
        locked.disbursed_at = at

    locked, event = _move(
        demand=demand,
        action=DemandAction.DISBURSE,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
    )
    loan = loan_create_for_demand(
        demand=locked, actor=acting_user, disbursed_on=timezone.localdate(locked.disbursed_at)
    )
    event.data = {**event.data, "loan": loan.pk}
    event.save(update_fields=["data"])
    return locked


def _end(action: str):
    @transaction.atomic
    def end(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
        def apply(locked, at):
            locked.closed_at = at
            locked.overdue_step = ""

        return _move(
            demand=demand,
            action=action,
            acting_user=acting_user,
            ip_address=ip_address,
            apply=apply,
        )[0]

    return end


demand_close = _end(DemandAction.CLOSE)
demand_close.__doc__ = """The claimant (or an officer) closes an approved or disbursed demand."""
demand_withdraw = _end(DemandAction.WITHDRAW)
demand_withdraw.__doc__ = """The enterprise withdraws its demand before a decision."""
demand_expire = _end(DemandAction.EXPIRE)
demand_expire.__doc__ = """The platform (``acting_user=None``) expires a demand nobody claimed:
for the deadline scan of the monitoring part."""


@transaction.atomic
def demand_escalate(
    *, demand: Demand | int, step: str, acting_user=None, ip_address: str | None = None
) -> Demand | None:
    """The platform flags ``demand``'s ``step`` (claim, contact, decision) overdue and alerts
    the county's officers and the claimant: for the deadline scan. Idempotent: a demand
    already escalated for ``step`` is left as it is (None returned)."""
    if step not in DeadlineStep.values:
        raise ApplicationError.invalid({"step": [_("未知的环节。")]})
    locked = demand_lock(demand)
    if locked.overdue_step == step and locked.escalated_at is not None:
        check(demand=locked, action=DemandAction.ESCALATE, acting_user=acting_user)
        return None

    def apply(locked, at):
        locked.overdue_step = step
        locked.escalated_at = at

    locked, event = _move(
        demand=locked,
        action=DemandAction.ESCALATE,
        acting_user=acting_user,
        ip_address=ip_address,
        apply=apply,
        reason=step,
        text=str(DeadlineStep(step).label),
    )
    on_commit(partial(notify.notify_escalated, demand=locked, event=event))
    return locked
