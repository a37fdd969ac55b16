"""The dead-work sweep (``manage.py ingest_sweep_stale``, task ``ingest.sweep_stale``):
batches and runs whose worker died are failed with a clear reason; live ones are untouched.

The dead worker is real: an import run is killed in the middle of its write (an exception
no ``except Exception`` catches, as a SIGKILL or an out-of-memory kill would leave it), so
the batch stays ``running`` with the heartbeat of its last validated chunk. The clock is then
moved on by ageing that heartbeat, as 31 minutes of silence would.
"""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import DepartmentFactory, IndustryFactory, RegionFactory
from kejin.core.uscc import uscc_build
from kejin.credit.models import CreditBatch, RecordCategory
from kejin.enterprises.choices import ImportKind, ImportStatus
from kejin.enterprises.imports import services
from kejin.enterprises.imports.columns import ENTERPRISE_COLUMNS
from kejin.enterprises.imports.services import import_batch_create, import_batch_run
from kejin.enterprises.models import Enterprise, ImportBatch
from kejin.financing.models import LoanImportBatch
from kejin.ingest.sweep import ingest_batch_models, ingest_sweep_stale
from kejin.ingest.tasks import ingest_sweep_stale_task
from kejin.registry.evaluation import RUN_STALE_AFTER
from kejin.registry.models import EvaluationRun

pytestmark = pytest.mark.django_db

BATCH_STALE_REASON = (
    "导入进程已停止响应（可能因服务器重启或内存不足而中断），本批次已标记为失败，"
    "未写入任何数据。请重新上传文件。"
)
RUN_STALE_REASON = "工作进程已停止响应（超过30分钟无心跳），本批次已标记为失败。"
HEADERS = [column.header for column in ENTERPRISE_COLUMNS[:3]] + [
    "行业代码",
    "成立日期",
    "企业规模",
    "注册资本(元)",
]


class WorkerKilled(BaseException):
    """The worker process dies: nothing in the run catches it, nothing is cleaned up."""


def enterprises_csv(count: int) -> SimpleUploadedFile:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(HEADERS)
    for n in range(count):
        code = uscc_build(region_code="330402", org_body=f"M{7_000_000 + n:07d}")
        writer.writerow(
            [code, f"嘉兴停机测试企业{n}", "330402", "39", "2020-01-01", "小型", "1000000"]
        )
    return SimpleUploadedFile("企业.csv", rows.getvalue().encode("utf-8-sig"))


def batch_of_a_killed_worker(officer, monkeypatch) -> ImportBatch:
    """A batch whose worker validated the file, began writing and was killed."""

    def killed_while_writing(**kwargs):
        raise WorkerKilled

    batch = import_batch_create(
        actor=officer, kind=ImportKind.ENTERPRISES, uploaded_file=enterprises_csv(3)
    )  # enqueued on commit, which the test transaction never reaches: not run yet
    with monkeypatch.context() as patch:
        patch.setattr(services, "import_chunk_write", killed_while_writing)
        with pytest.raises(WorkerKilled):
            import_batch_run(batch=batch)
    batch.refresh_from_db()
    return batch


def age_heartbeat(model, pk: int, minutes: int) -> None:
    """Move the clock on: the row's last heartbeat was ``minutes`` ago."""
    stamp = timezone.now() - datetime.timedelta(minutes=minutes)
    model.objects.filter(pk=pk).update(heartbeat_at=stamp)


@pytest.fixture
def reference():
    RegionFactory(code="330402", name="南湖区")
    IndustryFactory(code="39", name="计算机、通信和其他电子设备制造业")


def test_a_killed_workers_batch_is_failed_by_the_command_once_its_heartbeat_is_old(
    reference, monkeypatch
):
    officer = UserFactory()
    dead = batch_of_a_killed_worker(officer, monkeypatch)
    assert (dead.status, dead.processed_rows, dead.heartbeat_at is not None) == (
        "running",
        3,
        True,
    )
    alive = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES,
        original_name="alive.csv",
        uploaded_by=officer,
        status=ImportStatus.RUNNING,
        heartbeat_at=timezone.now(),
    )
    waiting = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES, original_name="waiting.csv", uploaded_by=officer
    )

    # Just killed: its heartbeat is fresh, so nothing can tell it from a slow worker yet.
    out = io.StringIO()
    call_command("ingest_sweep_stale", stdout=out)
    assert ImportBatch.objects.get(pk=dead.pk).status == "running"
    assert out.getvalue() == (
        "已标记为失败的停止响应批次：credit.CreditBatch 0 个，enterprises.ImportBatch 0 个，"
        "financing.LoanImportBatch 0 个，registry.EvaluationRun 0 个。\n"
    )

    age_heartbeat(ImportBatch, dead.pk, minutes=31)
    age_heartbeat(ImportBatch, alive.pk, minutes=29)
    out = io.StringIO()
    call_command("ingest_sweep_stale", stdout=out)

    assert out.getvalue() == (
        "已标记为失败的停止响应批次：credit.CreditBatch 0 个，enterprises.ImportBatch 1 个，"
        "financing.LoanImportBatch 0 个，registry.EvaluationRun 0 个。\n"
    )
    dead.refresh_from_db()
    assert (dead.status, dead.failure, dead.finished_at is not None) == (
        "failed",
        BATCH_STALE_REASON,
        True,
    )
    assert not Enterprise.objects.exists()  # the killed write left nothing behind
    alive.refresh_from_db()
    assert (alive.status, alive.failure, alive.finished_at) == ("running", "", None)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.failure, waiting.finished_at) == ("pending", "", None)


def test_a_batch_running_without_any_heartbeat_counts_from_its_upload():
    officer = UserFactory()
    legacy = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES,
        original_name="legacy.csv",
        uploaded_by=officer,
        status=ImportStatus.RUNNING,
    )
    recent = ImportBatch.objects.create(
        kind=ImportKind.ENTERPRISES,
        original_name="recent.csv",
        uploaded_by=officer,
        status=ImportStatus.RUNNING,
    )
    ImportBatch.objects.filter(pk=legacy.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2)
    )

    assert ingest_sweep_stale() == {
        "credit.CreditBatch": 0,
        "enterprises.ImportBatch": 1,
        "financing.LoanImportBatch": 0,
        "registry.EvaluationRun": 0,
    }

    assert dict(ImportBatch.objects.values_list("original_name", "status")) == {
        "legacy.csv": "failed",
        "recent.csv": "running",
    }
    assert ImportBatch.objects.get(pk=recent.pk).failure == ""


def test_the_sweep_fails_a_dead_evaluation_run_and_leaves_a_live_one_running():
    dead = EvaluationRun.objects.create(
        year=2023, as_of=datetime.date(2023, 12, 31), status="running"
    )
    age_heartbeat(EvaluationRun, dead.pk, minutes=int(RUN_STALE_AFTER.total_seconds() // 60) + 1)

    assert ingest_sweep_stale() == {
        "credit.CreditBatch": 0,
        "enterprises.ImportBatch": 0,
        "financing.LoanImportBatch": 0,
        "registry.EvaluationRun": 1,
    }

    dead.refresh_from_db()
    assert (dead.status, dead.error, dead.finished_at is not None) == (
        "failed",
        RUN_STALE_REASON,
        True,
    )
    # The one active slot is free again; a run beating its heartbeat is left alone.
    live = EvaluationRun.objects.create(
        year=2024, as_of=datetime.date(2024, 12, 31), status="running"
    )
    age_heartbeat(EvaluationRun, live.pk, minutes=1)

    assert ingest_sweep_stale() == {
        "credit.CreditBatch": 0,
        "enterprises.ImportBatch": 0,
        "financing.LoanImportBatch": 0,
        "registry.EvaluationRun": 0,
    }
    live.refresh_from_db()
    assert (live.status, live.error, live.finished_at) == ("running", "", None)


def test_the_task_sweeps_and_stores_the_reason_in_the_platform_language(reference, monkeypatch):
    dead = batch_of_a_killed_worker(UserFactory(), monkeypatch)
    age_heartbeat(ImportBatch, dead.pk, minutes=60)

    with translation.override("en"):  # e.g. run from an English-speaking admin's request
        result = ingest_sweep_stale_task.delay().get()

    assert result == {
        "credit.CreditBatch": 0,
        "enterprises.ImportBatch": 1,
        "financing.LoanImportBatch": 0,
        "registry.EvaluationRun": 0,
    }
    dead.refresh_from_db()
    assert (dead.status, dead.failure) == ("failed", BATCH_STALE_REASON)
    # A second sweep finds nothing more to do.
    assert ingest_sweep_stale_task.delay().get() == {
        "credit.CreditBatch": 0,
        "enterprises.ImportBatch": 0,
        "financing.LoanImportBatch": 0,
        "registry.EvaluationRun": 0,
    }


def test_every_batch_model_built_on_ingest_batch_is_swept():
    assert ingest_batch_models() == [CreditBatch, ImportBatch, LoanImportBatch]


def test_a_dead_credit_batch_is_failed_and_a_live_one_left_running():
    # Another client of the framework, swept without being named anywhere in the sweep.
    provider = UserFactory()
    department = DepartmentFactory()
    category = RecordCategory.objects.create(code="tax", name="纳税信用等级", department=department)
    dead, alive = (
        CreditBatch.objects.create(
            category=category,
            department=department,
            original_name=name,
            uploaded_by=provider,
            status="running",
        )
        for name in ("dead.csv", "alive.csv")
    )
    age_heartbeat(CreditBatch, dead.pk, minutes=45)
    age_heartbeat(CreditBatch, alive.pk, minutes=2)

    assert ingest_sweep_stale() == {
        "credit.CreditBatch": 1,
        "enterprises.ImportBatch": 0,
        "financing.LoanImportBatch": 0,
        "registry.EvaluationRun": 0,
    }

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.failure) == ("failed", BATCH_STALE_REASON)
    assert (alive.status, alive.failure, alive.finished_at) == ("running", "", None)
