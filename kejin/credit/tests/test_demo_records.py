"""Demo credit records: every category, realistic rates, through the ingestion, idempotent."""

from __future__ import annotations

import datetime
import random

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.models import Department
from kejin.credit.catalogue import credit_catalogue_load_default
from kejin.credit.demo_records import credit_records_demo
from kejin.credit.models import CreditBatch, CreditRecord, RecordCategory
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.ingest.choices import BatchStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_records_cover_every_category_with_clean_batches_and_are_idempotent(
    django_capture_on_commit_callbacks,
):
    credit_catalogue_load_default()
    departments = set(RecordCategory.objects.values_list("department__code", flat=True))
    for code in sorted(departments):
        UserFactory(data_provider=True, department=Department.objects.get(code=code))
    enterprises = [EnterpriseFactory() for _ in range(60)]

    with django_capture_on_commit_callbacks(execute=True):
        first = credit_records_demo(enterprises=enterprises, rng=random.Random(7), today=TODAY)
    stored = CreditRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = credit_records_demo(enterprises=enterprises, rng=random.Random(7), today=TODAY)

    assert first.batches == 19  # one per category (60 enterprises)
    assert (again.batches, again.skipped) == (0, 19)
    assert CreditRecord.objects.count() == stored == first.records
    batches = CreditBatch.objects.all()
    assert {b.status for b in batches} == {BatchStatus.DONE}
    assert sum(b.error_count for b in batches) == 0, [b.errors[:2] for b in batches if b.errors]
    unmatched = CreditRecord.objects.filter(enterprise=None).count()
    assert sum(b.unmatched_count for b in batches) == unmatched >= 19  # 1–2 per category
    per_enterprise = {
        code: CreditRecord.objects.filter(category__code=code).exclude(enterprise=None)
        .values("enterprise").distinct().count()
        for code in ("tax_rating", "loan_repayment", "penalty_market", "serious_dishonesty")
    }  # fmt: skip
    assert per_enterprise["tax_rating"] == 60
    assert 15 <= per_enterprise["loan_repayment"] <= 45
    assert per_enterprise["serious_dishonesty"] <= 5
