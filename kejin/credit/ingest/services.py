"""Credit batches: delivered as a file (:func:`credit_batch_create`) or a JSON list
(:func:`credit_batch_submit`), run by :func:`credit_batch_run`, and the matching of records
to enterprises registered later (:func:`credit_records_match`).

Credit ingestion is a client of :mod:`kejin.ingest` (claim, validate then write in one
transaction, progress and heartbeat, row errors, stale expiry); :class:`CreditIngestSpec`
supplies the credit parts. Rows are never written one by one through the ORM: each chunk
of up to :data:`CHUNK_SIZE` valid rows costs three statements — the current versions of its
source record ids (one SELECT), the enterprises of its USCCs (one SELECT), one UPDATE that
marks the corrected versions superseded — and one ``executemany`` INSERT of the new
versions.

Upsert on (category, source record id) with the content hash: identical content changes
nothing (unchanged), different content inserts version + 1 and marks the current version
superseded (kept: the history), a new id inserts version 1. A valid USCC that names no
registered enterprise is kept with ``enterprise`` null and counted as unmatched.

Audit: one event per batch (counters, file hash, quality), not one per row — the record
versions themselves, each pointing at its batch, are the per-row history (see
docs/architecture.md, "Credit ingestion").
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.credit.choices import BatchChannel, FieldType, RecordStatus
from kejin.credit.ingest.readers import json_table_open
from kejin.credit.ingest.tasks import credit_batch_run_task
from kejin.credit.ingest.validation import (
    CategorySchema,
    CreditRow,
    CreditRowChecker,
    normalise_header,
)
from kejin.credit.models import CreditBatch, CreditRecord, RecordCategory
from kejin.credit.permissions import credit_batch_can_create
from kejin.credit.quality import batch_quality_summary
from kejin.credit.tasks import credit_scores_refresh
from kejin.enterprises.models import Enterprise
from kejin.ingest.choices import BatchStatus
from kejin.ingest.readers import IngestFileError, table_open
from kejin.ingest.runs import ChunkResult, batch_run, batches_expire_stale
from kejin.ingest.uploads import batch_enqueue_on_commit, upload_check

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5_000
CREDIT_MAX_ROWS = 2_000_000
CREDIT_MAX_BYTES = 512 * 1024 * 1024
API_MAX_RECORDS = 10_000
MATCH_IDS_MAX = 5_000
RESCORE_IDS_MAX = 10_000


# --- delivery ------------------------------------------------------------------------------


def _category_check(*, actor, category: RecordCategory) -> CategorySchema:
    require(credit_batch_can_create, user=actor, obj=category)
    if not category.is_active:
        raise ApplicationError.invalid({"category": [_("该类别已停用，不再接收数据。")]})
    schema = CategorySchema.of(category)
    event_field = schema.fields.get(category.event_date_field)
    if event_field is None or event_field.type != FieldType.DATE:
        raise ApplicationError.invalid(
            {
                "category": [
                    _(
                        "该类别的事件日期字段“%(code)s”不是本类别的日期字段，暂不能接收数据，"
                        "请联系市级部门完善数据目录。"
                    )
                    % {"code": category.event_date_field}
                ]
            }
        )
    return schema


def _sha256(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in (
        fileobj.chunks() if hasattr(fileobj, "chunks") else iter(lambda: fileobj.read(2**20), b"")
    ):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _batch_save(
    *, actor, category, name: str, content, sha256: str, channel: str, enqueue: bool = True
) -> CreditBatch:
    with transaction.atomic():
        batch = CreditBatch(
            category=category,
            department_id=category.department_id,
            channel=channel,
            original_name=name,
            uploaded_by=actor,
            file_sha256=sha256,
        )
        batch.file.save(name, content, save=False)
        batch.save()
        if enqueue:
            batch_enqueue_on_commit(credit_batch_run_task, batch.pk)
    batch.refresh_from_db()
    return batch


def credit_batch_create(*, actor, category: RecordCategory, uploaded_file) -> CreditBatch:
    """Store an uploaded xlsx/csv of records of ``category`` as a pending batch and run it
    on commit (a Celery task; in-process without a broker, so the batch has run when this
    returns).

    Only a data provider of the category's department (``permission_denied`` otherwise); a
    file that is too large, unsafe, or whose header does not fit the category is refused
    (``invalid`` on ``file``) and nothing is stored.
    """
    schema = _category_check(actor=actor, category=category)
    name = upload_check(
        uploaded_file=uploaded_file, max_bytes=CREDIT_MAX_BYTES, match_header=schema.match_header
    )
    return _batch_save(
        actor=actor,
        category=category,
        name=name,
        content=uploaded_file,
        sha256=_sha256(uploaded_file),
        channel=BatchChannel.UPLOAD,
    )


def credit_batch_submit(
    *,
    actor,
    category: RecordCategory,
    rows: list,
    run_inline: bool = False,
    rescore: bool = True,
) -> CreditBatch:
    """A batch pushed through the API: ``rows`` is a list of objects keyed by field code
    plus ``uscc`` and ``source_record_id``. Stored as a JSON file (its SHA-256 is the
    lineage) and run like an upload; a record's row number is its position in the list.
    ``run_inline``: run it in this process now instead of enqueuing the task, and
    ``rescore=False``: leave the rescoring to the caller (demo data, which scores once at the
    end)."""
    schema = _category_check(actor=actor, category=category)
    if not isinstance(rows, list) or not rows:
        raise ApplicationError.invalid(
            {"records": [_("请提供至少一条记录（records 为对象数组）。")]}
        )
    if len(rows) > API_MAX_RECORDS:
        raise ApplicationError.invalid(
            {
                "records": [
                    _("每批最多 %(max)s 条记录，更多请拆分或以文件上传。")
                    % {"max": API_MAX_RECORDS}
                ]
            }
        )
    bad = next((i for i, r in enumerate(rows, start=1) if not isinstance(r, dict)), None)
    if bad is not None:
        raise ApplicationError.invalid(
            {"records": [_('第%(n)s条记录不是对象（应为 {"字段代码": 值}）。') % {"n": bad}]}
        )
    keys = list(dict.fromkeys(key for record in rows for key in record))
    try:
        schema.match_header(keys)
    except IngestFileError as exc:
        raise ApplicationError.invalid({"records": [exc.message]}, message=exc.message) from exc
    payload = json.dumps({"category": category.code, "records": rows}, ensure_ascii=False)
    content = payload.encode()
    name = f"{category.code}-{timezone.localtime():%Y%m%d-%H%M%S}.json"
    batch = _batch_save(
        actor=actor,
        category=category,
        name=name,
        content=ContentFile(content),
        sha256=hashlib.sha256(content).hexdigest(),
        channel=BatchChannel.API,
        enqueue=not run_inline,
    )
    return credit_batch_run(batch=batch, rescore=rescore) if run_inline else batch


# --- run -----------------------------------------------------------------------------------


class CreditIngestSpec:
    """Credit ingestion as a client of :func:`kejin.ingest.runs.batch_run`; one per run
    (it keeps the run's checker, whose unmatched count the batch's summary needs)."""

    chunk_size = CHUNK_SIZE
    max_rows = CREDIT_MAX_ROWS

    def __init__(self) -> None:
        self.row_checker: CreditRowChecker | None = None
        self.schema: CategorySchema | None = None

    def _schema(self, batch: CreditBatch) -> CategorySchema:
        if self.schema is None:
            self.schema = CategorySchema.of(batch.category)
        return self.schema

    def table_open(self, batch: CreditBatch):
        return _batch_table(batch, self._schema(batch))

    def checker(self, batch: CreditBatch) -> CreditRowChecker:
        self.row_checker = CreditRowChecker(self._schema(batch))
        return self.row_checker

    def validate_chunk(self, *, batch, checker, records: list[CreditRow]):
        return records, []  # rows need nothing from the database to be valid

    def write_chunk(self, *, batch, checker, records: list[CreditRow]) -> ChunkResult:
        # Looked up at call time, so that a test can inject a fault into one chunk.
        return credit_chunk_write(batch=batch, checker=checker, records=records)

    def sort_errors(self, batch, errors: list[dict]) -> list[dict]:
        order = self._schema(batch).column_order()
        names = self._schema(batch).names()
        return sorted(
            errors,
            key=lambda e: (e["row"], order.get(names.get(normalise_header(e["column"]), ""), 99)),
        )

    def batch_audit_after(self, batch: CreditBatch, totals: ChunkResult) -> dict | None:
        """Also stores the batch's unmatched count and quality summary (inside the write
        transaction, so they commit with the records)."""
        unmatched = self.row_checker.unmatched if self.row_checker else 0
        accepted = totals.created + totals.updated + totals.unchanged
        quality = batch_quality_summary(
            errors=batch.errors, received=batch.total_rows, accepted=accepted, unmatched=unmatched
        )
        CreditBatch.objects.filter(pk=batch.pk).update(unmatched_count=unmatched, quality=quality)
        batch.unmatched_count, batch.quality = unmatched, quality
        return {
            "category": batch.category.code,
            "channel": batch.channel,
            "original_name": batch.original_name,
            "file_sha256": batch.file_sha256,
            "received": batch.total_rows,
            "created": totals.created,
            "updated": totals.updated,
            "unchanged": totals.unchanged,
            "rejected": batch.error_count,
            "unmatched": unmatched,
        }


@contextmanager
def _batch_table(batch: CreditBatch, schema: CategorySchema) -> Iterator:
    batch.file.open("rb")
    try:
        if batch.original_name.lower().endswith(".json"):
            with json_table_open(batch.file, match_header=schema.match_header) as table:
                yield table
        else:
            with table_open(
                batch.file, filename=batch.original_name, match_header=schema.match_header
            ) as table:
                yield table
    finally:
        batch.file.close()


def credit_batch_run(*, batch: CreditBatch, rescore: bool = True) -> CreditBatch:
    """Validate and write a pending batch (see :mod:`kejin.ingest.runs`), then match every
    unmatched record whose enterprise has been registered meanwhile and rescore, on commit,
    the enterprises whose records changed (all of them when records were matched).
    Idempotent: a batch that is not pending is left alone."""
    spec = CreditIngestSpec()
    batch = batch_run(batch=batch, spec=spec)
    if batch.status == BatchStatus.FAILED and not batch.quality:
        quality = batch_quality_summary(
            errors=batch.errors, received=batch.total_rows, accepted=0, unmatched=0
        )
        CreditBatch.objects.filter(pk=batch.pk).update(quality=quality)
        batch.quality = quality
    if batch.status == BatchStatus.DONE:
        matched = credit_records_match()
        changed = spec.row_checker.changed_enterprises if spec.row_checker else set()
        if not rescore:
            pass
        elif matched or len(changed) > RESCORE_IDS_MAX:
            credit_scores_refresh(enterprise_ids=None)
        elif changed:
            credit_scores_refresh(enterprise_ids=sorted(changed))
    return batch


def credit_batches_expire_stale() -> list[int]:
    """Fail the running batches whose worker died; their ids."""
    return batches_expire_stale(model=CreditBatch)


class _Insert:
    """The INSERT of new record versions, built once per chunk from the model's columns (so
    a column another part of the app adds gets its default without a change here)."""

    VARIABLE = (
        "source_record_id",
        "version",
        "uscc",
        "enterprise_id",
        "event_date",
        "data",
        "content_hash",
    )

    def __init__(self, batch: CreditBatch) -> None:
        meta = CreditRecord._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        json_cast = connection.vendor == "postgresql"
        constants = {
            "category_id": batch.category_id,
            "status": RecordStatus.CURRENT.value,
            "batch_id": batch.pk,
            "received_at": meta.get_field("received_at").get_db_prep_save(
                timezone.now(), connection
            ),
        }
        columns, placeholders, template = [], [], []
        for field in fields:
            columns.append(connection.ops.quote_name(str(field.column)))
            is_json = field.get_internal_type() == "JSONField"
            placeholders.append("CAST(%s AS jsonb)" if json_cast and is_json else "%s")
            if field.attname in constants:
                template.append(constants[field.attname])
            elif field.attname in self.VARIABLE:
                template.append(None)
            else:
                default = field.get_default()
                template.append(
                    json.dumps(default) if is_json else field.get_db_prep_save(default, connection)
                )
        names = [f.attname for f in fields]
        self.positions = [names.index(name) for name in self.VARIABLE]
        self.template = template
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            connection.ops.quote_name(meta.db_table), ", ".join(columns), ", ".join(placeholders)
        )

    def row(self, record: CreditRow, version: int, enterprise_id: int | None) -> list:
        values = self.template.copy()
        p = self.positions
        values[p[0]] = record.source_record_id
        values[p[1]] = version
        values[p[2]] = record.uscc
        values[p[3]] = enterprise_id
        values[p[4]] = record.event_date
        values[p[5]] = record.data
        values[p[6]] = record.content_hash
        return values


def _current_versions(category_id: int, source_ids: list[str]) -> dict[str, tuple]:
    """Source id → (pk, version, content hash) of the current versions among ``source_ids``
    (one query, rows locked on PostgreSQL). Plain SQL: the ORM would prepare every id."""
    quote = connection.ops.quote_name
    meta = CreditRecord._meta
    sql = (
        "SELECT {sid}, {pk}, {version}, {hash} FROM {table} "
        "WHERE {category} = %s AND {status} = %s AND {sid} IN ({params}){lock}"
    ).format(
        sid=quote("source_record_id"),
        pk=quote(str(meta.pk.column)),
        version=quote("version"),
        hash=quote("content_hash"),
        table=quote(meta.db_table),
        category=quote("category_id"),
        status=quote("status"),
        params=", ".join(["%s"] * len(source_ids)),
        lock=" FOR UPDATE" if connection.features.has_select_for_update else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [category_id, RecordStatus.CURRENT.value, *source_ids])
        return {sid: (pk, version, content_hash) for sid, pk, version, content_hash in cursor}


def _enterprise_ids(usccs: set[str]) -> dict[str, int]:
    """USCC → enterprise id for those registered (one query). Plain SQL: the codes are
    already normalised and checked, and the ORM would normalise each again."""
    if not usccs:
        return {}
    meta = Enterprise._meta
    sql = "SELECT {uscc}, {pk} FROM {table} WHERE {uscc} IN ({params})".format(
        uscc=connection.ops.quote_name(str(meta.get_field("uscc").column)),
        pk=connection.ops.quote_name(str(meta.pk.column)),
        table=connection.ops.quote_name(meta.db_table),
        params=", ".join(["%s"] * len(usccs)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(usccs))
        return dict(cursor.fetchall())


def credit_chunk_write(
    *, batch: CreditBatch, checker: CreditRowChecker, records: list[CreditRow]
) -> ChunkResult:
    """Phase 2 for one chunk, inside the batch's transaction (see the module docstring)."""
    result = ChunkResult()
    if not records:
        return result
    current = _current_versions(batch.category_id, [r.source_record_id for r in records])
    enterprises = _enterprise_ids({r.uscc for r in records})
    insert = _Insert(batch)
    rows, superseded = [], []
    unmatched = 0
    for record in records:
        enterprise_id = enterprises.get(record.uscc)
        if enterprise_id is None:
            unmatched += 1
        stored = current.get(record.source_record_id)
        if stored is None:
            rows.append(insert.row(record, 1, enterprise_id))
            result.created += 1
            if enterprise_id is not None:
                checker.changed_enterprises.add(enterprise_id)
        elif stored[2] == record.content_hash:
            result.unchanged += 1
        else:
            superseded.append(stored[0])
            rows.append(insert.row(record, stored[1] + 1, enterprise_id))
            result.updated += 1
            if enterprise_id is not None:
                checker.changed_enterprises.add(enterprise_id)
    if superseded:
        CreditRecord.objects.filter(pk__in=superseded).update(status=RecordStatus.SUPERSEDED)
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(insert.sql, rows)
    checker.unmatched += unmatched
    return result


def credit_records_match(*, enterprise_ids=None) -> int:
    """Attach every unmatched record (all versions) to the enterprise its USCC names, if one
    is registered now; ``enterprise_ids`` limits it to those enterprises (e.g. just
    created). One UPDATE; returns the number of records matched. Run at the end of every
    batch, nightly (``credit_records_match`` command / task) and after enterprises are
    registered."""
    enterprises = Enterprise.objects.all()
    if enterprise_ids is not None:
        ids = list(enterprise_ids)
        if len(ids) <= MATCH_IDS_MAX:  # beyond, matching them all is one statement too
            enterprises = enterprises.filter(pk__in=ids)
    with transaction.atomic():
        return CreditRecord.objects.filter(
            enterprise__isnull=True, uscc__in=enterprises.values("uscc")
        ).update(
            enterprise_id=Subquery(
                Enterprise.objects.filter(uscc=OuterRef("uscc")).values("pk")[:1]
            )
        )
