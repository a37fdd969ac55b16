"""The compensation claim workflow as an explicit table: which move a claim may make from
which state, and where it lands.

- ``submit``    (the lender)   → ``submitted``, review due in working days;
- ``approve``   (officers)     ``submitted`` → ``approved``, paid out of the fund at once;
- ``return``    (officers)     ``submitted`` → ``returned`` with a comment;
- ``resubmit``  (the lender)   ``returned`` → ``submitted`` (recomputed, due again);
- ``reject``    (officers)     ``submitted`` → ``rejected`` with a reason;
- ``withdraw``  (the lender)   ``submitted`` or ``returned`` → ``withdrawn`` (the loan may be
  claimed again);
- ``recover``   (the lender)   ``approved`` → ``approved``: a recovery flows back pro rata.

``claim_transition_check`` refuses a move not allowed from the claim's state with 409
``claim_state_conflict`` naming the state; services call it under the claim's row lock,
before changing anything. Who may move is ``kejin.policies.permissions``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.policies.choices import ClaimAction as A
from kejin.policies.choices import ClaimStatus as S

#: action -> (the states it may start from, the state it lands in).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    A.APPROVE: (frozenset({S.SUBMITTED}), S.APPROVED),
    A.RETURN: (frozenset({S.SUBMITTED}), S.RETURNED),
    A.RESUBMIT: (frozenset({S.RETURNED}), S.SUBMITTED),
    A.REJECT: (frozenset({S.SUBMITTED}), S.REJECTED),
    A.WITHDRAW: (frozenset({S.SUBMITTED, S.RETURNED}), S.WITHDRAWN),
    A.RECOVER: (frozenset({S.APPROVED}), S.APPROVED),
}

#: The moves of the claim's lender and of the reviewing officers.
LENDER_ACTIONS = frozenset({A.RESUBMIT, A.WITHDRAW, A.RECOVER})
OFFICER_ACTIONS = frozenset({A.APPROVE, A.RETURN, A.REJECT})


def claim_transition_allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS[action][0]


def claim_transition_check(*, action: str, state: str) -> str:
    """The state ``action`` lands in from ``state``; 409 ``claim_state_conflict`` if it may
    not start there."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown claim action {action!r}")
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise ApplicationError(
            ErrorCode.CLAIM_STATE_CONFLICT,
            _("该补偿申请当前为“%(state)s”状态，不能%(action)s。")
            % {"state": S(state).label, "action": A(action).label},
        )
    return target
