"""Officers' step limits (环节时限): set or reset the working days a step may take.

A limit applies to deadlines computed after it is set (the deadline scan fills due dates a
demand lacks; due dates already set are kept, so a change never makes a demand overdue
retroactively). Audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.financing.choices import DeadlineStep, ProductType
from kejin.financing.models import StepDeadline
from kejin.financing.permissions import monitoring_can_view, step_deadline_can_edit

#: The longest limit an officer may set (a quarter of working days).
MAX_WORKING_DAYS = 60


@dataclass(frozen=True)
class StepLimitRow:
    """A step's default limit (settings) and the officers' rows for it."""

    step: str
    label: str
    default: int
    rows: list[StepDeadline]


def step_limits_list(*, user) -> list[StepLimitRow]:
    """Every step with its default and the officers' limits (officers); one query."""
    require(monitoring_can_view, user=user)
    rows = list(StepDeadline.objects.order_by("step", "product_type"))
    return [
        StepLimitRow(
            step=step,
            label=str(label),
            default=int(settings.KEJIN_FINANCING_DEADLINES[step]),
            rows=[row for row in rows if row.step == step],
        )
        for step, label in DeadlineStep.choices
    ]


def _validate(step: str, product_type: str, working_days) -> int:
    fields: dict[str, list[str]] = {}
    if step not in DeadlineStep.values:
        fields["step"] = [_("请选择认领、首次联系或审批决定。")]
    if product_type and product_type not in ProductType.values:
        fields["product_type"] = [_("产品类型无效。")]
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_WORKING_DAYS:
        fields["working_days"] = [
            _("时限应为 1 至 %(max)d 个工作日的整数。") % {"max": MAX_WORKING_DAYS}
        ]
    if fields:
        raise ApplicationError.invalid(fields)
    return days


@transaction.atomic
def step_deadline_set(
    *, step: str, product_type: str = "", working_days, acting_user
) -> StepDeadline:
    """Set the limit of ``step`` (for ``product_type``, or every type when empty)."""
    require(step_deadline_can_edit, user=acting_user)
    days = _validate(step, product_type or "", working_days)
    row = (
        StepDeadline.objects.select_for_update()
        .filter(step=step, product_type=product_type or "")
        .first()
    )
    before = model_snapshot(row, ["working_days"]) if row else None
    if row is None:
        row = StepDeadline.objects.create(
            step=step, product_type=product_type or "", working_days=days
        )
    elif row.working_days != days:
        row.working_days = days
        row.save(update_fields=["working_days", "updated_at"])
    else:
        return row
    audit_record(
        actor=acting_user,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=row,
        before=before,
        after=model_snapshot(row, ["step", "product_type", "working_days"]),
    )
    return row


@transaction.atomic
def step_deadline_reset(*, pk: int, acting_user) -> None:
    """Remove an officers' limit (the step falls back to the broader row or the default)."""
    require(step_deadline_can_edit, user=acting_user)
    row = StepDeadline.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise ApplicationError.not_found()
    audit_record(
        actor=acting_user,
        action=AuditAction.DELETE,
        instance=row,
        before=model_snapshot(row, ["step", "product_type", "working_days"]),
    )
    row.delete()
