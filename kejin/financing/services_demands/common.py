"""What every demand service shares: who the actor is to the demand, the row lock, one
event per move (with its audit row), the notifications of a move.

A move is: lock the demand's row, ask ``kejin.financing.workflow.transition_check`` (403 for
an actor who may never take the action, 409 for a state that does not allow it), check the
input (400), change the demand, write one ``DemandEvent`` and one audit row — all in the
caller's transaction, so a refusal changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.financing.choices import DemandStatus
from kejin.financing.models import Demand, DemandEvent, DemandRoute
from kejin.financing.permissions import SYSTEM, demand_actor_kinds
from kejin.financing.workflow import Transition, transition_check

#: The demand's fields an audit row shows before and after a move.
AUDITED = [
    "status",
    "open_pool",
    "institution",
    "product",
    "claimed_by",
    "guarantee_status",
    "guarantor",
    "approved_amount",
    "approved_rate",
    "rejection_reason",
    "rejection_text",
    "claim_due_on",
    "contact_due_on",
    "decision_due_on",
    "overdue_step",
    "escalated_at",
]


def routed_institution_ids(demand: Demand) -> frozenset[int]:
    """The institutions ``demand`` is routed to (one query)."""
    return frozenset(
        DemandRoute.objects.filter(demand_id=demand.pk).values_list("institution_id", flat=True)
    )


def actor_kinds(acting_user, demand: Demand) -> frozenset[str]:
    """Who ``acting_user`` is to ``demand``; ``acting_user=None`` is the platform (SYSTEM)."""
    if acting_user is None:
        return frozenset({SYSTEM})
    return demand_actor_kinds(
        user=acting_user, demand=demand, routed_institution_ids=routed_institution_ids(demand)
    )


def demand_lock(demand: Demand | int) -> Demand:
    """The demand's row, locked until the transaction ends (must run inside one)."""
    pk = demand if isinstance(demand, int) else demand.pk
    return Demand.objects.select_for_update(of=("self",)).get(pk=pk)


def check(*, demand: Demand, action: str, acting_user) -> Transition:
    """``transition_check`` for ``acting_user`` (None: SYSTEM) on the locked ``demand``."""
    return transition_check(
        action=action,
        status=demand.status,
        actor_kinds=actor_kinds(acting_user, demand),
        guarantee_status=demand.guarantee_status,
    )


def acting_institution_id(acting_user) -> int | None:
    if acting_user is None or not getattr(acting_user, "is_institution_user", False):
        return None
    return acting_user.institution_id


def event_write(
    *,
    demand: Demand,
    action: str,
    from_status: str,
    acting_user,
    at: datetime.datetime,
    before: dict | None,
    reason: str = "",
    text: str = "",
    data: dict | None = None,
    ip_address: str | None = None,
    institution_id: int | None = None,
) -> DemandEvent:
    """One ``DemandEvent`` for a move of ``demand`` (already saved) and its audit row."""
    event = DemandEvent.objects.create(
        demand=demand,
        action=action,
        from_status=from_status,
        to_status=demand.status,
        actor=acting_user,
        institution_id=institution_id
        if institution_id is not None
        else acting_institution_id(acting_user),
        reason=reason,
        text=text,
        data=data or {},
        at=at,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=demand,
        before=before,
        after={**model_snapshot(demand, AUDITED), "workflow_action": action},
        ip_address=ip_address,
    )
    return event


def snapshot(demand: Demand) -> dict:
    return model_snapshot(demand, AUDITED)


def now() -> datetime.datetime:
    return timezone.now()


def on_commit(callback) -> None:
    """Run ``callback`` once the current transaction commits (never for a rollback)."""
    transaction.on_commit(callback, robust=True)


def is_open(status: str) -> bool:
    return status not in (
        DemandStatus.CLOSED,
        DemandStatus.WITHDRAWN,
        DemandStatus.EXPIRED,
        DemandStatus.REJECTED,
    )
