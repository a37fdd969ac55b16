"""The product workflow as an explicit table: which move a product may make from which state.

A product's state for the table (``ProductState``) is its status together with its pending
version (a change to a published product is a new version reviewed while the approved one
stays on the market):

- ``draft``            never published; its first version is a draft or was returned;
- ``under_review``     never published; its first version waits for an officer;
- ``published``        on the market, no change pending;
- ``revising``         on the market, a new version drafted (or returned);
- ``revision_review``  on the market, a new version waiting for an officer;
- ``withdrawn``        off the market for good.

``product_transition_check`` refuses a move not allowed from the state with 409
(``product_state_conflict``); services call it under the product's row lock, before changing
anything, and record one ``ProductEvent`` per move. Who may move (the institution, a city
officer) is ``kejin.financing.permissions``; services check it first (403).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.financing.choices import ProductAction as A
from kejin.financing.choices import ProductStatus, ProductVersionReview


class ProductState(models.TextChoices):
    """A product's place in the table (status and pending version together)."""

    DRAFT = "draft", gettext_lazy("草稿")
    UNDER_REVIEW = "under_review", gettext_lazy("审核中")
    PUBLISHED = "published", gettext_lazy("已发布")
    REVISING = "revising", gettext_lazy("已发布（新版本草稿）")
    REVISION_REVIEW = "revision_review", gettext_lazy("已发布（新版本审核中）")
    WITHDRAWN = "withdrawn", gettext_lazy("已下架")


S = ProductState

#: action -> the states it may start from. ``EDIT`` of a published product drafts a new
#: version (``REVISE``); the rest say their own target.
TRANSITIONS: dict[str, frozenset[str]] = {
    A.EDIT: frozenset({S.DRAFT, S.PUBLISHED, S.REVISING}),
    A.SUBMIT: frozenset({S.DRAFT, S.REVISING}),
    A.APPROVE: frozenset({S.UNDER_REVIEW, S.REVISION_REVIEW}),
    A.RETURN: frozenset({S.UNDER_REVIEW, S.REVISION_REVIEW}),
    A.WITHDRAW: frozenset({S.DRAFT, S.UNDER_REVIEW, S.PUBLISHED, S.REVISING, S.REVISION_REVIEW}),
}


def product_state(*, status: str, pending_review: str | None) -> ProductState:
    """The table's state of a product with ``status`` whose pending (not approved) version
    has review ``pending_review`` (None: no pending version)."""
    if status == ProductStatus.WITHDRAWN:
        return S.WITHDRAWN
    submitted = pending_review == ProductVersionReview.SUBMITTED
    if status == ProductStatus.PUBLISHED:
        if pending_review is None:
            return S.PUBLISHED
        return S.REVISION_REVIEW if submitted else S.REVISING
    return S.UNDER_REVIEW if submitted else S.DRAFT


def product_transition_allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS[action]


def product_transition_check(*, action: str, state: str) -> None:
    """409 ``product_state_conflict`` unless ``action`` may start from ``state``."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown product action {action!r}")
    if not product_transition_allowed(action, state):
        raise ApplicationError(
            ErrorCode.PRODUCT_STATE_CONFLICT,
            _("产品当前为“%(state)s”状态，不能%(action)s。")
            % {"state": ProductState(state).label, "action": A(action).label},
        )
