"""Factories for the dispute tests: a category with its fields (the catalogue's tax rating),
current records about an enterprise, and the people of each side."""

from __future__ import annotations

import datetime

import factory

from kejin.core.tests.factories import DepartmentFactory
from kejin.credit.models import CategoryField, CreditRecord, RecordCategory
from kejin.credit.records import credit_record_content_hash
from kejin.enterprises.tests.factories import EnterpriseFactory


class RecordCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordCategory
        django_get_or_create = ("code",)

    code = "tax_rating"
    name = "纳税信用等级"
    department = factory.SubFactory(DepartmentFactory, kind="data_provider")
    event_date_field = "evaluation_date"


def tax_rating_category(**kwargs) -> RecordCategory:
    """纳税信用等级 with its three fields, as in the default catalogue."""
    category = RecordCategoryFactory(**kwargs)
    for order, (code, name, kind, allowed) in enumerate(
        [
            ("rating_year", "评价年度", "integer", []),
            ("rating", "信用等级", "choice", ["A", "B", "M", "C", "D"]),
            ("evaluation_date", "评价日期", "date", []),
        ]
    ):
        CategoryField.objects.get_or_create(
            category=category,
            code=code,
            defaults={
                "name": name,
                "type": kind,
                "required": True,
                "allowed_values": allowed,
                "order": order,
            },
        )
    return category


class CreditRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditRecord

    category = factory.SubFactory(RecordCategoryFactory)
    source_record_id = factory.Sequence(lambda n: f"SW-2025-{n:05d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    uscc = factory.LazyAttribute(lambda o: o.enterprise.uscc)
    event_date = datetime.date(2025, 4, 30)
    data = factory.LazyAttribute(
        lambda o: {"rating_year": 2024, "rating": "C", "evaluation_date": o.event_date.isoformat()}
    )
    content_hash = factory.LazyAttribute(
        lambda o: credit_record_content_hash(data=o.data, event_date=o.event_date)
    )
