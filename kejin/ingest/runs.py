"""Running a batch: claim, validate every row, then write every valid row in one transaction.

:func:`batch_run` is the whole lifecycle; a client supplies an :class:`IngestSpec` (see the
package docstring for the contract).

1. **Claim**: pending → running in one conditional UPDATE (:meth:`Lease.claim`), so two
   workers given the same batch never both run it. A batch not pending is left alone.
2. **Validate** (outside any transaction): the file is read once; each row is checked on
   its own (``checker.parse_row``) and then, a chunk of ``spec.chunk_size`` rows at a time,
   against the database (``spec.validate_chunk``). After each chunk the progress and the
   heartbeat are saved (autocommit), so other connections see them.
3. **Write** (one transaction): ``spec.write_chunk`` a chunk at a time (bulk upserts, the
   per-row audit events with one ``bulk_create``), then the batch's final counters, its
   batch-level audit event, and the status — the last only if the batch is still running
   under this worker (:meth:`Lease.finish`). If anything raises, the transaction rolls back,
   the database is exactly as before, and the batch is marked failed with the reason (in its
   own transaction, keeping the row errors found so far).
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.ingest.choices import BatchStatus
from kejin.ingest.leases import Lease, LeaseLost
from kejin.ingest.readers import IngestFileError, Table

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
MAX_STORED_ERRORS = 50_000


@dataclass
class ChunkResult:
    """What writing one chunk did (rows, not model instances: a row that creates an
    enterprise and updates its facts counts once, as created)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def add(self, other: ChunkResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors.extend(other.errors)


class RowChecker(Protocol):
    """Checks the rows of one file; keeps what a whole file needs (e.g. keys seen)."""

    def parse_row(self, number: int, values: dict) -> tuple[Any | None, list[dict]]: ...


class IngestSpec(Protocol):
    """What a client of the framework provides (see the package docstring)."""

    chunk_size: int
    max_rows: int

    def table_open(self, batch) -> AbstractContextManager[Table]: ...

    def checker(self, batch) -> RowChecker: ...

    def validate_chunk(self, *, batch, checker, records: list) -> tuple[list, list[dict]]: ...

    def write_chunk(self, *, batch, checker, records: list) -> ChunkResult: ...

    def sort_errors(self, batch, errors: list[dict]) -> list[dict]: ...

    def batch_audit_after(self, batch, totals: ChunkResult) -> dict | None: ...


def batch_lease(model: type[models.Model]) -> Lease:
    """The lease of an :class:`~kejin.ingest.models.IngestBatch` model."""
    return Lease(model, pending=BatchStatus.PENDING, running=BatchStatus.RUNNING)


def stale_reason() -> str:
    return _(
        "导入进程已停止响应（可能因服务器重启或内存不足而中断），本批次已标记为失败，"
        "未写入任何数据。请重新上传文件。"
    )


def batches_expire_stale(*, model: type[models.Model]) -> list:
    """Fail every running batch of ``model`` whose worker stopped renewing its heartbeat;
    the ids failed. Called before listing and before running batches."""
    return batch_lease(model).expire_stale(reason=stale_reason())


def batch_run(*, batch, spec: IngestSpec):
    """Validate and write a pending ``batch`` (see the module docstring). Idempotent: a
    batch that is not pending (already run, or being run by another worker) is left alone."""
    model = type(batch)
    batches_expire_stale(model=model)
    claimed = batch_lease(model).claim(batch.pk)
    batch.refresh_from_db()
    if not claimed:
        return batch

    errors: list[dict] = []
    try:
        checker = spec.checker(batch)
        records, total = _validate(batch, spec, checker, errors)
    except IngestFileError as exc:
        return batch_fail(batch, spec=spec, reason=exc.message, errors=errors)
    except LeaseLost:
        logger.error("batch %s: lease expired while validating", batch.pk)
        return batch_fail(batch, spec=spec, reason=stale_reason(), errors=errors)
    except Exception as exc:
        logger.exception("batch %s: validation failed", batch.pk)
        return batch_fail(batch, spec=spec, reason=failure_reason(exc), errors=errors)

    try:
        with transaction.atomic():
            totals = ChunkResult()
            for start in range(0, len(records), spec.chunk_size):
                totals.add(
                    spec.write_chunk(
                        batch=batch,
                        checker=checker,
                        records=records[start : start + spec.chunk_size],
                    )
                )
            errors.extend(totals.errors)
            _batch_finish(batch, spec, totals, errors, total)
    except LeaseLost:
        # Whoever expired the lease has failed the batch already; make sure of it.
        logger.error("batch %s: lease expired while writing, rolled back", batch.pk)
        return batch_fail(batch, spec=spec, reason=stale_reason(), errors=errors)
    except Exception as exc:
        logger.exception("batch %s: write failed, rolled back", batch.pk)
        return batch_fail(batch, spec=spec, reason=failure_reason(exc), errors=errors)
    return batch


def _validate(batch, spec: IngestSpec, checker, errors: list[dict]) -> tuple[list, int]:
    """Phase 1: every row checked; the valid ones cleaned, in file order. Row errors are
    appended to ``errors`` as they are found (kept if the file turns out unreadable)."""
    records: list = []
    total = 0
    with spec.table_open(batch) as table:
        estimate = table.estimated_rows or 0
        batch_progress(batch, processed=0, total=estimate)
        pending: list = []
        for number, values in table.rows():
            total += 1
            if total > spec.max_rows:
                raise IngestFileError(
                    _("文件超过 %(max)s 行，请拆分后分批导入。") % {"max": spec.max_rows}
                )
            record, row_errors = checker.parse_row(number, values)
            errors.extend(row_errors)
            if record is not None:
                pending.append(record)
            if total % spec.chunk_size == 0:
                _validate_pending(batch, spec, checker, pending, records, errors)
                pending = []
                batch_progress(batch, processed=total, total=max(estimate, total))
        _validate_pending(batch, spec, checker, pending, records, errors)
        batch_progress(batch, processed=total, total=total)
    return records, total


def _validate_pending(batch, spec, checker, pending: list, records: list, errors: list) -> None:
    if not pending:
        return
    valid, chunk_errors = spec.validate_chunk(batch=batch, checker=checker, records=pending)
    errors.extend(chunk_errors)
    records.extend(valid)


def batch_progress(batch, *, processed: int, total: int) -> None:
    """Save the progress and renew the heartbeat at once (autocommit), so the batch page
    sees it while the run goes on. A batch expired meanwhile stops the run."""
    batch.processed_rows, batch.total_rows = processed, total
    if not batch_lease(type(batch)).renew(batch.pk, processed_rows=processed, total_rows=total):
        raise LeaseLost(batch.pk)


def _batch_finish(batch, spec: IngestSpec, totals: ChunkResult, errors: list, total: int) -> None:
    now = timezone.now()
    final = {
        "status": BatchStatus.DONE,
        "total_rows": total,
        "processed_rows": total,
        "created_count": totals.created,
        "updated_count": totals.updated,
        "unchanged_count": totals.unchanged,
        "error_count": len({e["row"] for e in errors}),
        "errors": spec.sort_errors(batch, errors)[:MAX_STORED_ERRORS],
        "failure": "",
        "finished_at": now,
        "heartbeat_at": now,
    }
    batch_lease(type(batch)).finish(batch.pk, **final)
    for name, value in final.items():
        setattr(batch, name, value)
    after = spec.batch_audit_after(batch, totals)
    if after is not None:
        audit_record(
            actor=batch.uploaded_by, action=AuditAction.IMPORT, instance=batch, after=after
        )


def failure_reason(exc: Exception) -> str:
    """The failure shown for an unexpected exception: nothing was written, what to do."""
    detail = f"{type(exc).__name__}: {exc}"[:500]
    return _(
        "导入过程中发生错误，本批次没有写入任何数据（数据库保持导入前的状态），"
        "请稍后重试；如仍失败请联系平台管理员。错误信息：%(detail)s"
    ) % {"detail": detail}


def batch_fail(batch, *, spec: IngestSpec, reason: str, errors: list[dict]):
    """Mark the batch failed (its own transaction, after the write transaction rolled back).

    Row errors found so far are kept so that the file can be corrected before retrying.
    """
    with transaction.atomic():
        type(batch)._default_manager.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            failure=str(reason),
            created_count=0,
            updated_count=0,
            unchanged_count=0,
            error_count=len({e["row"] for e in errors}),
            errors=spec.sort_errors(batch, errors)[:MAX_STORED_ERRORS],
            finished_at=timezone.now(),
        )
    batch.refresh_from_db()
    return batch
