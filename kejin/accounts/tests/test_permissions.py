"""Who may do what with accounts: every role × every predicate, as a table.

Columns are the roles in ``Role``'s order; ``own``: the user's own account, ``other``:
someone else's. See docs/architecture.md, "Permissions".
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kejin.accounts import permissions
from kejin.accounts.models import User
from kejin.accounts.tests.factories import UserFactory
from kejin.accounts.tests.permission_table import (
    ROLES,
    parse,
    predicates_of,
    user_with_role,
)

TABLE = """
predicate             obj   enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
user_can_browse       -     N N N N N N N Y
user_can_browse       own   Y Y Y Y Y Y Y Y
user_can_browse       other N N N N N N N Y
user_can_manage       -     N N N N N N N Y
platform_can_overview -     N N N N N N N Y
"""
CASES = parse(TABLE)


def _obj(user, which):
    return {"-": None, "own": user, "other": User(pk=1, username="someone")}[which]


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    user = user_with_role(role)
    assert getattr(permissions, name)(user=user, obj=_obj(user, obj)) is expected


def test_the_table_covers_every_predicate():
    assert {name for name, *_ in CASES} == predicates_of(permissions)


@pytest.mark.parametrize("name", sorted(predicates_of(permissions)))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        for which in ("-", "own", "other"):
            assert getattr(permissions, name)(user=user, obj=_obj(user, which)) is False


@pytest.mark.django_db
def test_accounts_are_visible_to_platform_admins_and_each_user_sees_their_own():
    admin, officer = UserFactory(platform_admin=True), UserFactory()
    assert set(User.objects.visible_to(admin)) == {admin, officer}
    assert list(User.objects.visible_to(officer)) == [officer]
    assert list(User.objects.visible_to(AnonymousUser())) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("traits", "admitted"), [({"platform_admin": True}, True), ({}, False)])
def test_the_admin_site_opens_for_platform_admins_only_even_with_staff_status(
    client, traits, admitted
):
    # A city officer flagged as staff (bypassing the account form's check) stays outside
    client.force_login(UserFactory(is_staff=True, **traits))

    response = client.get("/admin/")

    assert (response.status_code, "login" in response.get("Location", "")) == (
        (200, False) if admitted else (302, True)
    )
