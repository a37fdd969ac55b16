"""Builders for the reports and disclosure tests: categories with fields, records, requests.

Plain functions with keyword arguments, so every test shows the data it relies on.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools

from kejin.core.tests.factories import DepartmentFactory
from kejin.credit.choices import Disclosure, FieldType, ReportRequestStatus
from kejin.credit.models import CategoryField, CreditRecord, RecordCategory, ReportRequest

_ids = itertools.count(1)


def penalty_category(
    *,
    code: str = "penalty_market",
    name: str = "行政处罚（市场监管）",
    disclosure: str = Disclosure.PUBLIC,
    disclosure_years: int = 3,
    personal_info_disclosed: bool = False,
    order: int = 10,
) -> RecordCategory:
    """A penalty-like category: decision_no, violation, amount, legal_person_name (P),
    legal_person_id_no (P), contact_phone (P)."""
    category = RecordCategory.objects.create(
        code=code,
        name=name,
        department=DepartmentFactory(),
        disclosure=disclosure,
        disclosure_years=disclosure_years,
        personal_info_disclosed=personal_info_disclosed,
        event_date_field="decision_date",
        order=order,
    )
    for order_, (field_code, field_name, field_type, personal) in enumerate(
        [
            ("decision_no", "决定书文号", FieldType.TEXT, False),
            ("violation", "违法行为", FieldType.TEXT, False),
            ("amount", "罚款金额", FieldType.AMOUNT, False),
            ("legal_person_name", "法定代表人", FieldType.TEXT, True),
            ("legal_person_id_no", "身份证号", FieldType.TEXT, True),
            ("contact_phone", "联系电话", FieldType.TEXT, True),
        ]
    ):
        CategoryField.objects.create(
            category=category,
            code=field_code,
            name=field_name,
            type=field_type,
            is_personal=personal,
            order=order_,
        )
    return category


def rating_category(*, code: str = "tax_rating", order: int = 5) -> RecordCategory:
    """A restricted category with one choice field ``rating``."""
    category = RecordCategory.objects.create(
        code=code,
        name="纳税信用等级",
        department=DepartmentFactory(),
        disclosure=Disclosure.RESTRICTED,
        event_date_field="evaluation_date",
        order=order,
    )
    CategoryField.objects.create(
        category=category, code="rating", name="纳税信用等级", type=FieldType.CHOICE
    )
    return category


def record(*, category, enterprise, event_date: datetime.date, data: dict, **extra):
    """One current record of ``enterprise``."""
    number = next(_ids)
    return CreditRecord.objects.create(
        category=category,
        source_record_id=f"src-{number}",
        uscc=enterprise.uscc,
        enterprise=enterprise,
        event_date=event_date,
        data=data,
        content_hash=hashlib.sha256(str(number).encode()).hexdigest(),
        **extra,
    )


def report_request(
    *,
    enterprise,
    institution,
    categories,
    status: str = ReportRequestStatus.PENDING,
    granted=None,
    valid_until: datetime.date | None = None,
    purpose: str = "loan_pre_review",
) -> ReportRequest:
    """A request in ``status`` (granted/revoked ones need ``valid_until``)."""
    request = ReportRequest.objects.create(
        enterprise=enterprise,
        institution=institution,
        purpose=purpose,
        status=status,
        valid_until=valid_until,
    )
    request.categories.set(categories)
    if granted is not None:
        request.granted_categories.set(granted)
    return request
