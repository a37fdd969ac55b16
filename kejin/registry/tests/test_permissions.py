"""Who may do what with the list (名单库): every role × every predicate, as a table, and the
refusals over HTTP with the predicate's message and nothing changed.

Columns are the roles in ``Role``'s order (enterprise admin, enterprise staff, institution
manager, institution officer, city officer, county officer, data provider, platform admin).
``own``: an enterprise of the county officer's county; ``other``: another county's. See
docs/architecture.md ("Permissions").
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kejin.accounts.tests.factories import UserFactory
from kejin.accounts.tests.permission_table import (
    OTHER_COUNTY,
    OTHER_ENTERPRISE,
    OWN_COUNTY,
    OWN_ENTERPRISE,
    ROLES,
    parse,
    predicates_of,
    user_with_role,
)
from kejin.core.models import AuditEvent
from kejin.enterprises.models import Enterprise
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry import permissions
from kejin.registry.models import GrowthStage, Label, RegistryOverride

TABLE = """
predicate                                 obj   enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
registry_can_browse                       -     N N N N Y Y N Y
registry_can_override                     -     N N N N Y Y N N
registry_can_override                     own   N N N N Y Y N N
registry_can_override                     other N N N N Y N N N
registry_can_run                          -     N N N N Y N N Y
registry_can_edit_rules                   -     N N N N Y N N N
registry_can_read_rules                   -     N N N N Y Y N Y
"""
CASES = parse(TABLE)


def _obj(which: str):
    """The object of a row: an enterprise of the officer's county or of another."""
    if which == "-":
        return None
    own = which == "own"
    return Enterprise(
        pk=OWN_ENTERPRISE if own else OTHER_ENTERPRISE,
        county_id=OWN_COUNTY if own else OTHER_COUNTY,
    )


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    predicate = getattr(permissions, name)
    assert predicate(user=user_with_role(role), obj=_obj(obj)) is expected


def test_the_table_covers_every_predicate():
    assert {name for name, *_ in CASES} == predicates_of(permissions)


@pytest.mark.parametrize("name", sorted(predicates_of(permissions)))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    predicate = getattr(permissions, name)
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        for which in ("-", "own", "other"):
            assert predicate(user=user, obj=_obj(which)) is False


# --- refusals over HTTP: the predicate's message, and nothing changed ----------------------


def _denied(message: str) -> dict:
    return {"error": {"code": "permission_denied", "message": message, "fields": {}}}


def _snapshot() -> tuple:
    return (
        list(Label.objects.order_by("pk").values()),
        list(GrowthStage.objects.order_by("pk").values()),
        RegistryOverride.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("traits", [{"county_officer": True}, {"platform_admin": True}])
def test_api_refuses_rule_edits_to_all_but_city_officers_saying_why(client, traits):
    client.force_login(UserFactory(**traits))
    before = _snapshot()

    responses = [
        client.patch(
            "/api/v1/registry/labels/tech_sme/", {"name": "x"}, content_type="application/json"
        ),
        client.patch(
            "/api/v1/registry/stages/growth/", {"name": "x"}, content_type="application/json"
        ),
        client.post(
            "/api/v1/registry/labels/",
            {"code": "xx", "name": "x", "order": 9},
            content_type="application/json",
        ),
    ]

    message = "只有市级部门工作人员可以新建标签或修改成长阶段、标签的判定规则。"
    assert [(r.status_code, r.json()) for r in responses] == [(403, _denied(message))] * 3
    assert _snapshot() == before


@pytest.mark.django_db
def test_api_refuses_overrides_to_platform_admins(client):
    # Overrides carry a department's authority: platform admins read the list, not decide it
    enterprise = EnterpriseFactory()
    client.force_login(UserFactory(platform_admin=True))
    before = _snapshot()

    response = client.post(
        "/api/v1/registry/overrides/",
        {"enterprise": enterprise.pk, "kind": "membership", "value": True, "reason": "测试"},
        content_type="application/json",
    )

    assert (response.status_code, response.json()) == (
        403,
        _denied("只有市级部门工作人员和企业所在县(市、区)的工作人员可以人工调整名单。"),
    )
    assert _snapshot() == before
