"""Import of enterprises and annual facts from xlsx/csv: real files written with openpyxl and
csv, run through the service, the Celery task (eager), the pages and the API.

The 10,000-row file with 5 % bad rows is the acceptance case: good rows in, every bad row
reported with its row number, column and reason, a re-import adds and changes nothing, and an
exception mid-batch leaves the database as it was.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import time
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path
from rest_framework.test import APIClient

import config.api_urls
import config.urls
from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.core.uscc import uscc_build
from kejin.enterprises.choices import ImportKind, ImportStatus
from kejin.enterprises.imports import services
from kejin.enterprises.imports.columns import (
    ANNUAL_FACTS_COLUMNS,
    ENTERPRISE_COLUMNS,
    normalise_header,
)
from kejin.enterprises.imports.selectors import import_batch_list
from kejin.enterprises.imports.services import import_batch_create, import_batch_run
from kejin.enterprises.imports.validation import (
    CellError,
    parse_count,
    parse_date,
    parse_flag,
    parse_money,
    parse_year,
)
from kejin.enterprises.models import AnnualFacts, Enterprise, ImportBatch
from kejin.enterprises.tests.factories import EnterpriseFactory, org_body
from kejin.ingest import runs

NOT_A_NUMBER = (
    "不是有效的数字：请只用半角数字0-9和小数点填写，不要包含单位、空格、逗号、下划线或全角数字。"
)


def _urlpatterns():
    """The project's URLs plus the import's, for as long as config/ does not include them."""
    patterns = list(config.urls.urlpatterns)
    if not any(getattr(p, "namespace", None) == "imports" for p in patterns):
        patterns.insert(0, path("enterprises/imports/", include("kejin.enterprises.imports.urls")))
    if not any(
        getattr(p, "urlconf_name", None) == "kejin.enterprises.imports.api_urls"
        for p in config.api_urls.urlpatterns
    ):
        patterns.insert(0, path("api/v1/", include("kejin.enterprises.imports.api_urls")))
    return patterns


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

COUNTIES = ["330402", "330411", "330421", "330424", "330481", "330482", "330483"]
ENTERPRISE_HEADERS = [c.header for c in ENTERPRISE_COLUMNS[:3]] + [
    "行业代码",
    "成立日期",
    "企业规模",
    "注册资本(元)",
]
COMBINED_HEADERS = ENTERPRISE_HEADERS + [
    "年度",
    "职工总数(人)",
    "科技人员数(人)",
    "销售收入(元)",
    "研发费用(元)",
]
SIZES = ["微型", "小型", "中型", "大型"]
SIZE_CODES = {"微型": "micro", "小型": "small", "中型": "medium", "大型": "large"}
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

BAD_CHECK_CHAR = "统一社会信用代码第18位校验码错误，请核对营业执照。"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


# --- helpers -------------------------------------------------------------------------------


def code(n: int, county: str = "330402") -> str:
    """A valid USCC, distinct per ``n`` (away from the factories' sequence numbers)."""
    return uscc_build(region_code=county, org_body=org_body(5_000_000 + n))


def wrong_check_char(uscc: str) -> str:
    return uscc[:17] + _ALPHABET[(_ALPHABET.index(uscc[17]) + 1) % len(_ALPHABET)]


def write_xlsx(path, headers, rows) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path, headers, rows, encoding="utf-8-sig") -> None:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)


def upload(file_path) -> SimpleUploadedFile:
    """The file as Django hands an upload to a view."""
    return SimpleUploadedFile(file_path.name, file_path.read_bytes())


def run_import(django_capture_on_commit_callbacks, actor, kind, file_path) -> ImportBatch:
    """Upload as ``actor`` and run the batch the way production does: the Celery task,
    enqueued on commit, eager without a broker."""
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(actor=actor, kind=kind, uploaded_file=upload(file_path))
    batch.refresh_from_db()
    return batch


def db_state() -> dict:
    """Every stored enterprise, fact row and audit event, with a checksum of all values."""
    enterprises = [
        tuple(str(v) for v in row)
        for row in Enterprise.objects.order_by("pk").values_list(
            *[f.attname for f in Enterprise._meta.concrete_fields]
        )
    ]
    facts = [
        tuple(str(v) for v in row)
        for row in AnnualFacts.objects.order_by("pk").values_list(
            *[f.attname for f in AnnualFacts._meta.concrete_fields]
        )
    ]
    digest = hashlib.sha256(repr((enterprises, facts)).encode()).hexdigest()
    return {
        "enterprises": len(enterprises),
        "facts": len(facts),
        "audit_events": AuditEvent.objects.count(),
        "checksum": digest,
    }


def city_officer():
    return UserFactory()


def nanhu():
    return RegionFactory(code="330402", name="南湖区")


def xiuzhou():
    return RegionFactory(code="330411", name="秀洲区")


# --- the 10,000-row file -------------------------------------------------------------------

BIG_ROWS = 10_000
FAULTS = (
    "bad_uscc",
    "unknown_county",
    "negative_revenue",
    "tech_over_employees",
    "bad_date",
    "text_capital",
)


def big_row(i: int) -> tuple[list, dict | None]:
    """Row ``i`` of the big file and, for one row in 20, the single error it must produce."""
    county = COUNTIES[i % len(COUNTIES)]
    uscc = code(i, county)
    founded = datetime.date(2000 + i % 20, 1 + i % 12, 1 + i % 28)
    employees = 20 + i % 300
    row = [
        uscc,
        f"嘉兴导入测试科技有限公司{i}",
        county,
        "39" if i % 2 else "C",
        founded if i % 3 else founded.strftime("%Y/%m/%d"),
        SIZES[i % 4],
        1234567.89 if i % 5 == 0 else 5_000_000 + i,
        2024,
        employees,
        employees // 4,
        12_345_678.9 + i,
        800_000 + i,
    ]
    if i % 20 != 7:
        return row, None
    number = i + 2
    fault = FAULTS[(i // 20) % len(FAULTS)]
    if fault == "bad_uscc":
        row[0] = wrong_check_char(uscc)
        return row, {
            "row": number,
            "column": "统一社会信用代码",
            "value": row[0],
            "reason": BAD_CHECK_CHAR,
        }
    if fault == "unknown_county":
        row[2] = "339999"
        reason = (
            "未知的县(市、区)代码“339999”：请填写6位行政区划代码，如 330402（南湖区），"
            "可选代码见模板“代码表”页。"
        )
        return row, {
            "row": number,
            "column": "所在县(市、区)代码",
            "value": "339999",
            "reason": reason,
        }
    if fault == "negative_revenue":
        row[10] = -5000
        reason = "销售收入不能为负数，请填写0或正数（单位：元）。"
        return row, {"row": number, "column": "销售收入(元)", "value": "-5000", "reason": reason}
    if fault == "tech_over_employees":
        row[8], row[9] = 100, 120
        reason = "科技人员数（120人）不能大于职工总数（100人），请核对后重新填写。"
        return row, {"row": number, "column": "科技人员数(人)", "value": "120", "reason": reason}
    if fault == "bad_date":
        row[4] = "2021-02-30"
        reason = "日期“2021-02-30”不存在，请核对年、月、日。"
        return row, {"row": number, "column": "成立日期", "value": "2021-02-30", "reason": reason}
    row[6] = "五百万"
    reason = "注册资本“五百万”" + NOT_A_NUMBER
    return row, {"row": number, "column": "注册资本(元)", "value": "五百万", "reason": reason}


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """The 10,000-row xlsx (built once) and the errors its bad rows must produce."""
    rows, expected = [], []
    for i in range(BIG_ROWS):
        row, problem = big_row(i)
        rows.append(row)
        if problem:
            expected.append(problem)
    file_path = tmp_path_factory.mktemp("big") / "企业名录-1万行.xlsx"
    started = time.perf_counter()
    write_xlsx(file_path, COMBINED_HEADERS, rows)
    print(f"\nwrote {BIG_ROWS} rows in {time.perf_counter() - started:.1f}s")
    return file_path, expected


def test_10000_row_xlsx_with_5_percent_bad_rows_imports_the_good_and_reports_the_bad(
    big_file, django_capture_on_commit_callbacks
):
    file_path, expected_errors = big_file
    officer = city_officer()
    audit_before = AuditEvent.objects.count()

    started = time.perf_counter()
    batch = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ENTERPRISES, file_path
    )
    first_seconds = time.perf_counter() - started

    assert len(expected_errors) == 500
    assert {e["column"] for e in expected_errors} == {
        "统一社会信用代码",
        "所在县(市、区)代码",
        "销售收入(元)",
        "科技人员数(人)",
        "成立日期",
        "注册资本(元)",
    }
    assert (batch.status, batch.failure) == (ImportStatus.DONE, "")
    assert (batch.total_rows, batch.processed_rows, batch.progress_percent) == (10_000, 10_000, 100)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (9_500, 0, 0)
    assert batch.error_count == 500
    assert batch.errors == expected_errors
    assert Enterprise.objects.count() == 9_500
    assert AnnualFacts.objects.count() == 9_500
    bad_codes = {row[0] for i in range(BIG_ROWS) if i % 20 == 7 for row in [big_row(i)[0]]}
    assert not Enterprise.objects.filter(uscc__in=bad_codes).exists()

    # A row with an Excel date and a float amount, and one with a YYYY/MM/DD date.
    first = Enterprise.objects.select_related("county", "industry").get(uscc=code(0, "330402"))
    assert (first.name, first.county.code, first.industry.code) == (
        "嘉兴导入测试科技有限公司0",
        "330402",
        "C",
    )
    assert (first.founded_on, first.size, first.registered_capital) == (
        datetime.date(2000, 1, 1),
        "micro",
        Decimal("1234567.89"),
    )
    second = Enterprise.objects.get(uscc=code(1, "330411"))
    assert (second.founded_on, second.size, second.registered_capital) == (
        datetime.date(2001, 2, 2),
        "small",
        Decimal("5000001.00"),
    )
    facts = AnnualFacts.objects.get(enterprise=first, year=2024)
    assert (facts.employees, facts.tech_staff, facts.revenue, facts.rd_expense) == (
        20,
        5,
        Decimal("12345678.90"),
        Decimal("800000.00"),
    )
    assert facts.total_assets is None
    source = {"source": "import", "detail": str(batch.pk), "as_of": "2024-12-31"}
    assert facts.provenance == {
        "employees": source,
        "tech_staff": source,
        "revenue": source,
        "rd_expense": source,
    }
    events = AuditEvent.objects.filter(object_type="enterprises.importbatch")
    # One event per created enterprise and facts row, and one for the batch.
    assert AuditEvent.objects.count() == audit_before + 9_500 + 9_500 + 1
    assert events.get().after == {
        "kind": "enterprises",
        "original_name": "企业名录-1万行.xlsx",
        "county": None,
        "total_rows": 10_000,
        "created": 9_500,
        "updated": 0,
        "unchanged": 0,
        "rejected": 500,
    }

    # Re-importing the same file adds and changes nothing.
    before = db_state()
    updated_at = list(Enterprise.objects.order_by("pk").values_list("updated_at", flat=True))
    facts_updated_at = list(AnnualFacts.objects.order_by("pk").values_list("updated_at", flat=True))
    started = time.perf_counter()
    again = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ENTERPRISES, file_path
    )
    second_seconds = time.perf_counter() - started

    assert again.status == ImportStatus.DONE
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 9_500)
    assert (again.error_count, again.errors) == (500, expected_errors)
    assert db_state() == before
    assert (
        list(Enterprise.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at
    )
    assert list(AnnualFacts.objects.order_by("pk").values_list("updated_at", flat=True)) == (
        facts_updated_at
    )
    print(f"\n10,000-row import: {first_seconds:.1f}s; re-import: {second_seconds:.1f}s")


# --- failure mid-batch ---------------------------------------------------------------------


def test_an_exception_in_the_third_chunk_leaves_the_database_as_it_was_and_fails_the_batch(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    # Given stored enterprises (with facts) that the file would update, and 3,000 rows.
    stored = [
        EnterpriseFactory(uscc=code(i), county=nanhu(), name=f"原有企业{i}") for i in range(3)
    ]
    for enterprise in stored:
        AnnualFacts.objects.create(enterprise=enterprise, year=2024, employees=10, tech_staff=2)
    rows = []
    for i in range(3_000):
        rows.append(
            [
                code(i),
                f"新名称企业{i}",
                "330402",
                "39",
                "2019-03-01",
                "小型",
                "800000",
                "2024",
                "50",
                "8",
                "",
                "",
            ]
        )
    file_path = tmp_path / "三千行.csv"
    write_csv(file_path, COMBINED_HEADERS, rows)
    before = db_state()

    calls = []
    original = services.import_chunk_write

    def failing_on_third_chunk(**kwargs):
        calls.append(Enterprise.objects.count())
        if len(calls) == 3:
            raise RuntimeError("磁盘已满（测试注入）")
        return original(**kwargs)

    monkeypatch.setattr(services, "import_chunk_write", failing_on_third_chunk)

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    # The first two chunks had been written inside the transaction...
    assert calls == [3, 1_000, 2_000]
    # ...and are gone: the database is exactly as before.
    assert db_state() == before
    assert [e.name for e in Enterprise.objects.order_by("pk")] == [
        "原有企业0",
        "原有企业1",
        "原有企业2",
    ]
    assert batch.status == ImportStatus.FAILED
    assert batch.failure == (
        "导入过程中发生错误，本批次没有写入任何数据（数据库保持导入前的状态），"
        "请稍后重试；如仍失败请联系平台管理员。错误信息：RuntimeError: 磁盘已满（测试注入）"
    )
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 0, 0)
    assert (batch.total_rows, batch.processed_rows, batch.error_count) == (3_000, 3_000, 0)
    assert batch.finished_at is not None


# --- upserts -------------------------------------------------------------------------------


def test_changed_values_update_only_what_changed_and_blank_cells_keep_stored_values(
    tmp_path, django_capture_on_commit_callbacks
):
    enterprise = EnterpriseFactory(
        uscc=code(1),
        county=nanhu(),
        name="嘉兴原名科技有限公司",
        legal_representative="李四",
        registered_capital=Decimal("5000000.00"),
    )
    facts = AnnualFacts.objects.create(
        enterprise=enterprise,
        year=2024,
        employees=100,
        tech_staff=20,
        revenue=Decimal("9000000.00"),
        provenance={"employees": {"source": "self", "detail": "", "as_of": "2024-12-31"}},
    )
    industry = IndustryFactory(code="39", name="计算机、通信和其他电子设备制造业")
    file_path = tmp_path / "更新.xlsx"
    write_xlsx(
        file_path,
        [
            *ENTERPRISE_HEADERS,
            "法定代表人",
            "年度",
            "职工总数(人)",
            "科技人员数(人)",
            "销售收入(元)",
        ],
        [
            [
                code(1),
                "嘉兴新名科技有限公司",
                "330402",
                "39",
                "2018-05-20",
                "小型",
                5000000,
                None,
                2024,
                100,
                30,
                None,
            ]
        ],
    )

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 1, 0)
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.industry_id, enterprise.legal_representative) == (
        "嘉兴新名科技有限公司",
        industry.pk,
        "李四",
    )
    facts.refresh_from_db()
    assert (facts.employees, facts.tech_staff, facts.revenue) == (100, 30, Decimal("9000000.00"))
    # Only the changed fact takes the batch as its source; the unchanged one keeps its own.
    assert facts.provenance == {
        "employees": {"source": "self", "detail": "", "as_of": "2024-12-31"},
        "tech_staff": {"source": "import", "detail": str(batch.pk), "as_of": "2024-12-31"},
    }


def test_annual_facts_file_checks_parts_against_stored_wholes_and_needs_registered_enterprises(
    tmp_path, django_capture_on_commit_callbacks
):
    enterprise = EnterpriseFactory(uscc=code(2), county=nanhu())
    AnnualFacts.objects.create(enterprise=enterprise, year=2023, employees=40)
    file_path = tmp_path / "年度数据.xlsx"
    write_xlsx(
        file_path,
        [
            "统一社会信用代码",
            "企业名称",
            "年度",
            "科技人员数(人)",
            "研发费用(元)",
            "境内研发费用(元)",
            "属于重点支持领域",
        ],
        [
            [code(2), "随便写", 2023, 50, None, None, "是"],
            [code(2), None, 2024, 10, 1000, "1000.5", "否"],
            [code(3), None, 2024, 1, None, None, None],
            [code(2), None, "1979", 1, None, None, None],
            [code(2), None, 2024, 2, None, None, None],
        ],
    )

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ANNUAL_FACTS, file_path
    )

    assert batch.errors == [
        {
            "row": 2,
            "column": "科技人员数(人)",
            "value": "50",
            "reason": "科技人员数（50人）不能大于职工总数（平台已有数据 40人），请核对后重新填写。",
        },
        {
            "row": 3,
            "column": "境内研发费用(元)",
            "value": "1000.5",
            "reason": "境内研发费用（1000.50元）不能大于研发费用（1000.00元），请核对后重新填写。",
        },
        {
            "row": 4,
            "column": "统一社会信用代码",
            "value": code(3),
            "reason": "平台中没有统一社会信用代码为该值的企业：请先导入企业名录，或核对代码。",
        },
        {
            "row": 5,
            "column": "年度",
            "value": "1979",
            "reason": f"年度应为2000至{datetime.date.today().year}之间的四位数字。",
        },
        {
            "row": 6,
            "column": "统一社会信用代码",
            "value": code(2),
            "reason": "与第3行是同一企业的同一年度：请合并或删除其中一行。",
        },
    ]
    assert (batch.created_count, batch.updated_count, batch.error_count) == (0, 0, 5)
    assert list(AnnualFacts.objects.values_list("year", "employees", "tech_staff")) == [
        (2023, 40, None)
    ]


# --- county scope and permissions ---------------------------------------------------------


def test_county_officer_import_rejects_other_counties_rows_and_writes_only_their_own(
    tmp_path, django_capture_on_commit_callbacks
):
    officer = UserFactory(county_officer=True, county=nanhu())
    elsewhere = EnterpriseFactory(uscc=code(10, "330411"), county=xiuzhou(), name="秀洲原有企业")
    untouched = db_state()["checksum"]
    file_path = tmp_path / "南湖.xlsx"
    write_xlsx(
        file_path,
        ENTERPRISE_HEADERS,
        [
            [code(11), "南湖新企业", "330402", "39", "2020-01-01", "小型", 100],
            [code(12, "330411"), "秀洲新企业", "330411", "39", "2020-01-01", "小型", 100],
            [code(10, "330411"), "想迁入南湖", "330402", "39", "2020-01-01", "小型", 100],
        ],
    )

    batch = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ENTERPRISES, file_path
    )

    assert batch.county_id == officer.county_id
    assert (batch.created_count, batch.updated_count, batch.error_count) == (1, 0, 2)
    assert batch.errors == [
        {
            "row": 3,
            "column": "所在县(市、区)代码",
            "value": "330411",
            "reason": "您只能导入南湖区的企业，本行企业所在县(市、区)为秀洲区，未导入。",
        },
        {
            "row": 4,
            "column": "统一社会信用代码",
            "value": code(10, "330411"),
            "reason": (
                "该统一社会信用代码的企业已登记在其他县(市、区)，您只能导入本县(市、区)的企业；"
                "企业迁入本县(市、区)请联系市级部门办理。"
            ),
        },
    ]
    assert list(Enterprise.objects.order_by("name").values_list("name", "county__code")) == [
        ("南湖新企业", "330402"),
        ("秀洲原有企业", "330411"),
    ]
    elsewhere.refresh_from_db()
    assert elsewhere.name == "秀洲原有企业"
    assert untouched != db_state()["checksum"]  # the Nanhu row was written

    # Facts of another county's enterprise are refused as if it did not exist.
    facts_path = tmp_path / "秀洲年度.csv"
    write_csv(
        facts_path,
        ["统一社会信用代码", "年度", "职工总数(人)"],
        [[code(10, "330411"), "2024", "9"]],
    )
    facts_batch = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ANNUAL_FACTS, facts_path
    )
    assert facts_batch.errors == [
        {
            "row": 2,
            "column": "统一社会信用代码",
            "value": code(10, "330411"),
            "reason": "在您负责的县(市、区)中没有统一社会信用代码为该值的企业：请先导入企业名录，或核对代码。",
        }
    ]
    assert not AnnualFacts.objects.exists()
    # Another county's officer does not see these batches; a city officer does.
    other = UserFactory(county_officer=True, county=xiuzhou())
    assert list(import_batch_list(user=other)) == []
    assert set(import_batch_list(user=city_officer())) == {batch, facts_batch}


@pytest.mark.parametrize(
    "traits", [{"enterprise_admin": True}, {"institution_manager": True}, {"data_provider": True}]
)
def test_enterprise_institution_and_data_provider_users_are_refused_and_nothing_is_stored(
    traits, tmp_path, django_capture_on_commit_callbacks
):
    user = UserFactory(**traits)
    file_path = tmp_path / "企业.csv"
    write_csv(
        file_path,
        ENTERPRISE_HEADERS,
        [[code(20), "某企业", "330402", "39", "2020-01-01", "小型", "1"]],
    )
    before = db_state()

    with (
        pytest.raises(ApplicationError) as raised,
        django_capture_on_commit_callbacks(execute=True),
    ):
        import_batch_create(
            actor=user, kind=ImportKind.ENTERPRISES, uploaded_file=upload(file_path)
        )

    assert (raised.value.code, raised.value.status) == ("permission_denied", 403)
    assert raised.value.message == "只有市、县(市、区)工作人员和平台管理员可以导入企业数据。"
    assert ImportBatch.objects.count() == 0
    assert db_state() == before
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# --- csv encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(
    encoding, tmp_path, django_capture_on_commit_callbacks
):
    file_path = tmp_path / f"企业-{encoding}.csv"
    write_csv(
        file_path,
        [
            " 统一社会信用代码 ",
            "企业名称",
            "所在县（市、区）代码",
            "行业代码",
            "成立日期",
            "企业规模",
            "注册资本 (元)",
        ],
        [
            [
                code(30),
                "嘉兴市南湖区镕铖科技有限公司",
                "330402",
                "39",
                "2020/7/1",
                "中型企业",
                "1,250,000.50",
            ],
            [code(31), "浙江禾城䶮𠀀电子有限公司", "330402", "C", "2020年7月2日", "大型", "0"],
        ],
        encoding=encoding,
    )
    if encoding == "gb18030":
        assert file_path.read_bytes()[:2] != b"\xef\xbb"
        with pytest.raises(UnicodeDecodeError):
            file_path.read_bytes().decode("utf-8")

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert (batch.status, batch.created_count, batch.errors) == (ImportStatus.DONE, 2, [])
    assert list(
        Enterprise.objects.order_by("uscc").values_list(
            "name", "founded_on", "size", "registered_capital"
        )
    ) == [
        (
            "嘉兴市南湖区镕铖科技有限公司",
            datetime.date(2020, 7, 1),
            "medium",
            Decimal("1250000.50"),
        ),
        ("浙江禾城䶮𠀀电子有限公司", datetime.date(2020, 7, 2), "large", Decimal("0.00")),
    ]


# --- header problems -----------------------------------------------------------------------


def test_a_file_with_wrong_headers_is_refused_at_upload_and_nothing_is_stored(tmp_path):
    file_path = tmp_path / "表头错误.xlsx"
    write_xlsx(
        file_path, ["统一社会信用代码", "企业名称", "注册资金", "行业代码", "成立日期", "年度"], []
    )

    with pytest.raises(ApplicationError) as raised:
        import_batch_create(
            actor=city_officer(),
            kind=ImportKind.ENTERPRISES,
            uploaded_file=upload(file_path),
        )

    message = (
        "表头有误：缺少必填列 “所在县(市、区)代码”、“企业规模”、“注册资本(元)”；"
        "无法识别的列 “注册资金（C列）”。请使用导入模板中的列名（可在导入页面下载模板）。"
    )
    assert raised.value.code == "invalid"
    assert raised.value.fields == {"file": [message]}
    assert ImportBatch.objects.count() == 0


def test_an_annual_facts_file_uploaded_as_enterprises_says_which_kind_it_is(tmp_path):
    file_path = tmp_path / "年度.csv"
    write_csv(file_path, ["统一社会信用代码", "企业名称", "年度", "职工总数(人)"], [])

    with pytest.raises(ApplicationError) as raised:
        import_batch_create(
            actor=city_officer(),
            kind=ImportKind.ENTERPRISES,
            uploaded_file=upload(file_path),
        )

    assert raised.value.fields["file"] == [
        "表头有误：缺少必填列 “所在县(市、区)代码”、“行业代码”、“成立日期”、“企业规模”、“注册资本(元)”。"
        "请使用导入模板中的列名（可在导入页面下载模板）。该文件看起来是“企业年度数据”文件，请在上传时选择该导入类型。"
    ]


def test_headers_are_matched_ignoring_spaces_full_width_parentheses_and_star_markers():
    assert normalise_header(" 注册资本 （元）* ") == "注册资本(元)"
    assert normalise_header("I类知识产权(项)") == normalise_header("Ⅰ类知识产权(项)")


# --- cell parsing --------------------------------------------------------------------------


def test_amounts_are_decimal_and_never_go_through_binary_floats():
    assert parse_money(0.1 + 0.2) == Decimal("0.30")
    assert parse_money(1234567.89) == Decimal("1234567.89")
    assert parse_money("1,234.5") == Decimal("1234.50")
    with pytest.raises(CellError, match="金额“１２３”不是有效的数字"):
        parse_money(" １２３ ")
    with pytest.raises(CellError, match="金额“1_000”不是有效的数字"):
        parse_money("1_000")
    with pytest.raises(
        CellError, match="金额最多保留两位小数（精确到分），请改为 1234.57 或核对数值。"
    ):
        parse_money("1234.567")
    with pytest.raises(CellError, match="金额“12万元”不是有效的数字"):
        parse_money("12万元")
    assert parse_money("9999999999999.99") == Decimal("9999999999999.99")
    with pytest.raises(
        CellError, match=r"金额不能超过9999999999999.99元（约10万亿元），请核对单位是否为元。"
    ):
        parse_money("10000000000000")


def test_counts_years_dates_and_flags():
    assert parse_count(12.0) == 12
    with pytest.raises(CellError, match="数量“12.5”不是整数：请只用半角数字0-9填写"):
        parse_count("12.5")
    with pytest.raises(CellError, match="不能为负数，请填写0或正整数。"):
        parse_count(-1)
    assert parse_year("2024年") == 2024
    assert parse_date("2018-05-20") == parse_date("2018/5/20") == datetime.date(2018, 5, 20)
    assert parse_date(20180520) == parse_date("2018年5月20日") == datetime.date(2018, 5, 20)
    assert parse_date(43240) == datetime.date(2018, 5, 20)  # an Excel serial number
    assert parse_date(datetime.datetime(2018, 5, 20)) == datetime.date(2018, 5, 20)
    assert parse_date("2018-05-20 00:00:00") == datetime.date(2018, 5, 20)
    with pytest.raises(CellError, match="日期格式不正确"):
        parse_date(2018)
    assert (parse_flag("是"), parse_flag("否"), parse_flag(True), parse_flag("Y")) == (
        True,
        False,
        True,
        True,
    )
    with pytest.raises(CellError, match="请填写“是”或“否”。"):
        parse_flag("也许")


# --- templates: download, fill, import -----------------------------------------------------


def test_template_round_trip_download_fill_and_import_through_the_pages(
    client, tmp_path, django_capture_on_commit_callbacks
):
    officer = city_officer()
    client.force_login(officer)

    response = client.get("/enterprises/imports/templates/enterprises.xlsx")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["企业名录", "填写说明", "代码表"]
    sheet = workbook["企业名录"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [c.header for c in ENTERPRISE_COLUMNS]
    assert sheet.max_row == 1  # no example among the data
    explained = {row[0] for row in workbook["填写说明"].iter_rows(values_only=True)}
    assert set(headers) <= explained
    codes = {row[0] for row in workbook["代码表"].iter_rows(min_row=2, values_only=True)}
    assert {"330402", "330483"} <= codes

    sheet.append(
        [
            code(40),
            "模板填写科技有限公司",
            "330402",
            None,
            "39",
            datetime.date(2019, 9, 9),
            "小型",
            3000000,
            "王五",
        ]
    )
    sheet.append(
        [
            code(41),
            "模板填写二号有限公司",
            "330411",
            "330400Z03",
            "C",
            "2019-10-10",
            "微型",
            "100.5",
            None,
            None,
            "0573-1",
        ]
    )
    filled = tmp_path / "填好的模板.xlsx"
    workbook.save(filled)

    with django_capture_on_commit_callbacks(execute=True), filled.open("rb") as handle:
        response = client.post("/enterprises/imports/new/", {"kind": "enterprises", "file": handle})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/imports/{batch.pk}/"
    assert (batch.status, batch.created_count, batch.errors) == (ImportStatus.DONE, 2, [])
    assert list(
        Enterprise.objects.order_by("name").values_list(
            "name", "legal_representative", "contact_phone"
        )
    ) == [("模板填写二号有限公司", "", "0573-1"), ("模板填写科技有限公司", "王五", "")]


def test_annual_facts_template_has_one_column_per_fact_with_its_unit(client):
    client.force_login(city_officer())

    response = client.get("/enterprises/imports/templates/annual_facts.xlsx")

    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).active[1]]
    assert headers == [c.header for c in ANNUAL_FACTS_COLUMNS]
    assert headers[:6] == [
        "统一社会信用代码",
        "企业名称",
        "年度",
        "职工总数(人)",
        "科技人员数(人)",
        "销售收入(元)",
    ]


# --- pages ---------------------------------------------------------------------------------


def test_pages_refuse_users_who_may_not_import_and_store_nothing(client, tmp_path):
    client.force_login(UserFactory(enterprise_admin=True))
    file_path = tmp_path / "x.csv"
    write_csv(
        file_path, ENTERPRISE_HEADERS, [[code(3), "甲", "330402", "39", "2020-01-01", "小型", "1"]]
    )
    before = db_state()

    assert client.get("/enterprises/imports/").status_code == 403
    assert client.get("/enterprises/imports/new/").status_code == 403
    assert client.get("/enterprises/imports/templates/enterprises.xlsx").status_code == 403
    with file_path.open("rb") as handle:
        response = client.post("/enterprises/imports/new/", {"kind": "enterprises", "file": handle})
    assert response.status_code == 403
    assert "只有市、县(市、区)工作人员和平台管理员可以导入企业数据。" in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert db_state() == before


def test_batch_page_polls_while_pending_and_shows_errors_and_the_report_when_done(
    client, tmp_path, django_capture_on_commit_callbacks
):
    officer = city_officer()
    client.force_login(officer)
    file_path = tmp_path / "少量.csv"
    rows = [
        [code(50 + i), f"企业{i}", "330402", "39", "2020-01-01", "小型", "x" if i < 205 else "1"]
        for i in range(210)
    ]
    write_csv(file_path, ENTERPRISE_HEADERS, rows)
    # Not run yet: the on-commit callback is captured, not executed.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = import_batch_create(
            actor=officer, kind=ImportKind.ENTERPRISES, uploaded_file=upload(file_path)
        )
    url = f"/enterprises/imports/{batch.pk}/"

    pending = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in pending
    assert "排队中，等待处理……" in pending

    callbacks[0]()
    done = client.get(url)
    html = done.content.decode()
    assert "every 2s" not in html  # the batch no longer polls (the inbox badge has its own trigger)
    assert "导入完成。" in html
    assert html.count('<td class="num">') == 200  # the first 200 errors
    assert "共 205 条错误，此处显示前 200 条" in html
    assert f'href="/enterprises/imports/{batch.pk}/errors.xlsx"' in html

    partial = client.get(url, headers={"HX-Request": "true", "HX-Target": "import-batch-status"})
    assert partial.content.decode().lstrip().startswith('<div id="import-batch-status"')

    report = client.get(f"/enterprises/imports/{batch.pk}/errors.xlsx")
    rows_read = list(
        openpyxl.load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True)
    )
    assert rows_read[0] == ("行号", "列", "值", "原因")
    assert rows_read[1] == (
        2,
        "注册资本(元)",
        "x",
        "注册资本“x”" + NOT_A_NUMBER,
    )
    assert len(rows_read) == 206

    listing = client.get("/enterprises/imports/").content.decode()
    assert f'href="/enterprises/imports/{batch.pk}/"' in listing


def test_another_countys_officer_gets_404_for_a_batch(
    client, tmp_path, django_capture_on_commit_callbacks
):
    officer = UserFactory(county_officer=True, county=nanhu())
    file_path = tmp_path / "a.csv"
    write_csv(
        file_path, ENTERPRISE_HEADERS, [[code(60), "甲", "330402", "39", "2020-01-01", "小型", "1"]]
    )
    batch = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ENTERPRISES, file_path
    )
    client.force_login(UserFactory(county_officer=True, county=xiuzhou()))

    assert client.get(f"/enterprises/imports/{batch.pk}/").status_code == 404
    assert client.get(f"/enterprises/imports/{batch.pk}/errors.xlsx").status_code == 404


# --- API -----------------------------------------------------------------------------------


def test_api_upload_returns_201_with_the_batch_and_get_returns_status_counters_and_errors(
    tmp_path, django_capture_on_commit_callbacks
):
    officer = city_officer()
    api = APIClient()
    api.force_authenticate(officer)
    file_path = tmp_path / "api.csv"
    write_csv(
        file_path,
        ENTERPRISE_HEADERS,
        [
            [code(70), "接口导入企业", "330402", "39", "2020-01-01", "小型", "100"],
            [code(71), "接口导入企业二", "330402", "99", "2020-01-01", "小型", "100"],
        ],
    )

    with django_capture_on_commit_callbacks(execute=True), file_path.open("rb") as handle:
        response = api.post(
            "/api/v1/enterprises/imports/",
            {"kind": "enterprises", "file": handle},
            format="multipart",
        )

    assert response.status_code == 201, response.json()
    body = response.json()
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/api/v1/enterprises/imports/{batch.pk}/"
    unknown_industry = {
        "row": 3,
        "column": "行业代码",
        "value": "99",
        "reason": (
            "未知的行业代码“99”：请填写国民经济行业分类（GB/T 4754-2017）的门类字母或大类代码，"
            "如 C 或 39，可选代码见模板“代码表”页。"
        ),
    }
    # The response is the batch as queued (here the test transaction defers the run until the
    # request is over, as a broker would; without a broker in production it has already run).
    assert {k: body[k] for k in ("id", "kind", "original_name", "status", "errors")} == {
        "id": batch.pk,
        "kind": "enterprises",
        "original_name": "api.csv",
        "status": "pending",
        "errors": [],
    }

    detail = api.get(f"/api/v1/enterprises/imports/{batch.pk}/")

    assert detail.status_code == 200
    counters = ("status", "total_rows", "processed_rows", "progress_percent", "created_count")
    assert {k: detail.json()[k] for k in counters} == {
        "status": "done",
        "total_rows": 2,
        "processed_rows": 2,
        "progress_percent": 100,
        "created_count": 1,
    }
    assert (detail.json()["error_count"], detail.json()["errors"]) == (1, [unknown_industry])
    assert detail.json()["uploaded_by"] == officer.username


def test_api_refuses_enterprise_users_with_403_and_stores_nothing(tmp_path):
    api = APIClient()
    api.force_authenticate(UserFactory(enterprise_admin=True))
    file_path = tmp_path / "x.csv"
    write_csv(
        file_path, ENTERPRISE_HEADERS, [[code(80), "甲", "330402", "39", "2020-01-01", "小型", "1"]]
    )
    before = db_state()

    with file_path.open("rb") as handle:
        response = api.post(
            "/api/v1/enterprises/imports/",
            {"kind": "enterprises", "file": handle},
            format="multipart",
        )

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "只有市、县(市、区)工作人员和平台管理员可以导入企业数据。",
            "fields": {},
        }
    }
    assert ImportBatch.objects.count() == 0
    assert db_state() == before


def test_api_reports_a_bad_header_as_400_on_the_file_field(tmp_path):
    api = APIClient()
    api.force_authenticate(city_officer())
    file_path = tmp_path / "x.xls"
    file_path.write_bytes(b"\xd0\xcf\x11\xe0")

    response = api.post(
        "/api/v1/enterprises/imports/",
        {"kind": "enterprises", "file": file_path.open("rb")},
        format="multipart",
    )

    assert response.status_code == 400
    message = "不支持旧版 Excel/WPS 表格格式，请在 Excel 或 WPS 中“另存为”.xlsx 或 .csv 后上传。"
    assert response.json() == {
        "error": {"code": "invalid", "message": message, "fields": {"file": [message]}}
    }
    assert ImportBatch.objects.count() == 0


def test_running_a_batch_twice_does_nothing_the_second_time(
    tmp_path, django_capture_on_commit_callbacks
):
    file_path = tmp_path / "a.csv"
    write_csv(
        file_path, ENTERPRISE_HEADERS, [[code(90), "甲", "330402", "39", "2020-01-01", "小型", "1"]]
    )
    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )
    before = db_state()

    again = import_batch_run(batch=batch)

    assert (again.status, again.created_count) == (ImportStatus.DONE, 1)
    assert db_state() == before


def test_progress_is_saved_after_each_validated_chunk_and_complete_before_writing(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    rows = [
        [code(100 + i), f"进度企业{i}", "330402", "39", "2020-01-01", "小型", "1"]
        for i in range(2_500)
    ]
    file_path = tmp_path / "进度.csv"
    write_csv(file_path, ENTERPRISE_HEADERS, rows)
    saved, seen_by_writer = [], []
    record_progress, write_chunk = runs.batch_progress, services.import_chunk_write

    def recording(batch, *, processed, total):
        record_progress(batch, processed=processed, total=total)
        saved.append(ImportBatch.objects.values_list("processed_rows", "total_rows").get())

    def watching(**kwargs):
        seen_by_writer.append(
            ImportBatch.objects.values_list("status", "processed_rows", "total_rows").get()
        )
        return write_chunk(**kwargs)

    monkeypatch.setattr(runs, "batch_progress", recording)
    monkeypatch.setattr(services, "import_chunk_write", watching)

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert saved == [(0, 2_500), (1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]
    assert seen_by_writer == [("running", 2_500, 2_500)] * 3
    assert (batch.status, batch.created_count) == (ImportStatus.DONE, 2_500)


def test_upload_page_shows_a_header_problem_beside_the_file_field_and_stores_nothing(
    client, tmp_path
):
    client.force_login(UserFactory(county_officer=True, county=nanhu()))
    file_path = tmp_path / "空.csv"
    file_path.write_text(",,\n\n", encoding="utf-8")

    with file_path.open("rb") as handle:
        response = client.post(
            "/enterprises/imports/new/", {"kind": "annual_facts", "file": handle}
        )

    assert response.status_code == 200
    assert (
        '<div class="invalid-feedback d-block" data-field="file">'
        "文件中没有找到表头，请使用导入模板：第1行为列名，第2行起每行一家企业。</div>"
    ) in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_error_report_shows_values_as_typed_never_as_formulas():
    officer = city_officer()
    batch = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES,
        original_name="x.csv",
        uploaded_by=officer,
        status=ImportStatus.DONE,
        errors=[{"row": 2, "column": "企业名称", "value": "=1+1", "reason": "测试"}],
    )

    from kejin.enterprises.imports.reports import import_errors_workbook

    sheet = openpyxl.load_workbook(io.BytesIO(import_errors_workbook(batch))).active

    assert [c.value for c in sheet[2]] == [2, "企业名称", "=1+1", "测试"]
    assert sheet["C2"].data_type == "s"


def test_a_given_whole_below_a_stored_part_is_reported_on_the_whole():
    from kejin.enterprises.imports.validation import facts_contradictions

    problems = facts_contradictions({"employees": 40}, {"tech_staff": 50, "employees": 60})

    assert [(column.header, value, reason) for column, value, reason in problems] == [
        (
            "职工总数(人)",
            40,
            "科技人员数（平台已有数据 50人）不能大于职工总数（40人），请核对后重新填写。",
        )
    ]
    assert facts_contradictions({"revenue": Decimal(1)}, {"tech_staff": 50, "employees": 4}) == []


def test_queries_do_not_grow_with_rows(tmp_path, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = city_officer()
    rows = [
        [code(200 + i), f"查询企业{i}", "330402", "39", "2020-01-01", "小型", "1", "2024", "9", "1"]
        for i in range(2_500)
    ]
    file_path = tmp_path / "查询.csv"
    write_csv(file_path, [*ENTERPRISE_HEADERS, "年度", "职工总数(人)", "科技人员数(人)"], rows)
    with django_capture_on_commit_callbacks(execute=False):
        batch = import_batch_create(
            actor=officer, kind=ImportKind.ENTERPRISES, uploaded_file=upload(file_path)
        )

    with CaptureQueriesContext(connection) as queries:
        import_batch_run(batch=batch)

    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    # Per 1,000-row chunk: enterprises and facts read once to validate and once to write.
    assert len(selects) <= 20, selects
    assert len(queries.captured_queries) <= 200  # inserts are batched by the backend's limits
    assert (Enterprise.objects.count(), AnnualFacts.objects.count()) == (2_500, 2_500)


def test_excel_unicode_text_utf16_tab_separated_is_read_too(
    tmp_path, django_capture_on_commit_callbacks
):
    file_path = tmp_path / "unicode文本.csv"
    lines = [
        "\t".join(ENTERPRISE_HEADERS),
        "\t".join([code(95), "制表符企业", "330402", "39", "2020-01-01", "小型", "7"]),
    ]
    file_path.write_bytes("\r\n".join(lines).encode("utf-16"))

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert (batch.created_count, batch.errors) == (1, [])
    assert Enterprise.objects.get().name == "制表符企业"


# --- per-row audit (issue 6) ---------------------------------------------------------------


def test_each_created_or_changed_row_gets_an_audit_event_with_before_and_after(
    client, tmp_path, django_capture_on_commit_callbacks
):
    # Given one stored enterprise with 2024 facts, and a file that renames it, changes one
    # fact, registers a new enterprise with facts, and repeats a third one unchanged.
    county = nanhu()
    industry = IndustryFactory(code="39", name="计算机、通信和其他电子设备制造业")
    stored = EnterpriseFactory(
        uscc=code(1),
        county=county,
        industry=industry,
        name="嘉兴原名科技有限公司",
        founded_on=datetime.date(2018, 5, 20),
        size="small",
        registered_capital=Decimal("5000000.00"),
    )
    facts = AnnualFacts.objects.create(enterprise=stored, year=2024, employees=100, tech_staff=20)
    same = EnterpriseFactory(
        uscc=code(3),
        county=county,
        industry=industry,
        name="嘉兴不变科技有限公司",
        founded_on=datetime.date(2019, 1, 1),
        size="micro",
        registered_capital=Decimal("100.00"),
    )
    file_path = tmp_path / "审计.csv"
    headers = [*ENTERPRISE_HEADERS, "年度", "职工总数(人)", "科技人员数(人)"]
    write_csv(
        file_path,
        headers,
        [
            [
                code(1),
                "嘉兴新名科技有限公司",
                "330402",
                "39",
                "2018-05-20",
                "小型",
                "5000000",
                "2024",
                "100",
                "30",
            ],
            [
                code(2),
                "嘉兴新设科技有限公司",
                "330402",
                "39",
                "2020-01-01",
                "微型",
                "10.5",
                "2024",
                "5",
                "1",
            ],
            [
                same.uscc,
                "嘉兴不变科技有限公司",
                "330402",
                "39",
                "2019-01-01",
                "微型",
                "100",
                "",
                "",
                "",
            ],
        ],
    )
    officer = city_officer()
    before_ids = set(AuditEvent.objects.values_list("pk", flat=True))

    batch = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ENTERPRISES, file_path
    )

    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (1, 1, 1)
    new = Enterprise.objects.get(uscc=code(2))
    new_facts = AnnualFacts.objects.get(enterprise=new)
    events = {
        (e.object_type, e.object_id): e for e in AuditEvent.objects.exclude(pk__in=before_ids)
    }
    assert set(events) == {
        ("enterprises.enterprise", str(stored.pk)),
        ("enterprises.annualfacts", str(facts.pk)),
        ("enterprises.enterprise", str(new.pk)),
        ("enterprises.annualfacts", str(new_facts.pk)),
        ("enterprises.importbatch", str(batch.pk)),
    }
    assert all(
        (e.action, e.actor_id, e.actor_username) == ("import", officer.pk, officer.username)
        for e in events.values()
    )
    renamed = events[("enterprises.enterprise", str(stored.pk))]
    assert (renamed.before, renamed.after) == (
        {"name": "嘉兴原名科技有限公司"},
        {"name": "嘉兴新名科技有限公司"},
    )
    assert renamed.object_repr == str(Enterprise.objects.get(pk=stored.pk))
    changed_fact = events[("enterprises.annualfacts", str(facts.pk))]
    assert (changed_fact.before, changed_fact.after) == ({"tech_staff": 20}, {"tech_staff": 30})
    created = events[("enterprises.enterprise", str(new.pk))]
    assert created.before is None
    assert created.after == {
        "uscc": code(2),
        "name": "嘉兴新设科技有限公司",
        "county": county.pk,
        "zone": None,
        "industry": industry.pk,
        "founded_on": "2020-01-01",
        "size": "micro",
        "registered_capital": "10.50",
        "legal_representative": "",
        "address": "",
        "contact_phone": "",
        "business_scope": "",
    }
    created_facts = events[("enterprises.annualfacts", str(new_facts.pk))]
    assert (created_facts.before, created_facts.after) == (
        None,
        {"enterprise": new.pk, "year": 2024, "employees": 5, "tech_staff": 1},
    )
    # The enterprise's own trail (its profile page) now shows what the import changed.
    client.force_login(officer)
    page = client.get(f"/enterprises/{stored.pk}/").content.decode()
    assert "<li>企业名称：嘉兴原名科技有限公司 → 嘉兴新名科技有限公司</li>" in page


def test_row_events_are_rolled_back_with_the_rows_when_a_chunk_fails(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    rows = [[code(i), f"企业{i}", "330402", "39", "2020-01-01", "小型", "1"] for i in range(1_500)]
    file_path = tmp_path / "回滚.csv"
    write_csv(file_path, ENTERPRISE_HEADERS, rows)
    original = services.import_chunk_write

    def failing_after_the_first_chunk(**kwargs):
        if Enterprise.objects.exists():
            raise RuntimeError("测试注入")
        return original(**kwargs)

    monkeypatch.setattr(services, "import_chunk_write", failing_after_the_first_chunk)
    audit_before = AuditEvent.objects.count()

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert batch.status == ImportStatus.FAILED
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


# --- dead workers (issue 6) ----------------------------------------------------------------

STALE_REASON = (
    "导入进程已停止响应（可能因服务器重启或内存不足而中断），本批次已标记为失败，"
    "未写入任何数据。请重新上传文件。"
)


def running_batch(officer, *, heartbeat_age: datetime.timedelta | None, name="x.csv"):
    """A batch some worker claimed, whose last heartbeat is ``heartbeat_age`` old."""
    from django.utils import timezone

    batch = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES,
        original_name=name,
        uploaded_by=officer,
        status=ImportStatus.RUNNING,
        total_rows=3_000,
        processed_rows=1_000,
    )
    stamp = None if heartbeat_age is None else timezone.now() - heartbeat_age
    created = timezone.now() - (heartbeat_age or datetime.timedelta(hours=2))
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=stamp, created_at=created)
    return batch


def test_the_lease_claims_once_renews_while_running_and_cannot_finish_after_expiry():
    from django.utils import timezone

    from kejin.ingest.leases import LeaseLost
    from kejin.ingest.runs import batch_lease

    officer = city_officer()
    batch = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES, original_name="x.csv", uploaded_by=officer
    )
    lease = batch_lease(ImportBatch)

    assert (lease.claim(batch.pk), lease.claim(batch.pk)) == (True, False)
    assert lease.renew(batch.pk, processed_rows=7) is True
    assert lease.expire_stale(reason="过期") == []
    later = timezone.now() + datetime.timedelta(minutes=31)
    assert list(lease.stale(now=later).values_list("pk", flat=True)) == [batch.pk]
    assert lease.expire_stale(reason="过期", now=later) == [batch.pk]
    assert lease.renew(batch.pk, processed_rows=8) is False
    with pytest.raises(LeaseLost):
        lease.finish(batch.pk, status=ImportStatus.DONE)
    batch.refresh_from_db()
    assert (batch.status, batch.failure, batch.processed_rows) == ("failed", "过期", 7)


def test_a_running_batch_whose_worker_died_is_failed_when_the_batch_list_is_read(client):
    officer = city_officer()
    client.force_login(officer)
    dead = running_batch(officer, heartbeat_age=datetime.timedelta(minutes=31), name="dead.csv")
    legacy = running_batch(officer, heartbeat_age=None, name="legacy.csv")
    alive = running_batch(officer, heartbeat_age=datetime.timedelta(minutes=5), name="alive.csv")

    response = client.get("/enterprises/imports/")

    assert response.status_code == 200
    statuses = dict(ImportBatch.objects.values_list("original_name", "status"))
    assert statuses == {"dead.csv": "failed", "legacy.csv": "failed", "alive.csv": "running"}
    dead.refresh_from_db()
    assert (dead.failure, dead.finished_at is not None) == (STALE_REASON, True)
    page = client.get(f"/enterprises/imports/{dead.pk}/").content.decode()
    assert f'data-testid="batch-failure">{STALE_REASON}</div>' in page
    assert ImportBatch.objects.get(pk=legacy.pk).failure == STALE_REASON
    assert ImportBatch.objects.get(pk=alive.pk).failure == ""


def test_the_api_detail_of_a_dead_workers_batch_says_failed_with_the_reason():
    officer = city_officer()
    dead = running_batch(officer, heartbeat_age=datetime.timedelta(hours=1))
    api = APIClient()
    api.force_authenticate(officer)

    body = api.get(f"/api/v1/enterprises/imports/{dead.pk}/").json()

    assert (body["status"], body["failure"]) == ("failed", STALE_REASON)


def test_running_a_new_batch_first_fails_stale_ones(tmp_path, django_capture_on_commit_callbacks):
    officer = city_officer()
    dead = running_batch(officer, heartbeat_age=datetime.timedelta(hours=1))
    file_path = tmp_path / "新.csv"
    write_csv(
        file_path,
        ENTERPRISE_HEADERS,
        [[code(1), "企业", "330402", "39", "2020-01-01", "小型", "1"]],
    )

    batch = run_import(
        django_capture_on_commit_callbacks, officer, ImportKind.ENTERPRISES, file_path
    )

    assert batch.status == ImportStatus.DONE
    dead.refresh_from_db()
    assert (dead.status, dead.failure) == (ImportStatus.FAILED, STALE_REASON)


def test_a_worker_whose_lease_expired_while_writing_rolls_back_and_leaves_the_batch_failed(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    # The sweeper (another connection in production) fails the batch while this worker is
    # writing; the worker must not commit: its finish is conditional on still running.
    from kejin.ingest.runs import batches_expire_stale

    rows = [[code(i), f"企业{i}", "330402", "39", "2020-01-01", "小型", "1"] for i in range(10)]
    file_path = tmp_path / "过期.csv"
    write_csv(file_path, ENTERPRISE_HEADERS, rows)
    original = services.import_chunk_write

    def writing_while_the_lease_expires(**kwargs):
        result = original(**kwargs)
        ImportBatch.objects.update(heartbeat_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
        assert batches_expire_stale(model=ImportBatch) == [kwargs["batch"].pk]
        return result

    monkeypatch.setattr(services, "import_chunk_write", writing_while_the_lease_expires)
    before = db_state()

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert (batch.status, batch.failure) == (ImportStatus.FAILED, STALE_REASON)
    assert db_state() == before


# --- files that must never cause a 500 (issue 6) -------------------------------------------


def _bomb(tmp_path):
    path = tmp_path / "炸弹.xlsx"
    write_xlsx(path, ENTERPRISE_HEADERS, [])
    data = path.read_bytes()
    import zipfile

    chunk = b"<si><t>" + b"A" * (1024 * 1024 - 16) + b"</t></si>"
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/sharedStrings2.xml", "w", force_zip64=True) as stream,
    ):
        for _ in range(300):
            stream.write(chunk)
    assert path.stat().st_size < len(data) + 2 * 1024 * 1024
    return path


def _no_sheets(tmp_path):
    import re
    import zipfile

    source = tmp_path / "src.xlsx"
    write_xlsx(source, ENTERPRISE_HEADERS, [])
    path = tmp_path / "无工作表.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            if name.startswith("xl/worksheets/"):
                continue
            data = src.read(name)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            out.writestr(name, data)
    return path


def _odd_utf16(tmp_path):
    path = tmp_path / "奇数.csv"
    path.write_bytes(b"\xff\xfe" + ",".join(ENTERPRISE_HEADERS).encode("utf-16-le") + b"\x41")
    return path


def _garbage(tmp_path):
    path = tmp_path / "乱码.csv"
    path.write_bytes(b"\x80\x80\xfe\x81" * 500)
    return path


def _oversized_header(tmp_path):
    path = tmp_path / "超长.csv"
    path.write_text(",".join(ENTERPRISE_HEADERS) + ',"' + "长" * 200_000 + '"\n', encoding="utf-8")
    return path


UNREADABLE_FILES = {
    "zip bomb": (
        _bomb,
        "该 xlsx 文件解压后过大（超过 256 MB）或压缩比异常，已拒绝读取。"
        "请删除多余的工作表、格式和空白行，或另存为 .csv 后分批上传。",
    ),
    "no worksheets": (
        _no_sheets,
        "该 xlsx 文件中没有工作表，请把数据填在第一个工作表中（可使用导入模板）后重试。",
    ),
    "odd utf-16": (
        _odd_utf16,
        "无法识别 csv 文件的编码，请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。",
    ),
    "garbage": (
        _garbage,
        "无法识别 csv 文件的编码，请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。",
    ),
    "oversized field": (
        _oversized_header,
        "csv 文件中有单元格内容过长（超过 131072 个字符）或引号不配对，无法读取。"
        "请检查是否有未闭合的双引号，或在 Excel 或 WPS 中另存为 .xlsx 后重试。",
    ),
}


@pytest.mark.parametrize("case", list(UNREADABLE_FILES))
def test_unreadable_files_are_refused_with_a_message_by_the_api_and_store_nothing(tmp_path, case):
    build, message = UNREADABLE_FILES[case]
    file_path = build(tmp_path)
    api = APIClient()
    api.force_authenticate(city_officer())

    with file_path.open("rb") as handle:
        response = api.post(
            "/api/v1/enterprises/imports/",
            {"kind": "enterprises", "file": handle},
            format="multipart",
        )

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": message, "fields": {"file": [message]}}
    }
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("case", list(UNREADABLE_FILES))
def test_unreadable_files_are_shown_beside_the_file_field_on_the_upload_page(
    client, tmp_path, case
):
    build, message = UNREADABLE_FILES[case]
    file_path = build(tmp_path)
    client.force_login(city_officer())

    with file_path.open("rb") as handle:
        response = client.post("/enterprises/imports/new/", {"kind": "enterprises", "file": handle})

    assert response.status_code == 200
    assert (
        f'<div class="invalid-feedback d-block" data-field="file">{message}</div>'
    ) in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_an_oversized_field_below_the_header_fails_the_batch_with_the_reason(
    tmp_path, django_capture_on_commit_callbacks
):
    file_path = tmp_path / "长单元格.csv"
    file_path.write_text(
        ",".join(ENTERPRISE_HEADERS)
        + f"\n{code(1)},企业,330402,39,2020-01-01,小型,1\n"
        + f'{code(2)},"'
        + "长" * 200_000
        + '",330402,39,2020-01-01,小型,1\n',
        encoding="utf-8",
    )
    before = db_state()

    batch = run_import(
        django_capture_on_commit_callbacks, city_officer(), ImportKind.ENTERPRISES, file_path
    )

    assert (batch.status, batch.failure) == (
        ImportStatus.FAILED,
        UNREADABLE_FILES["oversized field"][1],
    )
    assert db_state() == before
