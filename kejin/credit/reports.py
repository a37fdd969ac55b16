"""The one way to a credit report: ``credit_report_for``.

An institution reads an enterprise's credit records only here, and only under a valid grant
(``ReportRequest`` granted, not revoked, ``valid_until`` not passed in Asia/Shanghai, the
categories within the grant). The function checks the grant and writes the read log row
(``ReportRead``: who, institution, when, purpose, grant, format, categories) in one
transaction, so there is no read without a log row and no log row without a read. Without a
valid grant it raises ``not_found`` (pages and the API answer 404) and writes nothing.

Pages, downloads and the API call it; no view, API or template reaches credit records any
other way (``tests/test_credit_access.py`` fails if one does).

Personal information (fields marked ``is_personal``) is masked unless the category's legal
basis discloses it (``personal_info_disclosed``): names ``张*``, ID numbers
``3301**********1234``, phone numbers ``138****1234``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError
from kejin.core.money import format_yuan
from kejin.credit.choices import FieldType, ReportFormat
from kejin.credit.disclosure import record_dispute_states
from kejin.credit.models import (
    CategoryField,
    CreditRecord,
    RecordCategory,
    ReportRead,
    ReportRequest,
)
from kejin.credit.models.reports import shanghai_today
from kejin.credit.permissions import report_can_read

# --- masking of personal information --------------------------------------------------------

_ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
_MOBILE = re.compile(r"^1\d{10}$")


def mask_personal(value: str) -> str:
    """``value`` with the identifying part hidden: an ID number keeps its first 4 and last
    4 characters (``3301**********1234``), a mobile number its first 3 and last 4
    (``138****1234``), a name (anything else) its first character (``张*``, ``欧***``)."""
    text = str(value).strip()
    if not text:
        return text
    if _ID_NUMBER.match(text):
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    if _MOBILE.match(text):
        return text[:3] + "****" + text[-4:]
    return text[0] + "*" * max(len(text) - 1, 1)


def display_value(field: CategoryField, value, category: RecordCategory) -> str:
    """A field's value as a report or the public page shows it: amounts in 元/万元/亿元,
    booleans 是/否, codes by their meaning (``value_labels``), personal information masked unless the category discloses it."""
    if value is None or value == "":
        return "—"
    if field.is_personal and not category.personal_info_disclosed:
        return mask_personal(str(value))
    if field.type == FieldType.AMOUNT:
        try:
            return format_yuan(str(value))
        except (ArithmeticError, ValueError):
            return str(value)
    if field.type == FieldType.BOOLEAN:
        return _("是") if value in (True, "true", "1", 1) else _("否")
    if field.type == FieldType.CHOICE:
        return (field.value_labels or {}).get(str(value), str(value))
    return str(value)


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One record in a report: its values in the category's field order (already masked)."""

    record_id: int
    event_date: datetime.date
    version: int
    values: list[str]
    dispute: str  # "" or the dispute state's label


@dataclass(frozen=True)
class ReportSection:
    """The records of one category."""

    category: RecordCategory
    columns: list[str]  # field names
    codes: list[str]  # field codes, for the API
    rows: list[ReportRow]
    masked: bool  # personal information is masked in this section


@dataclass(frozen=True)
class Report:
    """A credit report as read once under a grant (the read is ``read``)."""

    request: ReportRequest
    read: ReportRead
    sections: list[ReportSection] = field(default_factory=list)

    @property
    def enterprise(self):
        return self.request.enterprise

    @property
    def institution(self):
        return self.request.institution

    @property
    def record_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)


def _valid_grant(*, user, grant: int, today: datetime.date) -> ReportRequest | None:
    if not report_can_read(user=user):
        return None
    return (
        ReportRequest.objects.select_for_update()
        .filter(pk=grant, institution_id=user.institution_id)
        .valid_grants(today=today)
        .select_related("enterprise", "institution")
        .first()
    )


@transaction.atomic
def credit_report_for(
    *,
    user,
    grant: int,
    format: str,
    categories: Collection[str] | None = None,
    ip_address: str | None = None,
) -> Report:
    """The report of grant ``grant`` (a ``ReportRequest`` id) as ``user`` may read it, and
    its read logged.

    ``user`` must belong to the requesting institution and the grant must be valid today
    (Asia/Shanghai); ``categories`` (codes) narrow the report to some of the granted
    categories (all when None). Anything else — no such grant, another institution's,
    pending, refused, revoked, expired, a category outside the grant — raises
    ``not_found`` and writes nothing. The grant row is locked while the report is read, so
    a revocation is either before the read (404) or after it.
    """
    if format not in ReportFormat.values:
        raise ValueError(f"unknown report format {format!r}")
    today = shanghai_today()
    request = _valid_grant(user=user, grant=grant, today=today)
    if request is None:
        raise ApplicationError.not_found()
    granted = list(request.granted_categories.order_by("order", "code"))
    if categories is not None:
        wanted = set(categories)
        if not wanted or wanted - {c.code for c in granted}:
            raise ApplicationError.not_found()
        granted = [c for c in granted if c.code in wanted]

    records = list(
        CreditRecord.objects.current()
        .filter(enterprise_id=request.enterprise_id, category__in=granted)
        .order_by("-event_date", "-id")
    )
    fields: dict[int, list[CategoryField]] = {}
    for category_field in CategoryField.objects.filter(category__in=granted).order_by(
        "order", "id"
    ):
        fields.setdefault(category_field.category_id, []).append(category_field)
    disputes = record_dispute_states(records)
    sections = []
    for category in granted:
        category_fields = fields.get(category.pk, [])
        rows = [
            ReportRow(
                record_id=record.pk,
                event_date=record.event_date,
                version=record.version,
                values=[
                    display_value(f, record.data.get(f.code), category) for f in category_fields
                ],
                dispute=disputes.get(record.pk, ""),
            )
            for record in records
            if record.category_id == category.pk
        ]
        sections.append(
            ReportSection(
                category=category,
                columns=[f.name for f in category_fields],
                codes=[f.code for f in category_fields],
                rows=rows,
                masked=not category.personal_info_disclosed
                and any(f.is_personal for f in category_fields),
            )
        )

    read = ReportRead.objects.create(
        request=request,
        enterprise_id=request.enterprise_id,
        institution_id=request.institution_id,
        reader=user,
        reader_name=(getattr(user, "full_name", "") or user.username)[:150],
        purpose=request.purpose,
        format=format,
        categories=[c.code for c in granted],
        record_count=sum(len(s.rows) for s in sections),
        read_at=timezone.now(),
        ip_address=ip_address,
    )
    audit_record(
        actor=user,
        action=AuditAction.READ_SENSITIVE,
        instance=request,
        after={
            "read": read.pk,
            "format": format,
            "purpose": request.purpose,
            "categories": read.categories,
            "records": read.record_count,
        },
        ip_address=ip_address,
    )
    return Report(request=request, read=read, sections=sections)
