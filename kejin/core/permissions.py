"""Who may do what with the core app's records (audit trail, holiday schedules), and ``require``.

Every app keeps its decisions in its own ``permissions.py`` as ``<entity>_can_<verb>(*, user,
obj=None) -> bool`` predicates; selectors, services, views, the API and the navigation all ask
them and nothing else decides by role. The core app sits below accounts and cannot import the
Role constants, so its predicates read the user's role facts (``is_officer``,
``sees_whole_city``, ... on ``kejin.accounts.models.User``, each defined over the Role
constants); the other apps do the same. See docs/architecture.md, "Permissions".
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from kejin.core.errors import ApplicationError

Predicate = Callable[..., bool]


def signed_in(user) -> bool:
    """Authenticated and active (anonymous visitors and deactivated accounts may do nothing)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def refusal(message) -> Callable[[Predicate], Predicate]:
    """Give a predicate the message a refusal by it shows (pages, API and services alike)."""

    def decorate(predicate: Predicate) -> Predicate:
        predicate.refusal = message  # type: ignore[attr-defined]
        return predicate

    return decorate


def require(predicate: Predicate, *, user, obj=None, message=None) -> None:
    """``permission_denied`` unless ``predicate(user=user, obj=obj)`` allows.

    The message is ``message`` if given, else the predicate's own (``@refusal``), else the
    generic one: ``require(registry_can_edit_rules, user=request.user)``.
    """
    if not predicate(user=user, obj=obj):
        message = message or getattr(predicate, "refusal", None)
        raise ApplicationError.permission_denied(str(message) if message else None)


@refusal(_("只有平台管理员和市级部门工作人员可以查看审计日志。"))
def audit_event_can_browse(*, user, obj=None) -> bool:
    """The audit trail (one collection; nobody sees part of it): city officers, platform admins."""
    return signed_in(user) and user.sees_whole_city


@refusal(_("节假日安排仅向市、县(市、区)工作人员和平台管理员开放。"))
def holiday_schedule_can_view(*, user, obj=None) -> bool:
    """Holiday schedules: city and county officers and platform admins."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


@refusal(_("只有市级部门工作人员和平台管理员可以录入节假日安排。"))
def holiday_schedule_can_change(*, user, obj=None) -> bool:
    """Entering or replacing a year's schedule: city officers and platform admins."""
    return signed_in(user) and user.sees_whole_city
