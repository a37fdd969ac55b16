"""Claiming (抢单) and releasing a demand.

A claim is one conditional UPDATE: the row changes only while it is still ``routed`` and
unclaimed, so of any number of concurrent claims exactly one changes a row (SQLite takes the
write lock at BEGIN; PostgreSQL re-checks the condition once the winner commits). The
rowcount decides: 1 wins, 0 is ``demand_already_claimed`` (409) when another institution
holds it, else the state conflict of the workflow table.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.financing.choices import CLAIMED_STATUSES, DeadlineStep, DemandAction, DemandStatus
from kejin.financing.deadlines import step_due
from kejin.financing.models import Demand
from kejin.financing.permissions import ROUTED
from kejin.financing.services_demands import notify
from kejin.financing.services_demands.common import (
    actor_kinds,
    check,
    demand_lock,
    event_write,
    now,
    on_commit,
    snapshot,
)
from kejin.financing.services_demands.posting import _claim_due, product_of_route
from kejin.financing.sla import demand_step_workdays_set
from kejin.financing.workflow import transition_check


def already_claimed(demand: Demand, acting_user) -> ApplicationError:
    """The 409 of a claim that came too late."""
    if acting_user is not None and demand.institution_id == acting_user.institution_id:
        message = _("该需求已由本机构认领，无需重复认领。")
    else:
        message = _("该需求已被其他机构认领，请选择其他需求。")
    return ApplicationError(ErrorCode.DEMAND_ALREADY_CLAIMED, message, status=409)


def _refuse(demand: Demand, acting_user) -> ApplicationError:
    if demand.status in CLAIMED_STATUSES and demand.institution_id:
        return already_claimed(demand, acting_user)
    try:
        transition_check(
            action=DemandAction.CLAIM,
            status=demand.status,
            actor_kinds=frozenset({ROUTED}),
            guarantee_status=demand.guarantee_status,
        )
    except ApplicationError as error:
        return error
    return already_claimed(demand, acting_user)  # pragma: no cover - the row changed twice


@transaction.atomic
def demand_claim(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """An institution the demand is routed to (or any, for a demand in the open pool) claims
    it exclusively; the first contact and the decision are due within their limits in
    working days of the claim. Exactly one of concurrent claims wins (module docstring)."""
    current = Demand.objects.get(pk=demand.pk)
    kinds = actor_kinds(acting_user, current)
    if ROUTED not in kinds:
        transition_check(
            action=DemandAction.CLAIM,
            status=current.status,
            actor_kinds=kinds,
            guarantee_status=current.guarantee_status,
        )  # 403 (no routed actor may be refused for state here)
    institution_id = acting_user.institution_id
    product = product_of_route(current, institution_id)
    product_type = product.product_type if product else ""
    at = now()
    contact_due = step_due(DeadlineStep.CONTACT, at, product_type).date
    decision_due = step_due(DeadlineStep.DECISION, at, product_type).date
    before = snapshot(current)
    updated = Demand.objects.filter(
        pk=current.pk, status=DemandStatus.ROUTED, institution__isnull=True
    ).update(
        status=DemandStatus.CLAIMED,
        institution_id=institution_id,
        claimed_by=acting_user,
        product=product,
        claimed_at=at,
        contacted_at=None,
        contact_due_on=contact_due,
        decision_due_on=decision_due,
        overdue_step="",
        updated_at=at,
    )
    if updated != 1:
        raise _refuse(Demand.objects.get(pk=current.pk), acting_user)
    claimed = Demand.objects.get(pk=current.pk)
    demand_step_workdays_set(demand=claimed)  # the stored step times monitoring reads
    event = event_write(
        demand=claimed,
        action=DemandAction.CLAIM,
        from_status=DemandStatus.ROUTED,
        acting_user=acting_user,
        at=at,
        before=before,
        data={
            "contact_due_on": contact_due.isoformat(),
            "decision_due_on": decision_due.isoformat(),
        },
        ip_address=ip_address,
    )
    on_commit(partial(notify.notify_enterprise, demand=claimed, event=event))
    return claimed


@transaction.atomic
def demand_release(*, demand: Demand, acting_user, ip_address: str | None = None) -> Demand:
    """The claimant gives a demand it has not started reviewing back: it is ``routed`` again
    (to its routes, or the pool) and the claim is due anew."""
    locked = demand_lock(demand)
    check(demand=locked, action=DemandAction.RELEASE, acting_user=acting_user)
    before, from_status, at = snapshot(locked), locked.status, now()
    released_by = locked.institution_id
    locked.status = DemandStatus.ROUTED
    locked.institution = None
    locked.claimed_by = None
    locked.product = None
    locked.claimed_at = None
    locked.contacted_at = None
    locked.contact_due_on = None
    locked.decision_due_on = None
    locked.claim_due_on = _claim_due(locked, at)
    locked.overdue_step = ""
    locked.save()
    demand_step_workdays_set(demand=locked)
    event_write(
        demand=locked,
        action=DemandAction.RELEASE,
        from_status=from_status,
        acting_user=acting_user,
        at=at,
        before=before,
        institution_id=released_by,
        ip_address=ip_address,
    )
    return locked
