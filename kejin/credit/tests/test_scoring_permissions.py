"""Who may see credit profiles and scorecards, and who may change scorecards: every role."""

import pytest

from kejin.accounts.choices import Role
from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.credit.permissions import credit_profile_can_view, scorecard_can_edit, scorecard_can_view
from kejin.enterprises.tests.factories import EnterpriseFactory

TRAITS = {
    Role.ENTERPRISE_ADMIN: {"enterprise_admin": True},
    Role.ENTERPRISE_STAFF: {"enterprise_staff": True},
    Role.INSTITUTION_MANAGER: {"institution_manager": True},
    Role.INSTITUTION_OFFICER: {"institution_officer": True},
    Role.CITY_OFFICER: {},
    Role.COUNTY_OFFICER: {"county_officer": True},
    Role.DATA_PROVIDER: {"data_provider": True},
    Role.PLATFORM_ADMIN: {"platform_admin": True},
}
# role: (own/own-county enterprise's profile, another county's, scorecards read, change)
EXPECTED = {
    Role.ENTERPRISE_ADMIN: (True, False, False, False),
    Role.ENTERPRISE_STAFF: (True, False, False, False),
    Role.INSTITUTION_MANAGER: (False, False, False, False),
    Role.INSTITUTION_OFFICER: (False, False, False, False),
    Role.CITY_OFFICER: (True, True, True, True),
    Role.COUNTY_OFFICER: (True, False, True, False),
    Role.DATA_PROVIDER: (False, False, False, False),
    Role.PLATFORM_ADMIN: (True, True, True, False),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_scoring_permissions_by_role(role):
    user = UserFactory(**TRAITS[role])
    own = user.enterprise or EnterpriseFactory()  # the factories' county is 南湖区
    other = EnterpriseFactory(county=RegionFactory(code="330481", name="海宁市"))
    assert (
        credit_profile_can_view(user=user, obj=own),
        credit_profile_can_view(user=user, obj=other),
        scorecard_can_view(user=user),
        scorecard_can_edit(user=user),
    ) == EXPECTED[role]
