"""Who may do what with accounts: the only place that decides it (see docs/architecture.md).

Predicates are ``<entity>_can_<verb>(*, user, obj=None) -> bool`` over the role facts of
``User`` (each defined over the ``Role`` constants in ``kejin.accounts.choices``).
"""

from __future__ import annotations

from kejin.core.permissions import signed_in


def user_can_browse(*, user, obj=None) -> bool:
    """Every account (the platform overview's users by role): platform admins; anyone else
    sees only their own account (``obj``: that account)."""
    if not signed_in(user):
        return False
    return user.is_platform_admin or (obj is not None and obj.pk == user.pk)


def user_can_manage(*, user, obj=None) -> bool:
    """Creating, changing and deactivating accounts and entering the Django admin: platform
    admins."""
    return signed_in(user) and user.is_platform_admin


def platform_can_overview(*, user, obj=None) -> bool:
    """The platform overview home page (users, enterprises, institutions, latest audit):
    platform admins."""
    return signed_in(user) and user.is_platform_admin
