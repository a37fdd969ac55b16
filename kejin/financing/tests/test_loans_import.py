"""The loan file import (repayments and status updates): a good file, bad rows with exact
messages, re-import changes nothing, a fault mid-write leaves nothing; and the loan facts."""

import csv
import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing import services_loans
from kejin.financing.choices import LoanStatus
from kejin.financing.fact_source import LOAN_SOURCE
from kejin.financing.models import Loan, LoanImportBatch, LoanRepayment, LoanStatusEvent
from kejin.financing.services_loans import loan_import_batch_create
from kejin.financing.tests.factories import LoanFactory
from kejin.ingest.choices import BatchStatus
from kejin.institutions.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

HEADERS = ["合同编号", "日期", "归还本金(元)", "支付利息(元)", "贷款状态", "说明"]
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    bank = InstitutionFactory()
    other_bank = InstitutionFactory()
    return {
        "bank": bank,
        "officer": UserFactory(institution_officer=True, institution=bank),
        "a": LoanFactory(institution=bank, contract_number="A-1", amount=Decimal("500000.00")),
        "b": LoanFactory(institution=bank, contract_number="B-2", amount=Decimal("200000.00")),
        "other": LoanFactory(institution=other_bank, contract_number="C-3"),
    }


def csv_upload(tmp_path, rows, name="还款.csv", headers=HEADERS) -> SimpleUploadedFile:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return SimpleUploadedFile(name, path.read_bytes())


def xlsx_upload(tmp_path, rows, name="还款.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return SimpleUploadedFile(name, path.read_bytes())


def run(django_capture_on_commit_callbacks, actor, upload) -> LoanImportBatch:
    with django_capture_on_commit_callbacks(execute=True):
        batch = loan_import_batch_create(actor=actor, uploaded_file=upload)
    batch.refresh_from_db()
    return batch


def db_state() -> tuple:
    return (
        sorted(Loan.objects.values_list("pk", "status", "status_since", "outstanding")),
        sorted(LoanRepayment.objects.values_list("loan_id", "paid_on", "principal", "interest")),
        LoanStatusEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_good_xlsx_records_repayments_and_statuses_in_file_order(
    world, tmp_path, django_capture_on_commit_callbacks
):
    rows = [
        ["A-1", datetime.datetime(2026, 4, 2), 100000, 1604.17, None, None],
        ["A-1", "2026/05/06", None, None, "逾期", "5月未按期付息"],
        ["B-2", "2026-04-02", "200000", "700", None, None],
        ["A-1", "2026-05-20", None, None, "正常", None],
    ]
    batch = run(django_capture_on_commit_callbacks, world["officer"], xlsx_upload(tmp_path, rows))

    assert (batch.status, batch.failure, batch.errors) == (BatchStatus.DONE, "", [])
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (2, 2, 0)
    a, b = world["a"], world["b"]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.status_since, a.outstanding) == (
        LoanStatus.PERFORMING,
        datetime.date(2026, 5, 20),
        Decimal("400000.00"),
    )
    assert (b.status, b.status_since, b.outstanding) == (
        LoanStatus.REPAID,
        datetime.date(2026, 4, 2),
        Decimal("0.00"),
    )
    assert list(
        LoanStatusEvent.objects.order_by("id").values_list(
            "loan_id", "to_status", "channel", "note"
        )
    ) == [
        (a.pk, "overdue", "import", "5月未按期付息"),
        (b.pk, "repaid", "import", "本金已全部归还"),
        (a.pk, "performing", "import", ""),
    ]
    assert LoanRepayment.objects.filter(recorded_by=world["officer"]).count() == 2
    # One audit event per repayment, per changed loan, and one for the batch.
    assert AuditEvent.objects.filter(object_type="financing.loanrepayment").count() == 2
    assert AuditEvent.objects.filter(object_type="financing.loan").count() == 2
    assert AuditEvent.objects.filter(object_type="financing.loanimportbatch").count() == 1

    # Importing the same file again changes nothing.
    before = db_state()
    again = run(django_capture_on_commit_callbacks, world["officer"], xlsx_upload(tmp_path, rows))
    assert (again.status, again.created_count, again.updated_count, again.unchanged_count) == (
        BatchStatus.DONE,
        0,
        0,
        4,
    )
    assert db_state() == before


def test_bad_rows_are_rejected_with_exact_messages_and_good_rows_go_in(
    world, tmp_path, django_capture_on_commit_callbacks
):
    rows = [
        ["", "2026-04-02", "100", "", "", ""],  # 2
        ["A-1", "2026-13-01", "abc", "-5", "", ""],  # 3
        ["C-3", "2026-04-02", "100", "", "", ""],  # 4: another bank's loan
        ["A-1", "2026-02-01", "600000", "", "", ""],  # 5: before disbursement, too much
        ["A-1", "2026-04-02", "", "", "核销", ""],  # 6
        ["A-1", "2026-04-02", "", "", "", "只有说明"],  # 7
        ["B-2", "2026-04-02", "", "", "已结清", ""],  # 8: principal outstanding
        ["A-1", "2026-04-02", "1000", "50", "违约", ""],  # 9: good
        ["A-1", "2026-04-03", "", "", "正常", ""],  # 10: default → performing not allowed
        ["A-1", (TODAY + datetime.timedelta(days=1)).isoformat(), "1", "", "", ""],  # 11
    ]
    batch = run(django_capture_on_commit_callbacks, world["officer"], csv_upload(tmp_path, rows))

    assert batch.status == BatchStatus.DONE
    assert batch.errors == [
        {"row": 2, "column": "合同编号", "value": "", "reason": "合同编号不能为空。"},
        {
            "row": 3,
            "column": "日期",
            "value": "2026-13-01",
            "reason": "日期格式应为 YYYY-MM-DD，如 2026-03-02。",
        },
        {
            "row": 3,
            "column": "归还本金(元)",
            "value": "abc",
            "reason": "金额应为不小于0、最多两位小数的数字（单位：元），如 125000.50。",
        },
        {
            "row": 3,
            "column": "支付利息(元)",
            "value": "-5",
            "reason": "金额应为不小于0、最多两位小数的数字（单位：元），如 125000.50。",
        },
        {
            "row": 4,
            "column": "合同编号",
            "value": "C-3",
            "reason": "本机构没有合同编号为“C-3”的贷款，请核对合同编号。",
        },
        {
            "row": 5,
            "column": "日期",
            "value": "2026-02-01",
            "reason": "日期早于该贷款的放款日期（2026-03-02）。",
        },
        {
            "row": 5,
            "column": "归还本金(元)",
            "value": "600000.00",
            "reason": "归还本金超过贷款余额（500,000.00 元）。",
        },
        {
            "row": 6,
            "column": "贷款状态",
            "value": "核销",
            "reason": "贷款状态应为 正常、逾期、违约 或 已结清。",
        },
        {
            "row": 7,
            "column": "归还本金(元)",
            "value": "",
            "reason": "请填写归还本金、支付利息或贷款状态中的至少一项。",
        },
        {
            "row": 8,
            "column": "贷款状态",
            "value": "repaid",
            "reason": "贷款余额尚有200,000.00 元，不能改为“已结清”。",
        },
        {
            "row": 10,
            "column": "贷款状态",
            "value": "performing",
            "reason": "贷款当前为“违约”状态，不能改为“正常”。",
        },
        {
            "row": 11,
            "column": "日期",
            "value": (TODAY + datetime.timedelta(days=1)).isoformat(),
            "reason": f"日期不能晚于今天（{TODAY.isoformat()}）。",
        },
    ]
    assert batch.error_count == 9
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (1, 0, 0)
    world["a"].refresh_from_db()
    assert (world["a"].status, world["a"].outstanding) == (LoanStatus.DEFAULT, Decimal("499000.00"))
    world["other"].refresh_from_db()
    assert world["other"].outstanding == world["other"].amount


def test_a_fault_in_the_second_chunk_leaves_nothing_written(
    world, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services_loans.LoanImportSpec, "chunk_size", 2)
    rows = [
        ["A-1", "2026-04-02", "1000", "", "", ""],
        ["B-2", "2026-04-02", "", "", "逾期", ""],
        ["A-1", "2026-05-02", "1000", "", "", ""],
    ]
    before = db_state()
    calls = []
    original = services_loans.loan_import_chunk_write

    def failing_on_second_chunk(**kwargs):
        calls.append(LoanRepayment.objects.count())
        if len(calls) == 2:
            raise RuntimeError("磁盘已满（测试注入）")
        return original(**kwargs)

    monkeypatch.setattr(services_loans, "loan_import_chunk_write", failing_on_second_chunk)

    batch = run(django_capture_on_commit_callbacks, world["officer"], csv_upload(tmp_path, rows))

    assert calls == [0, 1]  # the first chunk had been written inside the transaction...
    assert db_state()[:3] == before[:3]  # ...and is gone
    assert not AuditEvent.objects.exclude(object_type="financing.loanimportbatch").exists()
    assert batch.status == BatchStatus.FAILED
    assert batch.failure == (
        "导入过程中发生错误，本批次没有写入任何数据（数据库保持导入前的状态），"
        "请稍后重试；如仍失败请联系平台管理员。错误信息：RuntimeError: 磁盘已满（测试注入）"
    )
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 0, 0)


def test_a_wrong_header_or_a_non_lender_is_refused_before_anything_is_stored(
    world, tmp_path, django_capture_on_commit_callbacks
):
    with pytest.raises(ApplicationError) as header:
        loan_import_batch_create(
            actor=world["officer"],
            uploaded_file=csv_upload(tmp_path, [["A-1"]], headers=["合同编号", "金额"]),
        )
    assert header.value.fields == {
        "file": [
            "缺少必填列：日期。无法识别的列：金额。请使用导入模板，表头为：合同编号、日期、"
            "归还本金(元)、支付利息(元)、贷款状态、说明。"
        ]
    }
    enterprise_user = UserFactory(enterprise_admin=True, enterprise=world["a"].enterprise)
    with pytest.raises(ApplicationError) as forbidden:
        loan_import_batch_create(actor=enterprise_user, uploaded_file=csv_upload(tmp_path, []))
    assert (forbidden.value.status, forbidden.value.message) == (
        403,
        "只有贷款机构可以更新贷款和还款信息。",
    )
    assert not LoanImportBatch.objects.exists()


def test_loan_facts_count_loans_outstanding_overdue_and_default():
    borrower, clean = EnterpriseFactory(), EnterpriseFactory()
    LoanFactory(enterprise=borrower, outstanding=Decimal("300000.00"))
    LoanFactory(enterprise=borrower, status=LoanStatus.OVERDUE, outstanding=Decimal("200000.00"))
    LoanFactory(enterprise=borrower, status=LoanStatus.DEFAULT, outstanding=Decimal("100000.00"))
    LoanFactory(enterprise=borrower, status=LoanStatus.REPAID, outstanding=Decimal("0.00"))
    low, high = sorted((borrower.pk, clean.pk))

    frame = LOAN_SOURCE.fetch(first_id=low, last_id=high, as_of=TODAY, year=2025)

    rows = {row["enterprise_id"]: row for row in frame.to_dicts()}
    assert rows[borrower.pk] == {
        "enterprise_id": borrower.pk,
        "financing.loans_count": 4,
        "financing.loans_outstanding": 600000.0,
        "financing.loans_overdue": 1,
        "financing.loans_default": 1,
    }
    assert rows[clean.pk] == {
        "enterprise_id": clean.pk,
        "financing.loans_count": 0,
        "financing.loans_outstanding": 0.0,
        "financing.loans_overdue": 0,
        "financing.loans_default": 0,
    }
