"""The policy lifecycle as an explicit table: which move a policy may make from which state.

A policy's state for the table (``PolicyState``) is its status together with whether a
draft version is pending (a change to a published policy is a new version, drafted while the
live one stays in force):

- ``draft``      never published; its first version is a draft;
- ``published``  in force, no change pending;
- ``revising``   in force, a new version drafted;
- ``expired``    no longer in force, for good.

``policy_transition_check`` refuses a move not allowed from the state with 409
(``policy_state_conflict``, naming the state); services call it under the policy's row lock,
before changing anything, and record one ``PolicyEvent`` per move. Who may move (officers,
county officers their county's) is ``kejin.policies.permissions``; services check it first.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.policies.choices import PolicyAction as A
from kejin.policies.choices import PolicyStatus


class PolicyState(models.TextChoices):
    """A policy's place in the table (status and pending version together)."""

    DRAFT = "draft", gettext_lazy("草稿")
    PUBLISHED = "published", gettext_lazy("已发布")
    REVISING = "revising", gettext_lazy("已发布（新版本草稿）")
    EXPIRED = "expired", gettext_lazy("已失效")


S = PolicyState

#: action -> the states it may start from. ``CREATE`` has no state (a new policy).
TRANSITIONS: dict[str, frozenset[str]] = {
    A.EDIT: frozenset({S.DRAFT, S.REVISING}),
    A.REVISE: frozenset({S.PUBLISHED}),
    A.PUBLISH: frozenset({S.DRAFT, S.REVISING}),
    A.EXPIRE: frozenset({S.PUBLISHED, S.REVISING}),
}


def policy_state(*, status: str, has_draft: bool) -> PolicyState:
    """The table's state of a policy with ``status`` and (``has_draft``) a draft version."""
    if status == PolicyStatus.EXPIRED:
        return S.EXPIRED
    if status == PolicyStatus.PUBLISHED:
        return S.REVISING if has_draft else S.PUBLISHED
    return S.DRAFT


def policy_transition_allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS[action]


def policy_transition_check(*, action: str, state: str) -> None:
    """409 ``policy_state_conflict`` unless ``action`` may start from ``state``."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown policy action {action!r}")
    if not policy_transition_allowed(action, state):
        raise ApplicationError(
            ErrorCode.POLICY_STATE_CONFLICT,
            _("政策当前为“%(state)s”状态，不能%(action)s。")
            % {"state": PolicyState(state).label, "action": A(action).label},
        )
