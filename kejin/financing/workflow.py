"""The demand workflow as an explicit transition table: which action moves a demand from
which state to which, and who may take it.

``TRANSITIONS`` is the whole workflow; nothing else writes ``Demand.status``. A service
calls :func:`transition_check` before moving a demand (under its row lock or inside the
conditional UPDATE of a claim) and writes one ``DemandEvent`` per move. The checks, in
order: an action unknown here is a programming error; an actor who may never take the
action on this demand is refused with 403 (``permission_denied``), unless they cannot see
the demand at all (the caller already answered 404); an action not allowed from the
demand's current state is refused with 409 (``demand_state_conflict``) and changes nothing.

The guarantor step runs beside the main states: it does not change ``status`` but
``guarantee_status`` (``GUARANTEE_MOVES``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.financing.choices import DemandAction as A
from kejin.financing.choices import DemandStatus as S
from kejin.financing.choices import GuaranteeStatus as G
from kejin.financing.permissions import CLAIMANT, ENTERPRISE, GUARANTOR, OFFICER, ROUTED, SYSTEM


@dataclass(frozen=True)
class Transition:
    """One action: the states it may start from, the state it leads to (None: unchanged)
    and the actors who may take it."""

    action: str
    sources: frozenset[str]
    target: str | None
    actors: frozenset[str]


def _t(action, sources, target, actors) -> tuple[str, Transition]:
    return action, Transition(action, frozenset(sources), target, frozenset(actors))


_OPEN = (S.CLAIMED, S.CONTACTED, S.UNDER_REVIEW)

TRANSITIONS: dict[str, Transition] = dict(
    [
        _t(A.ROUTE, {S.SUBMITTED}, S.ROUTED, {SYSTEM, OFFICER}),
        _t(A.POOL, {S.SUBMITTED, S.ROUTED}, S.ROUTED, {SYSTEM, OFFICER}),
        _t(A.CLAIM, {S.ROUTED}, S.CLAIMED, {ROUTED}),
        _t(A.RELEASE, {S.CLAIMED, S.CONTACTED}, S.ROUTED, {CLAIMANT}),
        _t(A.CONTACT, {S.CLAIMED}, S.CONTACTED, {CLAIMANT}),
        _t(A.START_REVIEW, {S.CONTACTED}, S.UNDER_REVIEW, {CLAIMANT}),
        _t(A.APPROVE, {S.UNDER_REVIEW}, S.APPROVED, {CLAIMANT}),
        _t(A.REJECT, _OPEN, S.REJECTED, {CLAIMANT}),
        _t(A.REFER, {S.REJECTED}, S.ROUTED, {ENTERPRISE, OFFICER}),
        _t(A.REQUEST_GUARANTEE, {S.CONTACTED, S.UNDER_REVIEW}, None, {CLAIMANT}),
        _t(A.GRANT_GUARANTEE, {S.CONTACTED, S.UNDER_REVIEW}, None, {GUARANTOR}),
        _t(A.REFUSE_GUARANTEE, {S.CONTACTED, S.UNDER_REVIEW}, None, {GUARANTOR}),
        _t(A.DISBURSE, {S.APPROVED}, S.DISBURSED, {CLAIMANT}),
        _t(A.CLOSE, {S.DISBURSED, S.APPROVED}, S.CLOSED, {CLAIMANT, OFFICER}),
        _t(
            A.WITHDRAW,
            {S.SUBMITTED, S.ROUTED, S.CLAIMED, S.CONTACTED, S.UNDER_REVIEW},
            S.WITHDRAWN,
            {ENTERPRISE},
        ),
        _t(A.EXPIRE, {S.SUBMITTED, S.ROUTED}, S.EXPIRED, {SYSTEM}),
        _t(A.ESCALATE, {S.ROUTED, *_OPEN}, None, {SYSTEM}),
    ]
)

#: The guarantor step: action → (guarantee states it may start from, the state it leads to).
GUARANTEE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    A.REQUEST_GUARANTEE: (frozenset({G.NONE, G.REFUSED}), G.REQUESTED),
    A.GRANT_GUARANTEE: (frozenset({G.REQUESTED}), G.GRANTED),
    A.REFUSE_GUARANTEE: (frozenset({G.REQUESTED}), G.REFUSED),
}


def transition_check(
    *, action: str, status: str, actor_kinds: frozenset[str], guarantee_status: str = G.NONE
) -> Transition:
    """The transition ``action`` from ``status`` by an actor who is ``actor_kinds`` to the
    demand; ``permission_denied`` (403) if no such actor may take it, ``demand_state_conflict``
    (409) if the state does not allow it (see the module docstring)."""
    transition = TRANSITIONS[action]
    if not (transition.actors & actor_kinds):
        raise ApplicationError.permission_denied(
            _("您无权对该需求执行“%(action)s”。") % {"action": A(action).label}
        )
    if status not in transition.sources or not _guarantee_allows(action, guarantee_status):
        raise state_conflict(action=action, status=status, guarantee_status=guarantee_status)
    return transition


def _guarantee_allows(action: str, guarantee_status: str) -> bool:
    if action in GUARANTEE_MOVES:
        return guarantee_status in GUARANTEE_MOVES[action][0]
    if action == A.APPROVE:
        return guarantee_status != G.REQUESTED  # wait for the guarantor's answer
    return True


def state_conflict(*, action: str, status: str, guarantee_status: str = G.NONE) -> ApplicationError:
    """The 409 refusal of ``action`` on a demand in ``status``, saying what state it is in."""
    if status in TRANSITIONS[action].sources and action in (A.APPROVE, *GUARANTEE_MOVES):
        message = _("担保环节为“%(guarantee)s”，不能%(action)s。") % {
            "guarantee": G(guarantee_status).label,
            "action": A(action).label,
        }
    else:
        message = _("需求当前为“%(status)s”状态，不能%(action)s。") % {
            "status": S(status).label,
            "action": A(action).label,
        }
    return ApplicationError(ErrorCode.DEMAND_STATE_CONFLICT, message, status=409)


def actions_available(
    *, status: str, actor_kinds: frozenset[str], guarantee_status: str
) -> list[str]:
    """The actions ``actor_kinds`` may take now (for buttons), in table order."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.actors & actor_kinds
        and status in transition.sources
        and _guarantee_allows(action, guarantee_status)
        and SYSTEM not in (transition.actors & actor_kinds)
    ]
