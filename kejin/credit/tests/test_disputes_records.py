"""The record-version service used by dispute resolutions: a correction supersedes the
current version, a removal marks it removed; only the source department; never twice."""

from __future__ import annotations

import datetime

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import DepartmentFactory
from kejin.credit.models import CreditRecord
from kejin.credit.records import (
    credit_record_correct,
    credit_record_data_clean,
    credit_record_remove,
)
from kejin.credit.tests.dispute_factories import CreditRecordFactory, tax_rating_category

pytestmark = pytest.mark.django_db

CORRECTED = {"rating_year": 2024, "rating": "B", "evaluation_date": "2025-04-30"}


@pytest.fixture
def record():
    tax = DepartmentFactory(code="jx-tax", kind="data_provider")
    return CreditRecordFactory(category=tax_rating_category(department=tax))


def _rows() -> tuple:
    return (
        list(CreditRecord.objects.order_by("pk").values("pk", "version", "status", "data")),
        AuditEvent.objects.count(),
    )


def test_a_second_correction_of_a_superseded_version_is_refused(record):
    provider = UserFactory(data_provider=True, department=record.category.department)
    new = credit_record_correct(
        record=record,
        data=CORRECTED,
        event_date=datetime.date(2025, 4, 30),
        acting_user=provider,
    )
    assert (new.version, new.status) == (2, "current")
    before = _rows()

    with pytest.raises(ApplicationError) as raised:
        credit_record_correct(
            record=record,
            data={**CORRECTED, "rating": "A"},
            event_date=datetime.date(2025, 4, 30),
            acting_user=provider,
        )

    assert (raised.value.code, raised.value.message) == (
        "record_not_current",
        "该记录已不是当前有效版本（已被更正或删除），请刷新后查看最新版本。",
    )
    assert _rows() == before


def test_only_the_source_department_corrects_or_removes(record):
    before = _rows()
    for user in (
        UserFactory(data_provider=True, department=DepartmentFactory()),
        UserFactory(),
        UserFactory(enterprise_admin=True, enterprise=record.enterprise),
    ):
        for call in (
            lambda u=user: credit_record_remove(record=record, acting_user=u),
            lambda u=user: credit_record_correct(
                record=record,
                data=CORRECTED,
                event_date=datetime.date(2025, 4, 30),
                acting_user=u,
            ),
        ):
            with pytest.raises(ApplicationError) as raised:
                call()
            assert (raised.value.code, raised.value.message) == (
                "permission_denied",
                "只有该记录的来源部门可以更正或删除记录。",
            )
    assert _rows() == before


def test_data_is_parsed_by_field_type(record):
    data, event_date = credit_record_data_clean(
        category=record.category,
        data={"rating_year": " 2024 ", "rating": "B", "evaluation_date": "2025-04-30"},
        today=datetime.date(2026, 12, 5),
    )
    assert (data, event_date) == (CORRECTED, datetime.date(2025, 4, 30))
    with pytest.raises(ApplicationError) as raised:
        credit_record_data_clean(
            category=record.category,
            data={"rating_year": "2024.5", "colour": "red"},
            today=datetime.date(2026, 12, 5),
        )
    assert raised.value.fields == {
        "data.colour": ["该类别没有字段“colour”。"],
        "data.rating_year": ["评价年度：应为整数。"],
        "data.rating": ["“信用等级”为必填项。"],
        "data.evaluation_date": ["“评价日期”为必填项。"],
    }
