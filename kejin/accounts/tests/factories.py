"""User factories, one trait per role, each with its organisation."""

import factory

from kejin.accounts.choices import Role
from kejin.accounts.models import User
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.institutions.tests.factories import InstitutionFactory

PASSWORD = "Kejin-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.CITY_OFFICER
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    class Params:
        enterprise_admin = factory.Trait(
            role=Role.ENTERPRISE_ADMIN,
            department=None,
            enterprise=factory.SubFactory(EnterpriseFactory),
        )
        enterprise_staff = factory.Trait(
            role=Role.ENTERPRISE_STAFF,
            department=None,
            enterprise=factory.SubFactory(EnterpriseFactory),
        )
        institution_manager = factory.Trait(
            role=Role.INSTITUTION_MANAGER,
            department=None,
            institution=factory.SubFactory(InstitutionFactory),
        )
        institution_officer = factory.Trait(
            role=Role.INSTITUTION_OFFICER,
            department=None,
            institution=factory.SubFactory(InstitutionFactory),
        )
        county_officer = factory.Trait(
            role=Role.COUNTY_OFFICER, county=factory.SubFactory(RegionFactory)
        )
        data_provider = factory.Trait(role=Role.DATA_PROVIDER)
        platform_admin = factory.Trait(
            role=Role.PLATFORM_ADMIN, department=None, is_staff=True, is_superuser=True
        )
