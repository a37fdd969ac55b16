"""Factories for financial institutions."""

from decimal import Decimal

import factory

from kejin.core.tests.factories import RegionFactory
from kejin.core.uscc import uscc_build
from kejin.enterprises.tests.factories import org_body
from kejin.institutions.models import Institution


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    county = factory.SubFactory(RegionFactory)
    uscc = factory.LazyAttributeSequence(
        lambda o, n: uscc_build(region_code=o.county.code, org_body="K" + org_body(n)[1:])
    )
    name = factory.Sequence(lambda n: f"测试银行嘉兴科技支行{n}")
    kind = "tech_sub_branch"
    registered_capital = Decimal("100000000.00")
