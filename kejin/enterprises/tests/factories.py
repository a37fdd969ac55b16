"""Factories for enterprises, with valid unified social credit codes."""

import datetime
from decimal import Decimal

import factory

from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.core.uscc import uscc_build
from kejin.enterprises.models import Enterprise

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_body(n: int) -> str:
    """A distinct 8-character organisation-code body for sequence number ``n``."""
    digits = []
    for _ in range(8):
        n, r = divmod(n, 10)
        digits.append(str(r))
    return "M" + "".join(reversed(digits))[1:]


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    county = factory.SubFactory(RegionFactory)
    uscc = factory.LazyAttributeSequence(
        lambda o, n: uscc_build(region_code=o.county.code, org_body=org_body(n))
    )
    name = factory.Sequence(lambda n: f"嘉兴测试科技有限公司{n}")
    industry = factory.SubFactory(IndustryFactory)
    founded_on = datetime.date(2018, 5, 20)
    size = "small"
    registered_capital = Decimal("5000000.00")
