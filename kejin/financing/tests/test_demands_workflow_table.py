"""The demand workflow as a table: every action, from every state, by every kind of actor.

One demand is built per state directly with factories (``World.demand_in_state``), and every
(action, actor) pair is tried on it inside a savepoint that is rolled back afterwards, so the
next pair starts from the same state. The expected outcome is read from the transition table
(``kejin.financing.workflow.TRANSITIONS``, the specification): an actor the action is not for
is refused with 403, a state the action does not start from with 409
(``demand_already_claimed`` for a claim of a demand an institution holds,
``demand_state_conflict`` otherwise), and a refusal leaves the demand, its events, routes and
the audit trail exactly as they were. An allowed move reaches the table's target state and
writes exactly one event with its actor.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from kejin.core.audit import model_snapshot
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.financing import services_demands as services
from kejin.financing.choices import CLAIMED_STATUSES, DemandAction, DemandStatus
from kejin.financing.choices import GuaranteeStatus as G
from kejin.financing.models import Demand, DemandEvent, DemandRoute
from kejin.financing.permissions import (
    CLAIMANT,
    ENTERPRISE,
    GUARANTOR,
    OFFICER,
    ROUTED,
    SYSTEM,
)
from kejin.financing.tests.demand_world import HELD, World, world_build
from kejin.financing.workflow import GUARANTEE_MOVES, TRANSITIONS

pytestmark = pytest.mark.django_db

ACTORS = ("enterprise", "routed", "claimant", "guarantor", "officer", "system", "stranger")

#: (status, guarantee step): every state, and the guarantor step's states where it matters.
STATES = [(status, G.NONE) for status in DemandStatus.values] + [
    (DemandStatus.CONTACTED, G.REQUESTED),
    (DemandStatus.UNDER_REVIEW, G.REQUESTED),
    (DemandStatus.UNDER_REVIEW, G.GRANTED),
    (DemandStatus.UNDER_REVIEW, G.REFUSED),
]


def _kinds(actor: str, status: str, guarantee: str) -> frozenset[str]:
    """Who each actor is to the demand of ``World.demand_in_state`` (written out, not asked
    of the code under test)."""
    if actor == "enterprise":
        return frozenset({ENTERPRISE})
    if actor == "routed":
        return frozenset() if status == DemandStatus.SUBMITTED else frozenset({ROUTED})
    if actor == "claimant":
        kinds = set() if status == DemandStatus.SUBMITTED else {ROUTED}
        return frozenset(kinds | ({CLAIMANT} if status in HELD else set()))
    if actor == "guarantor":
        return frozenset({GUARANTOR}) if guarantee != G.NONE else frozenset()
    if actor == "officer":
        return frozenset({OFFICER})
    if actor == "system":
        return frozenset({SYSTEM})
    return frozenset()


def _expected(action: str, status: str, guarantee: str, actor: str) -> tuple[int, str]:
    """(200, target) for an allowed move; (403|409, error code) for a refusal."""
    transition = TRANSITIONS[action]
    if not transition.actors & _kinds(actor, status, guarantee):
        return 403, "permission_denied"
    allowed = status in transition.sources
    if action in GUARANTEE_MOVES:
        allowed = allowed and guarantee in GUARANTEE_MOVES[action][0]
    if action == DemandAction.APPROVE:
        allowed = allowed and guarantee != G.REQUESTED
    if not allowed:
        if action == DemandAction.CLAIM and status in CLAIMED_STATUSES:
            return 409, "demand_already_claimed"
        return 409, "demand_state_conflict"
    return 200, transition.target or status


def _call(action: str, demand: Demand, user, world: World):
    """The service of ``action`` with valid input, as ``user`` (None: the platform)."""
    common = {"demand": demand, "acting_user": user}
    match action:
        case DemandAction.ROUTE:
            return services.demand_route(**common)
        case DemandAction.POOL:
            return services.demand_pool(**common)
        case DemandAction.CLAIM:
            return services.demand_claim(**common)
        case DemandAction.RELEASE:
            return services.demand_release(**common)
        case DemandAction.CONTACT:
            return services.demand_contact(**common)
        case DemandAction.START_REVIEW:
            return services.demand_review_start(**common)
        case DemandAction.APPROVE:
            return services.demand_approve(amount="500000", rate="3.85", **common)
        case DemandAction.REJECT:
            return services.demand_reject(reason="collateral", text="抵质押物不足", **common)
        case DemandAction.REFER:
            return services.demand_refer(**common)
        case DemandAction.REQUEST_GUARANTEE:
            return services.demand_guarantee_request(
                guarantor=world.guarantor.institution, **common
            )
        case DemandAction.GRANT_GUARANTEE:
            return services.demand_guarantee_grant(**common)
        case DemandAction.REFUSE_GUARANTEE:
            return services.demand_guarantee_refuse(text="反担保不足", **common)
        case DemandAction.DISBURSE:
            return services.demand_disburse(**common)
        case DemandAction.CLOSE:
            return services.demand_close(**common)
        case DemandAction.WITHDRAW:
            return services.demand_withdraw(**common)
        case DemandAction.EXPIRE:
            return services.demand_expire(**common)
        case DemandAction.ESCALATE:
            return services.demand_escalate(step="decision", **common)
    raise AssertionError(f"no service for {action}")


def _snapshot(demand: Demand) -> tuple:
    fresh = Demand.objects.get(pk=demand.pk)
    return (
        model_snapshot(fresh),
        list(DemandEvent.objects.filter(demand=demand).values()),
        list(DemandRoute.objects.filter(demand=demand).values()),
        AuditEvent.objects.count(),
    )


class _Rollback(Exception):
    pass


def test_every_action_is_covered():
    assert set(TRANSITIONS) == set(DemandAction.values) - {DemandAction.SUBMIT}


@pytest.mark.parametrize(("status", "guarantee"), STATES, ids=[f"{s}-{g}" for s, g in STATES])
def test_state_action_actor_table(status, guarantee):
    world = world_build()
    demand = world.demand_in_state(status, guarantee)
    users = {
        "enterprise": world.enterprise_user,
        "routed": world.routed,
        "claimant": world.claimant,
        "guarantor": world.guarantor,
        "officer": world.officer,
        "system": None,
        "stranger": world.stranger,
    }
    before = _snapshot(demand)
    failures = []
    allowed_seen = 0
    for action in TRANSITIONS:
        for actor in ACTORS:
            expected_status, expected = _expected(action, status, guarantee, actor)
            user = users[actor]
            try:
                with transaction.atomic():
                    events_before = DemandEvent.objects.filter(demand=demand).count()
                    try:
                        _call(action, Demand.objects.get(pk=demand.pk), user, world)
                    except ApplicationError as error:
                        outcome = (error.status, error.code)
                    else:
                        moved = Demand.objects.get(pk=demand.pk)
                        new = list(
                            DemandEvent.objects.filter(demand=demand).order_by("id")[events_before:]
                        )
                        outcome = (200, moved.status)
                        if len(new) != 1 or new[0].actor_id != getattr(user, "pk", None):
                            failures.append(f"{action} by {actor}: events {new}")
                        elif new[0].action not in (action, DemandAction.POOL):
                            failures.append(f"{action} by {actor}: event {new[0].action}")
                    raise _Rollback
            except _Rollback:
                pass
            if outcome != (expected_status, expected):
                failures.append(f"{action} by {actor}: {outcome} != {(expected_status, expected)}")
            if expected_status == 200:
                allowed_seen += 1
            elif _snapshot(demand) != before:
                failures.append(f"{action} by {actor}: a refusal changed something")
    assert failures == []
    assert _snapshot(demand) == before
    # Terminal states allow nothing but what the table lists (refer from rejected).
    if status in (DemandStatus.CLOSED, DemandStatus.WITHDRAWN, DemandStatus.EXPIRED):
        assert allowed_seen == 0


def test_refusals_say_what_is_wrong():
    world = world_build()
    demand = world.demand_in_state(DemandStatus.CLAIMED)
    with pytest.raises(ApplicationError) as denied:
        services.demand_contact(demand=demand, acting_user=world.routed)
    assert (denied.value.status, denied.value.message) == (403, "您无权对该需求执行“首次联系”。")
    with pytest.raises(ApplicationError) as conflict:
        services.demand_approve(demand=demand, amount="1", rate="3", acting_user=world.claimant)
    assert (conflict.value.status, conflict.value.message) == (
        409,
        "需求当前为“已认领”状态，不能批准。",
    )
    with pytest.raises(ApplicationError) as late:
        services.demand_claim(demand=demand, acting_user=world.routed)
    assert (late.value.code, late.value.message) == (
        "demand_already_claimed",
        "该需求已被其他机构认领，请选择其他需求。",
    )
    waiting = world.demand_in_state(DemandStatus.UNDER_REVIEW, G.REQUESTED)
    with pytest.raises(ApplicationError) as guarantee:
        services.demand_approve(demand=waiting, amount="1", rate="3", acting_user=world.claimant)
    assert guarantee.value.message == "担保环节为“担保申请中”，不能批准。"


def test_invalid_input_of_an_allowed_move_changes_nothing():
    world = world_build()
    demand = world.demand_in_state(DemandStatus.UNDER_REVIEW)
    before = _snapshot(demand)
    with pytest.raises(ApplicationError) as invalid:
        services.demand_approve(
            demand=demand, amount="2000000", rate="0", acting_user=world.claimant
        )
    assert invalid.value.fields == {
        "amount": ["批准金额不能超过申请金额 1000000.00 元，且最多两位小数。"],
        "rate": ["请填写批准年利率（%），应在0到36之间，例如 3.85。"],
    }
    with pytest.raises(ApplicationError) as reject:
        services.demand_reject(demand=demand, reason="nope", text=" ", acting_user=world.claimant)
    assert reject.value.fields == {
        "reason": ["请选择拒绝原因。"],
        "text": ["请填写拒绝说明：企业将看到这段话，请说明原因和可以改进之处。"],
    }
    no_guarantor = world.demand_in_state(DemandStatus.CONTACTED, guarantor_ok=False)
    with pytest.raises(ApplicationError) as refused:
        services.demand_guarantee_request(
            demand=no_guarantor, guarantor=world.guarantor.institution, acting_user=world.claimant
        )
    assert (refused.value.status, refused.value.message) == (
        409,
        "企业发布需求时未同意担保机构介入，不能申请担保。",
    )
    assert _snapshot(demand) == before
    assert Decimal(Demand.objects.get(pk=demand.pk).amount) == Decimal("1000000.00")
