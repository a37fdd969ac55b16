"""Who may do what with the institution directory: the only place that decides it by role.

Predicates are ``<entity>_can_<verb>(*, user, obj=None) -> bool`` over the role facts of
``User`` (each defined over the ``Role`` constants); ``obj`` is the institution acted on.
"""

from __future__ import annotations

from kejin.core.permissions import signed_in

INSTITUTION_SELF_EDITABLE = frozenset({"address", "contact_phone"})
OFFICER_EDITABLE = frozenset(
    {"uscc", "name", "kind", "parent", "county", "registered_capital", "address", "contact_phone"}
)


def institution_can_view(*, user, obj=None) -> bool:
    """The directory is public to every signed-in, active user (``visible_to`` applies it)."""
    return signed_in(user)


def institution_can_create(*, user, obj=None) -> bool:
    """Adding an institution to the directory: city officers and platform admins."""
    return signed_in(user) and user.sees_whole_city


def institution_can_change(*, user, obj=None) -> bool:
    """Changing ``obj``: city officers and platform admins any; an institution's manager its
    own (contact details only, see ``institution_editable_fields``)."""
    if not signed_in(user) or obj is None:
        return False
    return user.sees_whole_city or (user.is_institution_manager and obj.pk == user.institution_id)


def institution_editable_fields(*, user, institution) -> frozenset[str]:
    """The fields ``user`` may set on ``institution`` (None: a new one); empty = read only."""
    if institution is None:
        return OFFICER_EDITABLE if institution_can_create(user=user) else frozenset()
    if not institution_can_change(user=user, obj=institution):
        return frozenset()
    return OFFICER_EDITABLE if user.sees_whole_city else INSTITUTION_SELF_EDITABLE
