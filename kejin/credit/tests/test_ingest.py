"""Credit ingestion: files and JSON batches of one category, validated row by row against the
catalogue, upserted with versions, matched to enterprises by USCC; real csv/xlsx files run
through the service and the (eager) Celery task.

The 5 % bad-rows file is the acceptance case: the good rows in, every bad row reported with
row, column and reason; re-ingesting changes nothing; a correction supersedes with history; an
exception mid-batch leaves nothing partial.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent, Department
from kejin.core.uscc import uscc_build
from kejin.credit.choices import RecordStatus
from kejin.credit.ingest import services
from kejin.credit.ingest.services import (
    credit_batch_create,
    credit_batch_submit,
    credit_records_match,
)
from kejin.credit.models import CreditBatch, CreditRecord, RecordCategory
from kejin.enterprises.tests.factories import EnterpriseFactory, org_body
from kejin.ingest.choices import BatchStatus

pytestmark = pytest.mark.django_db

TAX_HEADER = ["source_record_id", "uscc", "period_end", "tax_paid", "arrears"]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def code(n: int) -> str:
    """A valid USCC, distinct per ``n`` (away from the factories' sequence numbers)."""
    return uscc_build(region_code="330402", org_body=org_body(7_000_000 + n))


def provider(department: str = "jx-tax"):
    return UserFactory(data_provider=True, department=Department.objects.get(code=department))


def category(code_: str = "tax_payment") -> RecordCategory:
    return RecordCategory.objects.get(code=code_)


def csv_upload(header, rows, name="tax.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"))


def xlsx_upload(header, rows, name="tax.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def ingest(capture, user, upload, code_="tax_payment") -> CreditBatch:
    with capture(execute=True):
        batch = credit_batch_create(actor=user, category=category(code_), uploaded_file=upload)
    batch.refresh_from_db()
    return batch


def tax_row(i: int, *, arrears: str = "0.00", uscc: str | None = None) -> list:
    return [f"TAX-{i:05d}", uscc or code(i), "2025-12-31", "12000.50", arrears]


def test_a_clean_file_creates_one_current_version_per_record_matched_by_uscc(
    django_capture_on_commit_callbacks,
):
    # Given two registered enterprises and a file naming them and one unknown valid USCC.
    first = EnterpriseFactory(uscc=code(1))
    second = EnterpriseFactory(uscc=code(2))
    upload = csv_upload(TAX_HEADER, [tax_row(1), tax_row(2, arrears="350.00"), tax_row(3)])
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)

    batch = ingest(django_capture_on_commit_callbacks, provider(), upload)

    assert batch.status == BatchStatus.DONE, batch.failure
    assert (batch.total_rows, batch.created_count, batch.updated_count) == (3, 3, 0)
    assert (batch.unchanged_count, batch.error_count, batch.unmatched_count) == (0, 0, 1)
    assert batch.file_sha256 == digest
    records = {r.source_record_id: r for r in CreditRecord.objects.all()}
    assert records["TAX-00001"].enterprise == first
    assert records["TAX-00002"].enterprise == second
    assert records["TAX-00003"].enterprise is None
    assert records["TAX-00002"].data == {
        "arrears": "350.00",
        "period_end": "2025-12-31",
        "tax_paid": "12000.50",
    }
    assert records["TAX-00002"].event_date == datetime.date(2025, 12, 31)
    assert records["TAX-00002"].version == 1
    assert records["TAX-00002"].status == RecordStatus.CURRENT
    assert records["TAX-00002"].batch == batch
    assert batch.quality["accepted"] == 3
    assert batch.quality["unmatched"] == 1
