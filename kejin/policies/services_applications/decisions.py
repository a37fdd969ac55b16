"""The officers' decisions: accept, return for more information, reject, approve an amount."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.money import format_yuan
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
    RejectReason,
    reject_reason_problems,
)
from kejin.policies.models import Application
from kejin.policies.services_applications.assessment import granted_before
from kejin.policies.services_applications.common import comment_clean, move_check, simple_move
from kejin.policies.services_applications.values import money_clean

# --- the officers ----------------------------------------------------------------------------


def _commented_move(
    *,
    user,
    application: Application,
    action: str,
    to_status: str,
    comment: str,
    ip_address: str | None,
    required_message: str | None = None,
) -> Application:
    """A move whose only input is the officer's comment (kept on the application)."""
    application = move_check(user=user, application=application, action=action)
    comment = comment_clean(comment, required_message=required_message)
    application.officer_comment = comment
    return simple_move(
        application,
        user=user,
        action=action,
        to_status=to_status,
        comment=comment,
        ip_address=ip_address,
    )


@transaction.atomic
def application_accept(
    *, user, application: Application, comment: str = "", ip_address: str | None = None
) -> Application:
    """Accept a submitted application for review (its deciders); the decision step starts."""
    return _commented_move(
        user=user,
        application=application,
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
    return _commented_move(
        user=user,
        application=application,
        action=ApplicationAction.RETURN,
        to_status=ApplicationStatus.RETURNED,
        comment=comment,
        ip_address=ip_address,
        required_message=_("请填写退回意见，说明需要补充的材料或信息。"),
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
    application = move_check(user=user, application=application, action=ApplicationAction.REJECT)
    errors = reject_reason_problems(reason)
    try:
        comment = comment_clean(comment, required_message=_("请填写不予通过的具体说明。"))
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError.invalid(errors)
    application.reject_reason = reason
    application.officer_comment = comment
    application.decided_by = user
    application.decided_at = timezone.now()
    return simple_move(
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
    application = move_check(user=user, application=application, action=ApplicationAction.APPROVE)
    comment = comment_clean(comment)
    now = timezone.now()
    try:
        value = money_clean(amount)
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
    return simple_move(
        application,
        user=user,
        action=ApplicationAction.APPROVE,
        to_status=ApplicationStatus.APPROVED,
        comment=comment,
        amount=value,
        ip_address=ip_address,
    )
