"""Who may do what with disputes: every role × every dispute predicate, as a table (see
kejin/accounts/tests/permission_table.py). ``own``: a record or dispute of the user's own
enterprise, county and department; ``other``: another enterprise's, county's and
department's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kejin.accounts.tests.permission_table import (
    DEPARTMENT,
    OTHER_COUNTY,
    OTHER_ENTERPRISE,
    OWN_COUNTY,
    OWN_ENTERPRISE,
    ROLES,
    parse,
    user_with_role,
)
from kejin.credit import permissions
from kejin.credit.models import CreditRecord, Dispute, RecordCategory
from kejin.enterprises.models import Enterprise

TABLE = """
predicate                         obj   enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
credit_dispute_can_browse         -     Y Y N N Y Y Y Y
credit_dispute_can_open           -     Y N N N N N N N
credit_dispute_can_open           own   Y N N N N N N N
credit_dispute_can_open           other N N N N N N N N
credit_dispute_can_resolve        -     N N N N N N Y N
credit_dispute_can_resolve        own   N N N N N N Y N
credit_dispute_can_resolve        other N N N N N N N N
credit_dispute_can_answer         -     Y N N N N N N N
credit_dispute_can_answer         own   Y N N N N N N N
credit_dispute_can_answer         other N N N N N N N N
credit_dispute_can_view_overdue   -     N N N N Y Y N Y
credit_record_can_correct         -     N N N N N N Y N
credit_record_can_correct         own   N N N N N N Y N
credit_record_can_correct         other N N N N N N N N
"""
CASES = parse(TABLE)
DISPUTE_PREDICATES = {
    "credit_dispute_can_browse",
    "credit_dispute_can_open",
    "credit_dispute_can_resolve",
    "credit_dispute_can_answer",
    "credit_dispute_can_view_overdue",
    "credit_record_can_correct",
}


def _obj(name: str, which: str):
    if which == "-":
        return None
    own = which == "own"
    enterprise = Enterprise(
        pk=OWN_ENTERPRISE if own else OTHER_ENTERPRISE,
        county_id=OWN_COUNTY if own else OTHER_COUNTY,
    )
    department_id = DEPARTMENT if own else DEPARTMENT + 1
    record = CreditRecord(
        enterprise=enterprise, category=RecordCategory(department_id=department_id)
    )
    if name in ("credit_dispute_can_open", "credit_record_can_correct"):
        return record
    return Dispute(record=record, enterprise=enterprise, department_id=department_id)


def test_the_table_covers_every_dispute_predicate():
    assert {name for name, *_ in CASES} == DISPUTE_PREDICATES
    assert set(vars(permissions)) >= DISPUTE_PREDICATES


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    predicate = getattr(permissions, name)
    assert predicate(user=user_with_role(role), obj=_obj(name, obj)) is expected


@pytest.mark.parametrize("name", sorted(DISPUTE_PREDICATES))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    predicate = getattr(permissions, name)
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        for which in ("-", "own", "other"):
            assert predicate(user=user, obj=_obj(name, which)) is False


def test_scope_by_role():
    scopes = {
        role.value: permissions.credit_dispute_scope(user=user_with_role(role)) for role in ROLES
    }
    assert scopes == {
        "enterprise_admin": {"enterprise_id": OWN_ENTERPRISE},
        "enterprise_staff": {"enterprise_id": OWN_ENTERPRISE},
        "institution_manager": "none",
        "institution_officer": "none",
        "city_officer": "all",
        "county_officer": {"enterprise__county_id": OWN_COUNTY},
        "data_provider": {"department_id": DEPARTMENT},
        "platform_admin": "all",
    }
