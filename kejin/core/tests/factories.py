"""Factories for reference data. Reference rows are looked up by code (the data migrations load them)."""

import factory

from kejin.core.models import Department, Industry, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "330402"
    name = "南湖区"
    level = "county"


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = "65"
    name = "软件和信息技术服务业"
    level = "division"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"测试部门{n}")
    kind = "government"
    region = factory.SubFactory(RegionFactory, code="330400", name="嘉兴市", level="city")
