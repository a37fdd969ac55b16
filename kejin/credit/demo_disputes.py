"""Demo disputes (异议) in every state, for ``manage.py demo_data``.

Written after the demo users and (once they land) the credit records: the demo enterprise
(``enterprise_admin``'s) disputes tax-rating records of ``data_tax``'s department — one open
in time, one open past its deadline (flagged), one corrected (a second version), one removed,
one upheld and answered, one upheld awaiting an answer, one withdrawn — and a few other
enterprises have open disputes, one of them in 海宁市 and overdue, so that the county
officers' overdue lists differ. Bulk rows, not audited (they stand for history before the
platform), each passing ``full_clean``. Idempotent: records are keyed by their source id,
and a record's dispute is created only once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from kejin.accounts.models import User
from kejin.core.workdays import WorkdayCalendar
from kejin.credit.choices import DisputeStatus, FieldType, RecordStatus
from kejin.credit.disputes import dispute_deadline_workdays
from kejin.credit.models import CategoryField, CreditRecord, Dispute, RecordCategory
from kejin.credit.records import credit_record_content_hash
from kejin.enterprises.models import Enterprise

DEMO_PREFIX = "DEMO-DSP-"
_TAX_RATING_FIELDS: tuple[tuple[str, str, str, list[str]], ...] = (
    ("rating_year", "评价年度", FieldType.INTEGER, []),
    ("rating", "信用等级", FieldType.CHOICE, ["A", "B", "M", "C", "D"]),
    ("evaluation_date", "评价日期", FieldType.DATE, []),
)


@dataclass(frozen=True)
class _Case:
    """One demo dispute: which record, the state, days since filing, the texts."""

    key: str
    rating: str
    year: int
    status: str
    filed_days_ago: int
    reason: str
    note: str = ""
    reply: str = ""
    corrected_rating: str = ""


_OWN_CASES = (
    _Case(
        "01",
        "C",
        2024,
        DisputeStatus.OPEN,
        3,
        "2024年度欠税已于评价前补缴，评价应为B级，附完税证明。",
    ),
    _Case(
        "02",
        "D",
        2023,
        DisputeStatus.OPEN,
        45,
        "2023年度被误判为非正常户，已于当年解除，评价应为B级。",
    ),
    _Case(
        "03",
        "M",
        2022,
        DisputeStatus.CORRECTED,
        60,
        "企业2022年已满一个评价年度，不应评为M级。",
        note="经核实企业成立满一个评价年度，更正为B级。",
        corrected_rating="B",
    ),
    _Case(
        "04",
        "C",
        2021,
        DisputeStatus.REMOVED,
        90,
        "该记录的纳税人识别号不是本企业。",
        note="系其他纳税人记录误关联，予以删除。",
    ),
    _Case(
        "05",
        "C",
        2020,
        DisputeStatus.UPHELD,
        120,
        "逾期申报系办税系统故障所致，请求调整。",
        note="经核查当期确有逾期申报且无系统故障记录，维持C级。",
        reply="企业已提交办税服务厅故障受理回执，保留意见。",
    ),
    _Case(
        "06",
        "C",
        2019,
        DisputeStatus.UPHELD,
        30,
        "评价扣分项目有误。",
        note="扣分项目符合评价指标，维持原评价。",
    ),
    _Case("07", "B", 2018, DisputeStatus.WITHDRAWN, 200, "评价等级有误（企业核实后撤回）。"),
)


def _demo_tax_category(department) -> RecordCategory:
    """The catalogue's 纳税信用等级 category (created minimally while the catalogue's own
    loader is not in this checkout)."""
    category, _ = RecordCategory.objects.get_or_create(
        code="tax_rating",
        defaults={
            "name": "纳税信用等级",
            "department": department,
            "event_date_field": "evaluation_date",
            "legal_basis": "《纳税信用管理办法》",
        },
    )
    for order, (code, name, kind, allowed) in enumerate(_TAX_RATING_FIELDS):
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


def _record(category, enterprise, *, key: str, year: int, rating: str, version: int = 1):
    """A tax-rating record of ``enterprise`` (its own, separate from the records demo)."""
    event_date = datetime.date(year + 1, 4, 30)
    data = {"rating_year": year, "rating": rating, "evaluation_date": event_date.isoformat()}
    record, _ = CreditRecord.objects.get_or_create(
        category=category,
        source_record_id=f"{DEMO_PREFIX}{key}",
        version=version,
        defaults={
            "status": RecordStatus.CURRENT,
            "uscc": enterprise.uscc,
            "enterprise": enterprise,
            "event_date": event_date,
            "data": data,
            "content_hash": credit_record_content_hash(data=data, event_date=event_date),
        },
    )
    return record


def credit_disputes_demo() -> int:
    """Create the demo disputes (see the module docstring); the number of disputes created."""
    provider = User.objects.filter(username="data_tax").select_related("department").first()
    admin = User.objects.filter(username="enterprise_admin").select_related("enterprise").first()
    if provider is None or admin is None or admin.enterprise is None:
        return 0
    category = _demo_tax_category(provider.department)
    calendar = WorkdayCalendar()
    workdays = dispute_deadline_workdays(category)
    now = timezone.now()
    created = 0

    def dispute(record, case: _Case, *, filed_by, corrected=None) -> None:
        nonlocal created
        if Dispute.objects.filter(record=record).exists():
            return
        filed_at = now - datetime.timedelta(days=case.filed_days_ago)
        deadline = calendar.add(filed_at, workdays)
        closed = case.status != DisputeStatus.OPEN
        resolved_at = (
            filed_at + datetime.timedelta(days=min(10, case.filed_days_ago)) if closed else None
        )
        row = Dispute(
            record=record,
            enterprise=record.enterprise,
            department=category.department,
            status=case.status,
            reason=case.reason,
            filed_by=filed_by,
            filed_at=filed_at,
            deadline=deadline.date,
            deadline_workdays=workdays,
            deadline_approximate=deadline.approximate,
            overdue_flagged_at=now if not closed and deadline.date < timezone.localdate() else None,
            resolved_at=resolved_at,
            resolved_by=(
                None
                if not closed
                else filed_by
                if case.status == DisputeStatus.WITHDRAWN
                else provider
            ),
            resolution_note=case.note,
            corrected_record=corrected,
            reply=case.reply,
            replied_at=resolved_at + datetime.timedelta(days=2)
            if case.reply and resolved_at
            else None,
            replied_by=filed_by if case.reply else None,
        )
        row.full_clean()
        row.save()
        created += 1

    for case in _OWN_CASES:
        record = _record(
            category, admin.enterprise, key=case.key, year=case.year, rating=case.rating
        )
        corrected = None
        if case.status == DisputeStatus.CORRECTED:
            if (
                record.status == RecordStatus.CURRENT
                and not Dispute.objects.filter(record=record).exists()
            ):
                record.status = RecordStatus.SUPERSEDED
                record.save(update_fields=["status"])
            corrected = _record(
                category,
                admin.enterprise,
                key=case.key,
                year=case.year,
                rating=case.corrected_rating,
                version=2,
            )
        elif case.status == DisputeStatus.REMOVED:
            record.status = RecordStatus.REMOVED
            record.save(update_fields=["status"])
        dispute(record, case, filed_by=admin, corrected=corrected)

    # Other enterprises: one per county of the demo, the 海宁市 one overdue.
    others = []
    for county in ("330402", "330481"):
        enterprise = (
            Enterprise.objects.filter(county__code=county)
            .exclude(pk=admin.enterprise_id)
            .order_by("pk")
            .first()
        )
        if enterprise is not None:
            others.append(enterprise)
    for index, enterprise in enumerate(others):
        case = _Case(
            f"9{index}",
            "C",
            2024,
            DisputeStatus.OPEN,
            40 if index else 5,
            "评价期间已补正申报资料，评价结果有误。",
        )
        record = _record(
            category,
            enterprise,
            key=f"{enterprise.pk}-{case.key}",
            year=case.year,
            rating=case.rating,
        )
        dispute(record, case, filed_by=None)
    return created
