"""Enterprise selectors: every role sees exactly its scope."""

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.selectors import enterprise_get, enterprise_list
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counties():
    nanhu = RegionFactory()
    xiuzhou = RegionFactory(code="330411", name="秀洲区")
    return EnterpriseFactory(county=nanhu, name="南湖甲科技有限公司"), EnterpriseFactory(
        county=xiuzhou, name="秀洲乙科技有限公司"
    )


def test_city_officer_sees_all(two_counties):
    assert set(enterprise_list(user=UserFactory())) == set(two_counties)


def test_county_officer_sees_only_own_county_in_list_search_and_detail(two_counties):
    in_county, other = two_counties
    officer = UserFactory(county_officer=True)
    assert list(enterprise_list(user=officer)) == [in_county]
    assert list(enterprise_list(user=officer, filters={"q": "秀洲乙"})) == []
    assert list(enterprise_list(user=officer, filters={"uscc": other.uscc})) == []
    assert list(enterprise_list(user=officer, filters={"q": other.uscc})) == []
    assert enterprise_get(user=officer, pk=in_county.pk) == in_county
    with pytest.raises(ApplicationError) as excinfo:
        enterprise_get(user=officer, pk=other.pk)
    assert excinfo.value.code == "not_found"


def test_enterprise_user_sees_only_itself(two_counties):
    user = UserFactory(enterprise_staff=True)
    assert list(enterprise_list(user=user)) == [user.enterprise]
    for other in two_counties:
        with pytest.raises(ApplicationError):
            enterprise_get(user=user, pk=other.pk)


@pytest.mark.parametrize("trait", ["institution_manager", "institution_officer", "data_provider"])
def test_roles_without_enterprise_scope_see_none(trait, two_counties):
    assert list(enterprise_list(user=UserFactory(**{trait: True}))) == []


def test_inactive_user_sees_nothing(two_counties):
    assert list(enterprise_list(user=UserFactory(is_active=False))) == []


def test_filters_by_county_code_and_industry_section(two_counties):
    officer = UserFactory()
    assert list(enterprise_list(user=officer, filters={"county": "330411"})) == [two_counties[1]]
    assert {e.pk for e in enterprise_list(user=officer, filters={"industry": "65"})} == {
        e.pk for e in two_counties
    }
