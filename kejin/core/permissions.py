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

from kejin.core.errors import ApplicationError

Predicate = Callable[..., bool]


def signed_in(user) -> bool:
    """Authenticated and active (anonymous visitors and deactivated accounts may do nothing)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def require(predicate: Predicate, *, user, obj=None, message: str | None = None) -> None:
    """``permission_denied`` (with ``message``, or the generic one) unless ``predicate`` allows.

    ``require(registry_can_edit_rules, user=request.user, message=_("..."))``.
    """
    if not predicate(user=user, obj=obj):
        raise ApplicationError.permission_denied(str(message) if message else None)


def audit_event_can_browse(*, user, obj=None) -> bool:
    """The audit trail (one collection; nobody sees part of it): city officers, platform admins."""
    return signed_in(user) and user.sees_whole_city


def holiday_schedule_can_view(*, user, obj=None) -> bool:
    """Holiday schedules: city and county officers and platform admins."""
    return signed_in(user) and (user.is_officer or user.is_platform_admin)


def holiday_schedule_can_change(*, user, obj=None) -> bool:
    """Entering or replacing a year's schedule: city officers and platform admins."""
    return signed_in(user) and user.sees_whole_city
