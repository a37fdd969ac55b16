"""Payouts recorded on an approved application."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import model_snapshot
from kejin.core.errors import ApplicationError
from kejin.core.money import format_yuan
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
)
from kejin.policies.models import (
    Application,
    Payout,
)
from kejin.policies.services_applications.common import (
    AUDITED,
    VOUCHER_MAX,
    move_check,
    notify,
    record,
    step_start,
    workdays_taken,
)
from kejin.policies.services_applications.values import date_clean, money_clean, text_clean


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
    application = move_check(user=user, application=application, action=ApplicationAction.PAY)
    errors: dict[str, list[str]] = {}
    value = day = None
    try:
        value = money_clean(amount)
        if value <= 0:
            raise ValueError(_("兑付金额应大于 0。"))
    except ValueError as error:
        errors["amount"] = [str(error)]
    try:
        day = date_clean(paid_on)
        if day > timezone.localdate():
            raise ValueError(_("兑付日期不能晚于今天。"))
        decided = timezone.localtime(application.decided_at).date()
        if day < decided:
            raise ValueError(_("兑付日期不能早于核定日期 %(day)s。") % {"day": decided.isoformat()})
    except ValueError as error:
        errors["paid_on"] = [str(error)]
    try:
        voucher = text_clean(voucher, max_length=VOUCHER_MAX)
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
    workdays = workdays_taken(application, now)
    payout = Payout.objects.create(
        application=application, amount=value, paid_on=day, voucher=voucher, recorded_by=user
    )
    application.amount_paid = application.amount_paid + value
    fully = application.amount_paid == approved
    if fully:
        application.status = ApplicationStatus.PAID
        step_start(application, now)
    application.save()
    record(
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
    notify(application, action=ApplicationAction.PAY, to_officers=False, at=now)
    return payout
