"""Who may do what with consented reports: every role × every reports predicate, as a table.

Columns are the roles in ``Role``'s order. ``own``: a request about the user's own enterprise
from the user's own institution; ``other``: another enterprise's, from another institution.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kejin.accounts.tests.permission_table import (
    OTHER_ENTERPRISE,
    OTHER_INSTITUTION,
    OWN_ENTERPRISE,
    OWN_INSTITUTION,
    ROLES,
    parse,
    user_with_role,
)
from kejin.credit import permissions
from kejin.credit.models import ReportRequest

TABLE = """
predicate                   obj   enterprise_admin enterprise_staff institution_manager institution_officer city_officer county_officer data_provider platform_admin
report_request_can_browse   -     Y N Y Y Y N N Y
report_request_can_browse   own   Y N Y Y Y N N Y
report_request_can_browse   other N N N N Y N N Y
report_request_can_create   -     N N Y Y N N N N
report_request_can_create   own   N N Y Y N N N N
report_request_can_decide   -     Y N N N N N N N
report_request_can_decide   own   Y N N N N N N N
report_request_can_decide   other N N N N N N N N
report_grant_can_revoke     own   Y N N N N N N N
report_grant_can_revoke     other N N N N N N N N
report_can_read             -     N N Y Y N N N N
report_can_read             own   N N Y Y N N N N
report_can_read             other N N N N N N N N
report_read_can_browse      -     Y N Y Y Y N N Y
report_read_can_browse      own   Y N Y Y Y N N Y
report_read_can_browse      other N N N N Y N N Y
"""
CASES = parse(TABLE)
REPORT_PREDICATES = {
    "report_request_can_browse",
    "report_request_can_create",
    "report_request_can_decide",
    "report_grant_can_revoke",
    "report_can_read",
    "report_read_can_browse",
}


def _obj(which: str):
    if which == "-":
        return None
    own = which == "own"
    return ReportRequest(
        enterprise_id=OWN_ENTERPRISE if own else OTHER_ENTERPRISE,
        institution_id=OWN_INSTITUTION if own else OTHER_INSTITUTION,
    )


@pytest.mark.parametrize(("name", "obj", "role", "expected"), CASES)
def test_role_may(name, obj, role, expected):
    predicate = getattr(permissions, name)
    assert predicate(user=user_with_role(role), obj=_obj(obj)) is expected


def test_the_table_covers_every_reports_predicate():
    assert {name for name, *_ in CASES} == REPORT_PREDICATES


@pytest.mark.parametrize("name", sorted(REPORT_PREDICATES))
def test_nobody_signed_out_or_deactivated_may_do_anything(name):
    predicate = getattr(permissions, name)
    for user in [AnonymousUser(), *(user_with_role(role, is_active=False) for role in ROLES)]:
        for which in ("-", "own", "other"):
            assert predicate(user=user, obj=_obj(which)) is False


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "report_request_can_create",
            "只有金融机构（含征信机构）的工作人员可以申请查询企业信用报告。",
        ),
        ("report_request_can_decide", "只有被查询企业的企业管理员可以授权或拒绝查询申请。"),
        ("report_grant_can_revoke", "只有被查询企业的企业管理员可以撤销授权。"),
        ("report_can_read", "只有提出申请的金融机构可以查阅该信用报告。"),
    ],
)
def test_each_refusal_says_who_may(name, message):
    assert str(getattr(permissions, name).refusal) == message
