"""Test data for credit indicators and scoring: categories of the spec and records."""

from __future__ import annotations

import datetime
import itertools

from kejin.core.models import Department
from kejin.credit.models import CreditRecord, RecordCategory

_DEPARTMENTS = {
    "tax_rating": "jx-tax",
    "tax_payment": "jx-tax",
    "social_insurance": "jx-hrss",
    "penalty_market": "jx-market-supervision",
    "penalty_environment": "jx-ecology-environment",
    "penalty_safety": "jx-emergency-management",
    "penalty_quality": "jx-market-supervision",
    "abnormal_operations": "jx-market-supervision",
    "serious_dishonesty": "jx-market-supervision",
    "dishonest_debtor": "jx-intermediate-court",
    "electricity_arrears": "jx-state-grid",
    "water_arrears": "jx-state-grid",
    "gas_arrears": "jx-state-grid",
    "loan_repayment": "jx-pbc",
    "patent": "jx-market-supervision",
    "honour": "jx-science-technology",
}
_ids = itertools.count(1)


def category(code: str) -> RecordCategory:
    """The category ``code`` (created with its spec department if the catalogue lacks it)."""
    department = Department.objects.get(code=_DEPARTMENTS[code])
    found, _ = RecordCategory.objects.get_or_create(
        code=code, defaults={"name": code, "department": department}
    )
    return found


def record(enterprise, code: str, event_date: datetime.date, **data) -> CreditRecord:
    """A current record of category ``code`` about ``enterprise`` dated ``event_date``."""
    return CreditRecord.objects.create(
        category=category(code),
        source_record_id=f"{code}-{next(_ids)}",
        uscc=enterprise.uscc,
        enterprise=enterprise,
        event_date=event_date,
        data={k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()},
        content_hash=f"h{next(_ids)}",
    )
