"""Who may do what with the core app's records: every role × every predicate, as a table.

Columns are the roles in ``Role``'s order. See docs/architecture.md, "Permissions".
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kejin.accounts.choices import Role
from kejin.accounts.tests.factories import UserFactory
from kejin.accounts.tests.permission_table import (
    ROLES,
    parse,
    predicates_of,
    user_with_role,
)
from kejin.core import permissions
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent

TABLE = """
predicate                   obj enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
audit_event_can_browse      -   N N N N Y N N Y
holiday_schedule_can_view   -   N N N N Y Y N Y
holiday_schedule_can_change -   N N N N Y N N Y
"""
CASES = parse(TABLE)


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    assert getattr(permissions, name)(user=user_with_role(role)) is expected


def test_the_table_covers_every_predicate():
    assert {name for name, *_ in CASES} == predicates_of(permissions)


@pytest.mark.parametrize("name", sorted(predicates_of(permissions)))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        assert getattr(permissions, name)(user=user) is False


def test_require_refuses_with_the_predicates_message():
    with pytest.raises(ApplicationError) as refused:
        permissions.require(permissions.audit_event_can_browse, user=AnonymousUser())
    assert (refused.value.code, refused.value.message) == (
        "permission_denied",
        "只有平台管理员和市级部门工作人员可以查看审计日志。",
    )


def test_require_says_the_callers_message_when_given_and_lets_allowed_users_pass():
    with pytest.raises(ApplicationError) as refused:
        permissions.require(
            permissions.holiday_schedule_can_change, user=AnonymousUser(), message="不行。"
        )
    assert refused.value.message == "不行。"
    permissions.require(
        permissions.holiday_schedule_can_change, user=user_with_role(Role.CITY_OFFICER)
    )


@pytest.mark.django_db
def test_the_audit_trail_is_visible_whole_or_not_at_all():
    AuditEvent.objects.create(actor_username="a", action="create", object_type="x", object_id="1")
    city, county = UserFactory(), UserFactory(county_officer=True)
    assert AuditEvent.objects.visible_to(city).count() == 1
    assert AuditEvent.objects.visible_to(county).count() == 0
    assert AuditEvent.objects.visible_to(AnonymousUser()).count() == 0
