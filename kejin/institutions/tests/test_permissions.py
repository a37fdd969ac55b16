"""Who may do what with the institution directory: every role × every predicate, as a table.

Columns are the roles in ``Role``'s order; ``own``: the user's own institution, ``other``:
another. See docs/architecture.md, "Permissions".
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kejin.accounts.choices import Role
from kejin.accounts.tests.permission_table import (
    OTHER_INSTITUTION,
    OWN_INSTITUTION,
    ROLES,
    parse,
    predicates_of,
    user_with_role,
)
from kejin.institutions import permissions
from kejin.institutions.models import Institution

TABLE = """
predicate              obj   enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
institution_can_view   -     Y Y Y Y Y Y Y Y
institution_can_create -     N N N N Y N N Y
institution_can_change -     N N N N N N N N
institution_can_change own   N N Y N Y N N Y
institution_can_change other N N N N Y N N Y
"""
CASES = parse(TABLE)
OBJECTS = {
    "-": None,
    "own": Institution(pk=OWN_INSTITUTION),
    "other": Institution(pk=OTHER_INSTITUTION),
}


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    predicate = getattr(permissions, name)
    assert predicate(user=user_with_role(role), obj=OBJECTS[obj]) is expected


def test_the_table_covers_every_predicate():
    assert {name for name, *_ in CASES} == predicates_of(permissions)


@pytest.mark.parametrize("name", sorted(predicates_of(permissions)))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        for obj in OBJECTS.values():
            assert getattr(permissions, name)(user=user, obj=obj) is False


def test_editable_fields_follow_the_predicates():
    own, other = OBJECTS["own"], OBJECTS["other"]
    officer, self_, none = (
        permissions.OFFICER_EDITABLE,
        permissions.INSTITUTION_SELF_EDITABLE,
        frozenset(),
    )
    fields = {
        role: tuple(
            permissions.institution_editable_fields(user=user_with_role(role), institution=obj)
            for obj in (None, own, other)
        )
        for role in ROLES
    }
    assert fields == {
        Role.ENTERPRISE_ADMIN: (none, none, none),
        Role.ENTERPRISE_STAFF: (none, none, none),
        Role.INSTITUTION_MANAGER: (none, self_, none),
        Role.INSTITUTION_OFFICER: (none, none, none),
        Role.CITY_OFFICER: (officer, officer, officer),
        Role.COUNTY_OFFICER: (none, none, none),
        Role.DATA_PROVIDER: (none, none, none),
        Role.PLATFORM_ADMIN: (officer, officer, officer),
    }
