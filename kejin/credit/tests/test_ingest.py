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
from kejin.credit.catalogue import credit_catalogue_load_default
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


@pytest.fixture(autouse=True)
def _default_catalogue(db):
    """The default Jiaxing catalogue, as ``manage.py credit_catalogue_load`` installs it."""
    credit_catalogue_load_default()


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


def test_a_file_with_5_percent_bad_rows_accepts_the_rest_and_reports_each_reject(
    django_capture_on_commit_callbacks,
):
    # Given 200 rows of which every 20th (10 rows, 5 %) is bad in a different way.
    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    bad = {
        0: ("uscc", lambda r: r.__setitem__(1, r[1][:17] + ("0" if r[1][17] != "0" else "1"))),
        20: ("period_end", lambda r: r.__setitem__(2, tomorrow)),
        40: ("tax_paid", lambda r: r.__setitem__(3, "-5")),
        60: ("arrears", lambda r: r.__setitem__(4, "12.345")),
        80: ("period_end", lambda r: r.__setitem__(2, "2025-02-30")),
        100: ("tax_paid", lambda r: r.__setitem__(3, "")),
        120: ("source_record_id", lambda r: r.__setitem__(0, "")),
        140: ("uscc", lambda r: r.__setitem__(1, "")),
        160: ("arrears", lambda r: r.__setitem__(4, "一百元")),
        180: ("source_record_id", lambda r: r.__setitem__(0, "TAX-00179")),
    }
    rows = []
    for i in range(200):
        row = tax_row(i)
        if i in bad:
            bad[i][1](row)
        rows.append(row)

    batch = ingest(django_capture_on_commit_callbacks, provider(), csv_upload(TAX_HEADER, rows))

    assert batch.status == BatchStatus.DONE
    assert (batch.total_rows, batch.error_count, batch.created_count) == (200, 10, 190)
    assert CreditRecord.objects.count() == 190
    checked_char = rows[0][1]
    assert [(e["row"], e["column"], e["value"], e["reason"]) for e in batch.errors] == [
        (2, "uscc", checked_char, "统一社会信用代码第18位校验码错误，请核对营业执照。"),
        (22, "period_end", tomorrow, f"“所属期末”（{tomorrow}）晚于今天，日期不能在未来。"),
        (42, "tax_paid", "-5", "“已缴税额”不能为负数，当前为-5元。"),
        (
            62,
            "arrears",
            "12.345",
            "“欠税金额”应为以元为单位的金额（最多两位小数），当前为“12.345”。",
        ),
        (
            82,
            "period_end",
            "2025-02-30",
            "“所属期末”应为日期（如 2024-06-30），当前为“2025-02-30”。",
        ),
        (102, "tax_paid", "", "请填写“已缴税额”（必填）。"),
        (122, "source_record_id", "", "请填写来源记录编号（数据源系统中该条记录的唯一编号）。"),
        (142, "uscc", "", "请填写统一社会信用代码。"),
        (
            162,
            "arrears",
            "一百元",
            "“欠税金额”应为以元为单位的金额（最多两位小数），当前为“一百元”。",
        ),
        (
            182,
            "source_record_id",
            "TAX-00179",
            "来源记录编号“TAX-00179”在本批次中重复（第181行已有），同一记录每批只能报送一次。",
        ),
    ]
    assert batch.quality["rules"] == {
        "duplicate": 1,
        "format": 3,
        "future_date": 1,
        "negative": 1,
        "required": 3,
        "uscc": 1,
    }
    assert batch.quality["rejected"] == 10
    assert batch.quality["accepted_rate"] == 0.95


def test_re_ingesting_the_same_file_changes_nothing(django_capture_on_commit_callbacks):
    user = provider()
    rows = [tax_row(i) for i in range(30)]
    first = ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, rows))
    stored = list(CreditRecord.objects.order_by("pk").values_list("pk", "version", "content_hash"))

    again = ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, rows))

    assert (first.created_count, first.updated_count, first.unchanged_count) == (30, 0, 0)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 30)
    assert (
        list(CreditRecord.objects.order_by("pk").values_list("pk", "version", "content_hash"))
        == stored
    )
    assert again.file_sha256 == first.file_sha256


def test_an_xlsx_with_chinese_headers_and_excel_values_reads_like_the_csv(
    django_capture_on_commit_callbacks,
):
    user = provider()
    csv_batch = ingest(
        django_capture_on_commit_callbacks,
        user,
        csv_upload(TAX_HEADER, [tax_row(1, arrears="10.5")]),
    )
    header = ["来源记录编号", "统一社会信用代码", "所属期末*", "已缴税额", "欠税金额"]
    row = ["TAX-00001", code(1), datetime.datetime(2025, 12, 31), 12000.5, 10.5]

    xlsx_batch = ingest(django_capture_on_commit_callbacks, user, xlsx_upload(header, [row]))

    assert csv_batch.created_count == 1
    assert (xlsx_batch.error_count, xlsx_batch.unchanged_count) == (0, 1), xlsx_batch.errors


def test_a_correction_supersedes_the_current_version_and_keeps_the_history(
    django_capture_on_commit_callbacks,
):
    user = provider()
    first = ingest(
        django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, [tax_row(1), tax_row(2)])
    )

    batch = ingest(
        django_capture_on_commit_callbacks,
        user,
        csv_upload(TAX_HEADER, [tax_row(1, arrears="800.00"), tax_row(2)]),
    )

    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 1, 1)
    history = [
        (record.version, record.status, record.data["arrears"], record.batch_id)
        for record in CreditRecord.objects.filter(source_record_id="TAX-00001").order_by("version")
    ]
    assert history == [
        (1, RecordStatus.SUPERSEDED, "0.00", first.pk),
        (2, RecordStatus.CURRENT, "800.00", batch.pk),
    ]
    assert CreditRecord.objects.current().count() == 2
    event = AuditEvent.objects.filter(
        object_type="credit.creditbatch", object_id=str(batch.pk)
    ).get()
    assert event.after == {
        "category": "tax_payment",
        "channel": "upload",
        "original_name": batch.original_name,
        "file_sha256": batch.file_sha256,
        "received": 2,
        "created": 0,
        "updated": 1,
        "unchanged": 1,
        "rejected": 0,
        "unmatched": 2,
    }
    # One event per batch, none per record (the versions are the history).
    assert not AuditEvent.objects.filter(object_type="credit.creditrecord").exists()


def test_unmatched_records_are_matched_when_the_enterprise_is_registered(
    django_capture_on_commit_callbacks,
):
    user = provider()
    batch = ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, [tax_row(5)]))
    assert batch.unmatched_count == 1
    record = CreditRecord.objects.get()
    assert record.enterprise_id is None

    enterprise = EnterpriseFactory(uscc=code(5))
    other = EnterpriseFactory()
    assert credit_records_match(enterprise_ids=[other.pk]) == 0
    assert credit_records_match(enterprise_ids=[enterprise.pk]) == 1

    record.refresh_from_db()
    assert record.enterprise == enterprise
    assert credit_records_match() == 0


def test_the_next_batch_matches_records_left_unmatched_before(django_capture_on_commit_callbacks):
    user = provider()
    ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, [tax_row(6)]))
    enterprise = EnterpriseFactory(uscc=code(6))

    ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, [tax_row(7)]))

    assert CreditRecord.objects.get(source_record_id="TAX-00006").enterprise == enterprise


def test_an_exception_mid_batch_leaves_nothing_partial(
    django_capture_on_commit_callbacks, monkeypatch
):
    user = provider()
    ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, [tax_row(0)]))
    before = list(CreditRecord.objects.values_list("pk", "version", "status", "content_hash"))
    monkeypatch.setattr(services, "CHUNK_SIZE", 10)
    monkeypatch.setattr(services.CreditIngestSpec, "chunk_size", 10)
    calls = []
    original = services.credit_chunk_write

    def failing_on_third_chunk(**kwargs):
        calls.append(CreditRecord.objects.count())
        if len(calls) == 3:
            raise RuntimeError("磁盘已满（测试注入）")
        return original(**kwargs)

    monkeypatch.setattr(services, "credit_chunk_write", failing_on_third_chunk)
    rows = [tax_row(0, arrears="1.00")] + [tax_row(i) for i in range(1, 40)]

    batch = ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, rows))

    assert calls == [1, 11, 21]  # two chunks were written inside the transaction …
    assert batch.status == BatchStatus.FAILED
    assert "磁盘已满（测试注入）" in batch.failure
    assert (batch.created_count, batch.updated_count) == (0, 0)
    # … and rolled back: the database is exactly as before.
    assert (
        list(CreditRecord.objects.values_list("pk", "version", "status", "content_hash")) == before
    )


def test_only_the_categorys_department_may_deliver_and_nothing_is_stored_otherwise(
    django_capture_on_commit_callbacks,
):
    market = provider("jx-market-supervision")
    officer = UserFactory()
    for user in (market, officer):
        with pytest.raises(ApplicationError) as refused:
            ingest(django_capture_on_commit_callbacks, user, csv_upload(TAX_HEADER, [tax_row(1)]))
        assert refused.value.code == "permission_denied"
        assert refused.value.message == "只有该类数据的来源部门可以报送数据。"
    assert not CreditBatch.objects.exists()
    assert not CreditRecord.objects.exists()


def test_a_header_that_does_not_fit_the_category_is_refused_before_anything_is_stored(
    django_capture_on_commit_callbacks,
):
    upload = csv_upload(
        ["source_record_id", "uscc", "tax_paid", "颜色"], [["X", code(1), "1", "红"]]
    )
    with pytest.raises(ApplicationError) as refused:
        ingest(django_capture_on_commit_callbacks, provider(), upload)
    assert refused.value.fields == {
        "file": [
            "表头有误：缺少必填列 “所属期末”、“欠税金额”；无法识别的列 “颜色（D列）”。"
            "列名应为本类别的字段代码或字段名称（可在报送页面下载模板），"
            "另加“统一社会信用代码”和“来源记录编号”两列。"
        ]
    }
    assert not CreditBatch.objects.exists()


def test_json_batches_check_choices_and_cross_field_rules(django_capture_on_commit_callbacks):
    user = provider("jx-pbc")
    base = {
        "uscc": code(1),
        "loan_no": "L-1",
        "institution": "嘉兴银行科技支行",
        "report_date": "2025-06-30",
        "principal": "1000000",
        "balance": "400000",
        "overdue_days": 0,
        "status": "normal",
    }
    records = [
        {**base, "source_record_id": "L-1"},
        {**base, "source_record_id": "L-2", "balance": "2000000"},
        {**base, "source_record_id": "L-3", "overdue_amount": "500000"},
        {**base, "source_record_id": "L-4", "status": "overdue"},
        {**base, "source_record_id": "L-5", "overdue_days": 30},
        {**base, "source_record_id": "L-6", "status": "bad"},
        {
            **base,
            "source_record_id": "L-7",
            "status": "default",
            "overdue_days": 95,
            "overdue_amount": "400000",
        },
    ]
    with django_capture_on_commit_callbacks(execute=True):
        batch = credit_batch_submit(actor=user, category=category("loan_repayment"), rows=records)
    batch.refresh_from_db()

    assert (batch.created_count, batch.error_count) == (2, 5)
    assert batch.channel == "api"
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (2, "balance", "“贷款余额”（2000000.00元）不能大于“贷款本金”（1000000.00元）。"),
        (3, "overdue_amount", "“逾期金额”（500000.00元）不能大于“贷款余额”（400000.00元）。"),
        (4, "overdue_days", "“还款状态”为 overdue 时，“逾期天数”应大于0。"),
        (
            5,
            "overdue_days",
            "“逾期天数”大于0（30天）时，“还款状态”应为 overdue 或 default，当前为 normal。",
        ),
        (6, "status", "“还款状态”的值“bad”不在代码表中，可填：normal、overdue、default、settled。"),
    ]
    assert batch.quality["rules"] == {"cross_field": 4, "not_in_list": 1}


def test_removed_date_before_listed_date_is_refused(django_capture_on_commit_callbacks):
    user = provider("jx-market-supervision")
    records = [
        {"source_record_id": "A-1", "uscc": code(1), "listed_date": "2024-05-01", "reason": "通过登记的住所无法联系", "removed_date": "2024-04-01"},
        {"source_record_id": "A-2", "uscc": code(2), "listed_date": "2024-05-01", "reason": "未按期公示年度报告", "removed_date": "2024-09-01"},
    ]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        batch = credit_batch_submit(
            actor=user, category=category("abnormal_operations"), rows=records
        )
    batch.refresh_from_db()
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (1, "removed_date", "“移出日期”（2024-04-01）不能早于“列入日期”（2024-05-01）。")
    ]
    assert batch.created_count == 1


def test_type_messages_for_integer_choice_and_invisible_text(django_capture_on_commit_callbacks):
    user = provider()
    records = [
        {"source_record_id": "R-1", "uscc": code(1), "rating_year": "二〇二四", "rating": "A", "evaluation_date": "2025-04-01"},
        {"source_record_id": "R-2", "uscc": code(2), "rating_year": -1, "rating": "E", "evaluation_date": "2025-04-01"},
        {"source_record_id": "R-\u200b3", "uscc": code(3), "rating_year": 2024, "rating": "A", "evaluation_date": "20250401"},
    ]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        batch = credit_batch_submit(actor=user, category=category("tax_rating"), rows=records)
    batch.refresh_from_db()
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (1, "rating_year", "“评价年度”应为整数，当前为“二〇二四”。"),
        (2, "rating_year", "“评价年度”不能为负数，当前为-1。"),
        (2, "rating", "“纳税信用等级”的值“E”不在代码表中，可填：A、B、M、C、D。"),
        (
            3,
            "source_record_id",
            "第3个字符是不可见的控制字符（U+200B ZERO WIDTH SPACE），请删除后重新填写"
            "（从其他软件复制的文字常带有这类字符）。",
        ),
    ]


def test_registering_the_enterprise_matches_its_waiting_records(django_capture_on_commit_callbacks):
    from kejin.core.models import Region
    from kejin.core.tests.factories import IndustryFactory
    from kejin.enterprises.services import enterprise_create

    ingest(django_capture_on_commit_callbacks, provider(), csv_upload(TAX_HEADER, [tax_row(8)]))
    officer = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        enterprise = enterprise_create(
            actor=officer,
            data={
                "uscc": code(8),
                "name": "嘉兴后登记科技有限公司",
                "county": Region.objects.get(code="330402"),
                "industry": IndustryFactory(),
                "founded_on": datetime.date(2020, 1, 1),
                "size": "small",
                "registered_capital": 1_000_000,
            },
        )

    assert CreditRecord.objects.get(source_record_id="TAX-00008").enterprise == enterprise
