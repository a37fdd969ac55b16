"""Demo data of consented reports: requests in every state (pending, granted, refused,
revoked, expired) from the demo bank to the demo enterprise and a few others, and reads.

Idempotent: the demo requests carry ``DEMO_NOTE`` and are written once. Written with plain
inserts and not audited (they stand for history before the platform was used).

If the credit catalogue or records are not loaded yet (the ingestion part seeds the default
catalogue), ``demo_minimal_credit_records`` creates three categories and a few records of the
demo enterprise so that a report has something to show; it is separate and skips what exists.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.utils import timezone

from kejin.core.models import Department
from kejin.credit.choices import (
    Disclosure,
    FieldType,
    ReportFormat,
    ReportPurpose,
    ReportRequestStatus,
)
from kejin.credit.models import (
    CategoryField,
    CreditRecord,
    RecordCategory,
    ReportRead,
    ReportRequest,
)

DEMO_NOTE = "【演示数据】"


@dataclass(frozen=True)
class ReportsDemoSummary:
    requests: int
    reads: int


_MINIMAL_CATALOGUE = [
    (
        "tax_rating",
        "纳税信用等级",
        "jx-tax",
        Disclosure.RESTRICTED,
        False,
        "evaluation_date",
        [
            ("rating_year", "评价年度", FieldType.INTEGER, False),
            ("rating", "纳税信用等级", FieldType.CHOICE, False),
            ("evaluation_date", "评价日期", FieldType.DATE, False),
        ],
    ),
    (
        "penalty_market",
        "行政处罚（市场监管）",
        "jx-market-supervision",
        Disclosure.PUBLIC,
        False,
        "decision_date",
        [
            ("decision_no", "决定书文号", FieldType.TEXT, False),
            ("decision_date", "处罚决定日期", FieldType.DATE, False),
            ("violation", "违法行为", FieldType.TEXT, False),
            ("penalty_type", "处罚类别", FieldType.CHOICE, False),
            ("amount", "罚没金额", FieldType.AMOUNT, False),
            ("severity", "严重程度", FieldType.CHOICE, False),
            ("legal_person_name", "法定代表人", FieldType.TEXT, True),
        ],
    ),
    (
        "dishonest_debtor",
        "失信被执行人",
        "jx-intermediate-court",
        Disclosure.PUBLIC,
        True,
        "published_date",
        [
            ("case_no", "案号", FieldType.TEXT, False),
            ("published_date", "发布日期", FieldType.DATE, False),
            ("obligation", "生效法律文书确定的义务", FieldType.TEXT, False),
            ("legal_person_name", "法定代表人", FieldType.TEXT, True),
            ("legal_person_id_no", "法定代表人身份证号", FieldType.TEXT, True),
        ],
    ),
]


def demo_minimal_credit_records(*, enterprise) -> int:
    """Three categories (if missing) and a few records of ``enterprise`` (if it has none).
    The number of records created."""
    categories = {}
    for code, name, department, disclosure, personal, event_field, fields in _MINIMAL_CATALOGUE:
        category = RecordCategory.objects.filter(code=code).first()
        if category is None:
            dept = Department.objects.filter(code=department).first()
            if dept is None:
                continue
            category = RecordCategory.objects.create(
                code=code,
                name=name,
                department=dept,
                disclosure=disclosure,
                personal_info_disclosed=personal,
                event_date_field=event_field,
            )
            CategoryField.objects.bulk_create(
                CategoryField(
                    category=category,
                    code=f_code,
                    name=f_name,
                    type=f_type,
                    is_personal=f_personal,
                    order=index,
                )
                for index, (f_code, f_name, f_type, f_personal) in enumerate(fields)
            )
        categories[code] = category
    if CreditRecord.objects.filter(enterprise=enterprise).exists():
        return 0
    rows = []
    if "tax_rating" in categories:
        rows += [
            (
                categories["tax_rating"],
                f"demo-tax-{year}",
                datetime.date(year + 1, 4, 20),
                {
                    "rating_year": year,
                    "rating": rating,
                    "evaluation_date": f"{year + 1}-04-20",
                },
            )
            for year, rating in ((2023, "B"), (2024, "A"), (2025, "A"))
        ]
    if "penalty_market" in categories:
        rows.append(
            (
                categories["penalty_market"],
                "demo-penalty-1",
                datetime.date(2025, 8, 12),
                {
                    "decision_no": "嘉南市监罚〔2025〕87号",
                    "decision_date": "2025-08-12",
                    "violation": "产品标签标注不规范",
                    "penalty_type": "罚款",
                    "amount": "20000",
                    "severity": "general",
                    "legal_person_name": "沈建华",
                },
            )
        )
    CreditRecord.objects.bulk_create(
        CreditRecord(
            category=category,
            source_record_id=source_id,
            uscc=enterprise.uscc,
            enterprise=enterprise,
            event_date=event_date,
            data=data,
            content_hash=hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest(),
        )
        for category, source_id, event_date, data in rows
    )
    return len(rows)


def credit_reports_demo(*, enterprises, institution, requester, admin) -> ReportsDemoSummary:
    """Requests from ``institution`` (by ``requester``) to the first enterprises, one in every
    state, answered by ``admin`` for the demo enterprise; reads under the grants."""
    existing = ReportRequest.objects.filter(note__startswith=DEMO_NOTE)
    if existing.exists():
        return ReportsDemoSummary(
            requests=existing.count(),
            reads=ReportRead.objects.filter(request__note__startswith=DEMO_NOTE).count(),
        )
    categories = list(RecordCategory.objects.filter(is_active=True).order_by("order", "code")[:6])
    if not categories:
        return ReportsDemoSummary(requests=0, reads=0)
    today = timezone.localdate()
    now = timezone.now()
    day = datetime.timedelta(days=1)
    specs = [
        # (enterprise index, purpose, status, valid_until, decided days ago, refusal, revoked)
        (
            0,
            ReportPurpose.LOAN_PRE_REVIEW,
            ReportRequestStatus.GRANTED,
            today + 80 * day,
            10,
            "",
            False,
        ),
        (0, ReportPurpose.POST_LOAN, ReportRequestStatus.PENDING, None, None, "", False),
        (
            0,
            ReportPurpose.GUARANTEE_REVIEW,
            ReportRequestStatus.REFUSED,
            None,
            20,
            "未与该机构开展担保业务。",
            False,
        ),
        (
            0,
            ReportPurpose.INVESTMENT_DUE_DILIGENCE,
            ReportRequestStatus.REVOKED,
            today + 30 * day,
            40,
            "",
            True,
        ),
        (
            0,
            ReportPurpose.LOAN_PRE_REVIEW,
            ReportRequestStatus.GRANTED,
            today - 5 * day,
            120,
            "",
            False,
        ),
        (1, ReportPurpose.LOAN_PRE_REVIEW, ReportRequestStatus.PENDING, None, None, "", False),
        (2, ReportPurpose.POST_LOAN, ReportRequestStatus.GRANTED, today + 200 * day, 3, "", False),
    ]
    created = []
    for index, purpose, status, valid_until, decided_ago, refusal, revoked in specs:
        if index >= len(enterprises):
            continue
        decided_at = now - datetime.timedelta(days=decided_ago) if decided_ago else None
        request = ReportRequest.objects.create(
            enterprise=enterprises[index],
            institution=institution,
            requested_by=requester,
            purpose=purpose,
            note=f"{DEMO_NOTE}{purpose.label}",
            status=status,
            decided_by=admin if decided_at and index == 0 else None,
            decided_at=decided_at,
            valid_until=valid_until,
            refusal_reason=refusal,
            revoked_by=admin if revoked else None,
            revoked_at=now - 2 * day if revoked else None,
            revoke_reason="贷款已结清，不再需要查询。" if revoked else "",
        )
        request.categories.set(categories)
        if status in (ReportRequestStatus.GRANTED, ReportRequestStatus.REVOKED):
            request.granted_categories.set(categories[:4])
        created.append(request)
    reads = []
    for request in created:
        if request.status not in (ReportRequestStatus.GRANTED, ReportRequestStatus.REVOKED):
            continue
        for offset, fmt in ((1, ReportFormat.PAGE), (2, ReportFormat.PDF), (3, ReportFormat.API)):
            read_at = (request.decided_at or now) + datetime.timedelta(hours=offset)
            if read_at > now:
                continue
            reads.append(
                ReportRead(
                    request=request,
                    enterprise=request.enterprise,
                    institution=institution,
                    reader=requester,
                    reader_name=str(requester),
                    purpose=request.purpose,
                    format=fmt,
                    categories=[c.code for c in categories[:4]],
                    record_count=0,
                    read_at=read_at,
                )
            )
    ReportRead.objects.bulk_create(reads)
    return ReportsDemoSummary(requests=len(created), reads=len(reads))
