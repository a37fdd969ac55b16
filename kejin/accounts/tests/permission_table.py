"""Role × action tables for the apps' ``test_permissions.py``.

A table is text: one row per predicate and object, one Y/N column per role in ``Role``'s
order. ``obj`` is ``-`` (no object: "on any at all"), ``own`` (the acting user's own
enterprise, institution, account, county or county's batch) or ``other`` (someone else's, in
another county). Users are unsaved ``User`` instances: predicates decide from the role and
the organisation ids alone, without a query.
"""

from __future__ import annotations

from kejin.accounts.choices import Role
from kejin.accounts.models import User

OWN_ENTERPRISE, OTHER_ENTERPRISE = 10, 11
OWN_INSTITUTION, OTHER_INSTITUTION = 20, 21
OWN_COUNTY, OTHER_COUNTY = 1, 2
DEPARTMENT = 5
ROLES = list(Role)


def user_with_role(role: Role, *, is_active: bool = True) -> User:
    """A user of ``role`` with its organisation (own enterprise/institution, county 1)."""
    user = User(pk=100 + ROLES.index(role), username=f"u-{role}", role=role, is_active=is_active)
    if role in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF):
        user.enterprise_id = OWN_ENTERPRISE
    elif role in (Role.INSTITUTION_MANAGER, Role.INSTITUTION_OFFICER):
        user.institution_id = OWN_INSTITUTION
    elif role != Role.PLATFORM_ADMIN:
        user.department_id = DEPARTMENT
    if role == Role.COUNTY_OFFICER:
        user.county_id = OWN_COUNTY
    return user


def parse(table: str) -> list[tuple[str, str, Role, bool]]:
    """``(predicate name, obj, role, expected)`` for every cell of ``table``."""
    cases = []
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[2:] == [role.value for role in ROLES], "columns must be Role, in order"
    for name, obj, *marks in rows:
        assert len(marks) == len(ROLES), name
        for role, mark in zip(ROLES, marks, strict=True):
            assert mark in ("Y", "N"), (name, mark)
            cases.append((name, obj, role, mark == "Y"))
    return cases


def predicates_of(module) -> set[str]:
    """The ``<entity>_can_<verb>`` predicates a permissions module defines."""
    return {
        name
        for name, value in vars(module).items()
        if "_can_" in name and callable(value) and value.__module__ == module.__name__
    }
