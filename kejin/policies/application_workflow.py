"""The application workflow (政策兑现) as an explicit transition table: which action moves an
application from which state to which, and who may take it.

``TRANSITIONS`` is the whole workflow; nothing else writes ``Application.status``. A service
calls :func:`transition_check` under the application's row lock and writes one
``ApplicationEvent`` per move. The checks, in order: an actor who may never take the action
on this application is refused with 403 (``permission_denied``; the caller already answered
404 to one who cannot see it); an action not allowed from the current state is refused with
409 (``application_state_conflict``, naming the state) and changes nothing.

- submitted → accepted | returned | rejected (officers); → withdrawn (the enterprise);
- returned → submitted (resubmitted with changes) | withdrawn (the enterprise);
- accepted → approved (an amount) | rejected | returned (officers);
- approved → paid (payouts recorded; the status becomes paid when fully paid: ``PAY``'s
  target is decided by the amounts, None here);
- the deadline scan reminds officers of an overdue step (``REMIND``: no state change).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.policies.choices import ApplicationAction as A
from kejin.policies.choices import ApplicationStatus as S
from kejin.policies.choices import ApplicationStep
from kejin.policies.permissions import application_can_decide, application_can_submit

#: The actors of the table.
ENTERPRISE = "enterprise"
OFFICER = "officer"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    """One action: the states it may start from, the state it leads to (None: unchanged or
    decided by the service) and the actors who may take it."""

    action: str
    sources: frozenset[str]
    target: str | None
    actors: frozenset[str]


def _t(action, sources, target, actors) -> tuple[str, Transition]:
    return action, Transition(action, frozenset(sources), target, frozenset(actors))


TRANSITIONS: dict[str, Transition] = dict(
    [
        _t(A.SUBMIT, {""}, S.SUBMITTED, {ENTERPRISE}),
        _t(A.ACCEPT, {S.SUBMITTED}, S.ACCEPTED, {OFFICER}),
        _t(A.RETURN, {S.SUBMITTED, S.ACCEPTED}, S.RETURNED, {OFFICER}),
        _t(A.REJECT, {S.SUBMITTED, S.ACCEPTED}, S.REJECTED, {OFFICER}),
        _t(A.RESUBMIT, {S.RETURNED}, S.SUBMITTED, {ENTERPRISE}),
        _t(A.APPROVE, {S.ACCEPTED}, S.APPROVED, {OFFICER}),
        _t(A.PAY, {S.APPROVED}, None, {OFFICER}),
        _t(A.WITHDRAW, {S.SUBMITTED, S.RETURNED}, S.WITHDRAWN, {ENTERPRISE}),
        _t(A.REMIND, {S.SUBMITTED, S.ACCEPTED, S.APPROVED}, None, {SYSTEM}),
    ]
)

#: The step (with a working-day limit) each state waits on; states not here wait on nobody.
STATUS_STEP: dict[str, str] = {
    S.SUBMITTED: ApplicationStep.ACCEPT,
    S.ACCEPTED: ApplicationStep.DECIDE,
    S.APPROVED: ApplicationStep.PAY,
}


def actor_kinds(*, user, application) -> frozenset[str]:
    """What ``user`` is to ``application``: its enterprise's user, a decider, or neither."""
    kinds = set()
    if application_can_submit(user=user, obj=application):
        kinds.add(ENTERPRISE)
    if application_can_decide(user=user, obj=application):
        kinds.add(OFFICER)
    return frozenset(kinds)


def transition_check(*, action: str, status: str, actor_kinds: frozenset[str]) -> Transition:
    """The transition ``action`` from ``status`` by an actor who is ``actor_kinds``; 403 if
    no such actor may take it, 409 ``application_state_conflict`` if the state does not
    allow it (see the module docstring)."""
    transition = TRANSITIONS[action]
    if not (transition.actors & actor_kinds):
        if ENTERPRISE in transition.actors:
            message = application_can_submit.refusal  # type: ignore[attr-defined]
        else:
            message = application_can_decide.refusal  # type: ignore[attr-defined]
        raise ApplicationError.permission_denied(str(message))
    if status not in transition.sources:
        raise state_conflict(action=action, status=status)
    return transition


def state_conflict(*, action: str, status: str) -> ApplicationError:
    """The 409 refusal of ``action`` on an application in ``status``, naming the state."""
    return ApplicationError(
        ErrorCode.APPLICATION_STATE_CONFLICT,
        _("申报当前为“%(status)s”状态，不能%(action)s。")
        % {"status": S(status).label, "action": A(action).label},
        status=409,
    )


def actions_available(*, status: str, actor_kinds: frozenset[str]) -> list[str]:
    """The actions ``actor_kinds`` may take now (for buttons), in table order."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if action not in (A.SUBMIT, A.REMIND)
        and transition.actors & actor_kinds
        and status in transition.sources
    ]
