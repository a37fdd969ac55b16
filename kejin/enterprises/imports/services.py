"""Import batches: upload a file (:func:`import_batch_create`) and run it (:func:`import_batch_run`).

A run has two phases.

1. **Validate** (outside any transaction): read the file once, check every row on its own
   and then, a chunk of ~1,000 rows at a time, against the database (existing enterprises
   and their county, facts already recorded). ``processed_rows`` is saved after each chunk,
   so other connections (the batch page) see the progress.
2. **Write** (one transaction): every valid row, a chunk at a time with bulk operations and
   two or three queries per chunk (no per-row queries), upserting enterprises by USCC and
   annual facts by USCC + year. A row whose values all equal what is stored is counted as
   unchanged and not written, so re-importing a file changes nothing. The batch's final
   counters and its one AuditEvent (only when something was created or updated) are written
   in the same transaction. If anything raises, the transaction rolls back — the database is
   exactly as before — and the batch is marked failed, with the reason, in a separate one.
   Progress inside this phase is not visible to other connections (it is one uncommitted
   transaction); the batch page says "writing" while it lasts.

Blank cells never erase stored values: a blank optional column leaves the stored value as
it is. Each fact a batch changes gets provenance ``{"source": "import", "detail": "<batch
id>", "as_of": "<year>-12-31"}``; a fact whose value is unchanged keeps its provenance.
Annual facts rows must name an enterprise registered before the batch runs (an enterprises
file may carry facts columns to register both at once).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError
from kejin.enterprises.choices import FactSource, ImportKind, ImportStatus
from kejin.enterprises.imports.columns import FACT_FIELDS, accepted_columns
from kejin.enterprises.imports.readers import ImportFileError, file_format, table_open
from kejin.enterprises.imports.selectors import import_batch_can_create
from kejin.enterprises.imports.validation import (
    ChunkState,
    Reference,
    RowRecord,
    RowValidator,
)
from kejin.enterprises.models import AnnualFacts, Enterprise, ImportBatch

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_BYTES = 50 * 1024 * 1024
MAX_STORED_ERRORS = 50_000

_CREATED, _UPDATED, _UNCHANGED = 3, 2, 1
_COLUMN_ORDER = {
    kind: {column.header: i for i, column in enumerate(accepted_columns(kind))}
    for kind in ImportKind.values
}


# --- upload --------------------------------------------------------------------------------


def import_batch_create(*, actor, kind: str, uploaded_file) -> ImportBatch:
    """Store an uploaded file as a pending batch and enqueue its run (on commit).

    City officers and platform admins import rows of any county; a county officer's batch is
    limited to their county (other counties' rows are rejected row by row). Anyone else gets
    ``permission_denied`` and nothing is stored. A file that is not xlsx/csv, too large, or
    whose header row does not fit ``kind`` is refused (``invalid``, field ``file``) before
    anything is stored. Not audited itself: the run writes one AuditEvent when it changes data.
    Without a Celery broker the run happens in-process before this returns.
    """
    if not import_batch_can_create(user=actor):
        raise ApplicationError.permission_denied(
            _("只有市、县(市、区)工作人员和平台管理员可以导入企业数据。")
        )
    if kind not in ImportKind.values:
        raise ApplicationError.invalid({"kind": [_("请选择导入类型：企业名录或企业年度数据。")]})
    if uploaded_file is None:
        raise ApplicationError.invalid({"file": [_("请选择要上传的文件。")]})
    name = os.path.basename(uploaded_file.name or "")[-255:]
    if uploaded_file.size > IMPORT_MAX_BYTES:
        raise ApplicationError.invalid(
            {
                "file": [
                    _("文件不能超过 %(mb)s MB，请拆分后分批导入。")
                    % {"mb": IMPORT_MAX_BYTES // 2**20}
                ]
            }
        )
    try:
        file_format(name)
        uploaded_file.seek(0)
        with table_open(uploaded_file, filename=name, kind=kind):
            pass
    except ImportFileError as exc:
        raise ApplicationError.invalid({"file": [exc.message]}, message=exc.message) from exc
    finally:
        uploaded_file.seek(0)

    with transaction.atomic():
        batch = ImportBatch(
            kind=kind,
            original_name=name,
            uploaded_by=actor,
            county_id=None if actor.sees_whole_city else actor.county_id,
        )
        batch.file.save(name, uploaded_file, save=False)
        batch.save()
        transaction.on_commit(lambda: _enqueue(batch.pk))
    batch.refresh_from_db()
    return batch


def _enqueue(batch_id: int) -> None:
    from kejin.enterprises.imports.tasks import import_batch_run_task

    import_batch_run_task.delay(batch_id)


# --- run -----------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    """What writing one chunk did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)


def import_batch_run(*, batch: ImportBatch) -> ImportBatch:
    """Validate and write a pending batch (see the module docstring). Idempotent: a batch
    that is not pending (already run, or being run by another worker) is left alone."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING
    )
    batch.refresh_from_db()
    if not claimed:
        return batch

    errors: list[dict] = []
    try:
        validator = RowValidator(
            kind=batch.kind, county_id=batch.county_id, reference=Reference.load()
        )
        records, errors, total = _validate(batch, validator)
    except ImportFileError as exc:
        return _batch_fail(batch, exc.message, errors)
    except Exception as exc:
        logger.exception("import batch %s: validation failed", batch.pk)
        return _batch_fail(batch, _failure_reason(exc), errors)

    try:
        with transaction.atomic():
            totals = ChunkResult()
            for start in range(0, len(records), CHUNK_SIZE):
                result = import_chunk_write(
                    batch=batch, validator=validator, records=records[start : start + CHUNK_SIZE]
                )
                totals.created += result.created
                totals.updated += result.updated
                totals.unchanged += result.unchanged
                errors.extend(result.errors)
            _batch_finish(batch, totals, errors, total)
    except Exception as exc:
        logger.exception("import batch %s: write failed, rolled back", batch.pk)
        return _batch_fail(batch, _failure_reason(exc), errors)
    return batch


def _validate(batch: ImportBatch, validator: RowValidator) -> tuple[list[RowRecord], list, int]:
    """Phase 1: every row checked; the valid ones cleaned, in file order."""
    records: list[RowRecord] = []
    errors: list[dict] = []
    total = 0
    batch.file.open("rb")
    try:
        with table_open(batch.file, filename=batch.original_name, kind=batch.kind) as table:
            estimate = table.estimated_rows or 0
            _progress(batch, processed=0, total=estimate)
            pending: list[RowRecord] = []
            for number, values in table.rows():
                total += 1
                if total > IMPORT_MAX_ROWS:
                    raise ImportFileError(
                        _("文件超过 %(max)s 行，请拆分后分批导入。") % {"max": IMPORT_MAX_ROWS}
                    )
                record, row_errors = validator.parse_row(number, values)
                errors.extend(row_errors)
                if record is not None:
                    pending.append(record)
                if total % CHUNK_SIZE == 0:
                    _validate_chunk(validator, pending, records, errors)
                    pending = []
                    _progress(batch, processed=total, total=max(estimate, total))
            _validate_chunk(validator, pending, records, errors)
            _progress(batch, processed=total, total=total)
    finally:
        batch.file.close()
    return records, errors, total


def _validate_chunk(validator, pending: list[RowRecord], records: list, errors: list) -> None:
    if not pending:
        return
    valid, chunk_errors = validator.check_chunk(pending, _chunk_state(pending))
    errors.extend(chunk_errors)
    for record in valid:
        record.raw = None  # no longer needed; keeps memory to the cleaned values
    records.extend(valid)


def _chunk_state(records: list[RowRecord]) -> ChunkState:
    """The stored rows a chunk is checked against: two queries."""
    state = ChunkState()
    for pk, uscc, county_id in Enterprise.objects.filter(
        uscc__in=[r.uscc for r in records]
    ).values_list("pk", "uscc", "county_id"):
        state.enterprises[uscc] = (pk, county_id)
    ids = {state.enterprises[r.uscc][0] for r in records if r.facts and r.uscc in state.enterprises}
    years = {r.year for r in records if r.facts}
    if ids:
        for row in AnnualFacts.objects.filter(enterprise_id__in=ids, year__in=years).values(
            "enterprise_id", "year", *FACT_FIELDS
        ):
            state.facts[(row.pop("enterprise_id"), row.pop("year"))] = row
    return state


def _progress(batch: ImportBatch, *, processed: int, total: int) -> None:
    """Saved at once (autocommit), so the batch page sees it while the run goes on."""
    batch.processed_rows, batch.total_rows = processed, total
    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=processed, total_rows=total)


_ENTERPRISE_FIELDS = (
    "name",
    "county_id",
    "zone_id",
    "industry_id",
    "founded_on",
    "size",
    "registered_capital",
    "legal_representative",
    "address",
    "contact_phone",
    "business_scope",
)


def import_chunk_write(
    *, batch: ImportBatch, validator: RowValidator, records: list[RowRecord]
) -> ChunkResult:
    """Phase 2 for one chunk, inside the batch's transaction: lock and read the stored rows
    (one query for enterprises, one for facts), re-check the records against them (another
    batch may have written since validation), then bulk-create the new rows and bulk-update
    the changed ones. Unchanged rows are not written."""
    result = ChunkResult()
    enterprises = {
        e.uscc: e
        for e in Enterprise.objects.select_for_update().filter(uscc__in=[r.uscc for r in records])
    }
    ids = {enterprises[r.uscc].pk for r in records if r.facts and r.uscc in enterprises}
    years = {r.year for r in records if r.facts}
    stored_facts = {}
    if ids:
        for facts in AnnualFacts.objects.select_for_update().filter(
            enterprise_id__in=ids, year__in=years
        ):
            stored_facts[(facts.enterprise_id, facts.year)] = facts
    state = ChunkState(
        enterprises={uscc: (e.pk, e.county_id) for uscc, e in enterprises.items()},
        facts={
            key: {name: getattr(facts, name) for name in FACT_FIELDS}
            for key, facts in stored_facts.items()
        },
    )
    records, result.errors = validator.check_chunk(records, state)

    now = timezone.now()
    outcome: dict[int, int] = {}
    if batch.kind == ImportKind.ENTERPRISES:
        new, changed, changed_fields = [], [], set()
        for record in records:
            enterprise = enterprises.get(record.uscc)
            if enterprise is None:
                enterprise = Enterprise(uscc=record.uscc, **record.enterprise)
                enterprises[record.uscc] = enterprise
                new.append(enterprise)
                outcome[record.row] = _CREATED
                continue
            names = _enterprise_apply(enterprise, record.enterprise, validator.reference)
            if names:
                enterprise.updated_at = now
                changed.append(enterprise)
                changed_fields.update(names)
                outcome[record.row] = _UPDATED
            else:
                outcome[record.row] = _UNCHANGED
        Enterprise.objects.bulk_create(new)
        if changed:
            Enterprise.objects.bulk_update(changed, [*sorted(changed_fields), "updated_at"])

    new_facts, changed_facts, changed_names = [], [], set()
    for record in records:
        if not record.facts:
            continue
        enterprise_id = enterprises[record.uscc].pk
        source = {
            "source": FactSource.IMPORT.value,
            "detail": str(batch.pk),
            "as_of": f"{record.year}-12-31",
        }
        facts = stored_facts.get((enterprise_id, record.year))
        if facts is None:
            new_facts.append(
                AnnualFacts(
                    enterprise_id=enterprise_id,
                    year=record.year,
                    provenance={name: dict(source) for name in record.facts},
                    **record.facts,
                )
            )
            outcome[record.row] = _CREATED
            continue
        names = [name for name, value in record.facts.items() if getattr(facts, name) != value]
        if names:
            provenance = dict(facts.provenance or {})
            for name in names:
                setattr(facts, name, record.facts[name])
                provenance[name] = dict(source)
            facts.provenance = provenance
            facts.updated_at = now
            changed_facts.append(facts)
            changed_names.update(names)
            outcome[record.row] = max(outcome.get(record.row, 0), _UPDATED)
        else:
            outcome.setdefault(record.row, _UNCHANGED)
    AnnualFacts.objects.bulk_create(new_facts)
    if changed_facts:
        AnnualFacts.objects.bulk_update(
            changed_facts, [*sorted(changed_names), "provenance", "updated_at"]
        )

    for value in outcome.values():
        if value == _CREATED:
            result.created += 1
        elif value == _UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _enterprise_apply(enterprise: Enterprise, values: dict, reference: Reference) -> list[str]:
    """Set ``values`` on ``enterprise``; the names of the fields that changed.

    A blank zone keeps the stored zone unless the enterprise moves to a county the zone does
    not belong to, where it is cleared.
    """
    values = dict(values)
    if "zone_id" not in values and enterprise.zone_id is not None:
        county_id = values.get("county_id", enterprise.county_id)
        if reference.zone_counties.get(enterprise.zone_id) != county_id:
            values["zone_id"] = None
    changed = []
    for name, value in values.items():
        if getattr(enterprise, name) != value:
            setattr(enterprise, name, value)
            changed.append(name.removesuffix("_id"))
    return changed


def _sorted_errors(kind: str, errors: list[dict]) -> list[dict]:
    order = _COLUMN_ORDER[kind]
    return sorted(errors, key=lambda e: (e["row"], order.get(e["column"], 99)))


def _batch_finish(batch: ImportBatch, totals: ChunkResult, errors: list[dict], total: int) -> None:
    batch.status = ImportStatus.DONE
    batch.total_rows = total
    batch.processed_rows = total
    batch.created_count = totals.created
    batch.updated_count = totals.updated
    batch.unchanged_count = totals.unchanged
    batch.error_count = len({e["row"] for e in errors})
    batch.errors = _sorted_errors(batch.kind, errors)[:MAX_STORED_ERRORS]
    batch.failure = ""
    batch.finished_at = timezone.now()
    batch.save(
        update_fields=[
            "status",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "errors",
            "failure",
            "finished_at",
        ]
    )
    if totals.created or totals.updated:
        audit_record(
            actor=batch.uploaded_by,
            action=AuditAction.IMPORT,
            instance=batch,
            after={
                "kind": batch.kind,
                "original_name": batch.original_name,
                "county": batch.county_id,
                "total_rows": total,
                "created": totals.created,
                "updated": totals.updated,
                "unchanged": totals.unchanged,
                "rejected": batch.error_count,
            },
        )


def _failure_reason(exc: Exception) -> str:
    detail = f"{type(exc).__name__}: {exc}"[:500]
    return _(
        "导入过程中发生错误，本批次没有写入任何数据（数据库保持导入前的状态），"
        "请稍后重试；如仍失败请联系平台管理员。错误信息：%(detail)s"
    ) % {"detail": detail}


def _batch_fail(batch: ImportBatch, reason: str, errors: list[dict]) -> ImportBatch:
    """Mark the batch failed (its own transaction, after the write transaction rolled back).

    Row errors found so far are kept so that the file can be corrected before retrying.
    """
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED,
            failure=str(reason),
            created_count=0,
            updated_count=0,
            unchanged_count=0,
            error_count=len({e["row"] for e in errors}),
            errors=_sorted_errors(batch.kind, errors)[:MAX_STORED_ERRORS],
            finished_at=timezone.now(),
        )
    batch.refresh_from_db()
    return batch
