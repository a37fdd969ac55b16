"""What every application service shares: the constants, the periods, the row lock and
the workflow check, one event per move (with its audit row), the notifications, the step
due dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.accounts.choices import ENTERPRISE_ROLES, Role
from kejin.core.audit import audit_write, model_snapshot
from kejin.core.errors import ApplicationError
from kejin.core.workdays import workdays_between
from kejin.notifications.services import notification_send
from kejin.policies.application_workflow import (
    STATUS_STEP,
    actor_kinds,
    transition_check,
)
from kejin.policies.choices import (
    ApplicationPeriod,
    ApplicationStatus,
    PolicyScheme,
)
from kejin.policies.deadlines import step_due
from kejin.policies.models import (
    Application,
    ApplicationEvent,
)
from kejin.policies.services_applications.values import text_clean

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
    """The page of application ``pk``."""
    return reverse("policies:application_detail", args=[pk])


def notify(application: Application, *, action: str, to_officers: bool, at) -> None:
    """Tell the other side of a move (officers or the enterprise's users) on commit."""
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


def workdays_taken(application: Application, now: datetime.datetime) -> int | None:
    """The working days the current step took until ``now`` (None: no step)."""
    if not application.step or application.step_started_at is None:
        return None
    counted = workdays_between(
        timezone.localtime(application.step_started_at).date(), timezone.localtime(now).date()
    ).value
    return max(counted, 0) if isinstance(counted, int) else None


def step_start(application: Application, now: datetime.datetime) -> None:
    """Set the step the application's status waits on, with its due date (none: cleared)."""
    step = STATUS_STEP.get(application.status, "")
    application.step = step
    application.step_started_at = now if step else None
    application.due_on = step_due(step, now, application.version).date if step else None


def record(
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
    """One ``ApplicationEvent`` for a move and its audit row (``before`` None: created)."""
    audit_write(
        actor=actor,
        instance=application,
        before=before,
        after=model_snapshot(application, AUDITED),
        ip_address=ip_address,
        skip_unchanged=False,
        note=None if before is None else {"action": action},
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


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("policy", "version", "enterprise")
        .get(pk=application.pk)
    )


def move_check(*, user, application: Application, action: str) -> Application:
    """The application locked and read afresh, once ``user`` may take ``action`` on it in
    its state (the refusal rolls the lock back with the transaction)."""
    locked = _locked(application)
    transition_check(
        action=action,
        status=locked.status,
        actor_kinds=actor_kinds(user=user, application=locked),
    )
    return locked


def comment_clean(value: Any, *, required_message: str | None = None) -> str:
    """The comment of a move checked (``invalid`` on ``comment``), required with ``required_message``."""
    try:
        comment = text_clean(value, max_length=COMMENT_MAX)
    except ValueError as error:
        raise ApplicationError.invalid({"comment": [str(error)]}) from error
    if not comment and required_message:
        raise ApplicationError.invalid({"comment": [required_message]})
    return comment


def simple_move(
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
    """Move ``application`` (locked and checked) to ``to_status``: step, event, audit, notice."""
    now = timezone.now()
    before = model_snapshot(application, AUDITED)
    from_status = application.status
    workdays = workdays_taken(application, now)
    application.status = to_status
    step_start(application, now)
    application.save()
    record(
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
    notify(application, action=action, to_officers=to_officers, at=now)
    return application
