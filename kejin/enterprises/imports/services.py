"""Import batches: upload a file (:func:`import_batch_create`) and run it (:func:`import_batch_run`).

The enterprise import is a client of the shared ingestion framework (:mod:`kejin.ingest`):
the framework owns the batch lifecycle (conditional claim, validate then write, progress and
heartbeat, row errors, fault safety, stale-batch expiry); :class:`EnterpriseImportSpec` says
what is specific to this import: the columns, the row checks (``validation``), and the upsert
of a chunk (:func:`import_chunk_write`).

Rows are upserted by USCC (enterprises) and USCC + year (annual facts), a chunk at a time
with bulk operations and two or three queries per chunk (no per-row queries). A row whose
values all equal what is stored is counted as unchanged and not written, so re-importing a
file changes nothing. Every created or changed enterprise and facts row gets its own
AuditEvent (before/after of the changed fields, action ``import``), written with one
``bulk_create`` per chunk in the batch's transaction; the batch gets one more event with its
counters (only when something was created or updated).

Blank cells never erase stored values: a blank optional column leaves the stored value as
it is. Each fact a batch changes gets provenance ``{"source": "import", "detail": "<batch
id>", "as_of": "<year>-12-31"}``; a fact whose value is unchanged keeps its provenance.
Annual facts rows must name an enterprise registered before the batch runs (an enterprises
file may carry facts columns to register both at once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.enterprises.choices import FactSource, ImportKind
from kejin.enterprises.imports.columns import FACT_FIELDS, accepted_columns
from kejin.enterprises.imports.readers import Table, match_headers, table_open
from kejin.enterprises.imports.tasks import import_batch_run_task
from kejin.enterprises.imports.validation import (
    ChunkState,
    Reference,
    RowRecord,
    RowValidator,
)
from kejin.enterprises.models import AnnualFacts, Enterprise, ImportBatch
from kejin.enterprises.permissions import import_batch_can_create
from kejin.enterprises.registered import enterprises_registered_on_commit
from kejin.ingest.audit import RowAuditLog
from kejin.ingest.runs import CHUNK_SIZE, ChunkResult, batch_run, batches_expire_stale
from kejin.ingest.uploads import batch_enqueue_on_commit, upload_check

logger = logging.getLogger(__name__)

IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_BYTES = 50 * 1024 * 1024

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
    anything is stored. Not audited itself: the run writes an AuditEvent per created or
    changed row and one for the batch.
    Without a Celery broker the run happens in-process before this returns.
    """
    require(import_batch_can_create, user=actor)
    if kind not in ImportKind.values:
        raise ApplicationError.invalid({"kind": [_("请选择导入类型：企业名录或企业年度数据。")]})
    name = upload_check(
        uploaded_file=uploaded_file,
        max_bytes=IMPORT_MAX_BYTES,
        match_header=lambda values: match_headers(values, kind),
    )

    with transaction.atomic():
        batch = ImportBatch(
            kind=kind,
            original_name=name,
            uploaded_by=actor,
            county_id=None if actor.sees_whole_city else actor.county_id,
        )
        batch.file.save(name, uploaded_file, save=False)
        batch.save()
        batch_enqueue_on_commit(import_batch_run_task, batch.pk)
    batch.refresh_from_db()
    return batch


# --- run -----------------------------------------------------------------------------------


class EnterpriseImportSpec:
    """The enterprise import as a client of :func:`kejin.ingest.runs.batch_run`."""

    chunk_size = CHUNK_SIZE
    max_rows = IMPORT_MAX_ROWS

    def table_open(self, batch: ImportBatch):
        return _batch_table(batch)

    def checker(self, batch: ImportBatch) -> RowValidator:
        return RowValidator(kind=batch.kind, county_id=batch.county_id, reference=Reference.load())

    def validate_chunk(self, *, batch, checker: RowValidator, records: list[RowRecord]):
        valid, errors = checker.check_chunk(records, _chunk_state(records))
        for record in valid:
            record.raw = None  # no longer needed; keeps memory to the cleaned values
        return valid, errors

    def write_chunk(self, *, batch, checker: RowValidator, records: list[RowRecord]):
        # Looked up at call time, so that tests can inject a fault into one chunk.
        return import_chunk_write(batch=batch, validator=checker, records=records)

    def sort_errors(self, batch: ImportBatch, errors: list[dict]) -> list[dict]:
        order = _COLUMN_ORDER[batch.kind]
        return sorted(errors, key=lambda e: (e["row"], order.get(e["column"], 99)))

    def batch_audit_after(self, batch: ImportBatch, totals: ChunkResult) -> dict | None:
        if not (totals.created or totals.updated):
            return None
        return {
            "kind": batch.kind,
            "original_name": batch.original_name,
            "county": batch.county_id,
            "total_rows": batch.total_rows,
            "created": totals.created,
            "updated": totals.updated,
            "unchanged": totals.unchanged,
            "rejected": batch.error_count,
        }


@contextmanager
def _batch_table(batch: ImportBatch) -> Iterator[Table]:
    """The batch's stored file opened as a table."""
    batch.file.open("rb")
    try:
        with table_open(batch.file, filename=batch.original_name, kind=batch.kind) as table:
            yield table
    finally:
        batch.file.close()


ENTERPRISE_IMPORT = EnterpriseImportSpec()


def import_batch_run(*, batch: ImportBatch) -> ImportBatch:
    """Validate and write a pending batch (see :mod:`kejin.ingest.runs`). Idempotent: a batch
    that is not pending (already run, or being run by another worker) is left alone."""
    return batch_run(batch=batch, spec=ENTERPRISE_IMPORT)


def import_batches_expire_stale() -> list[int]:
    """Fail the running batches whose worker died (no heartbeat for too long); their ids."""
    return batches_expire_stale(model=ImportBatch)


def _chunk_state(records: list[RowRecord]) -> ChunkState:
    """The stored rows a chunk is checked against: two queries."""
    state = ChunkState()
    for pk, uscc, county_id in Enterprise.objects.filter(
        uscc__in=[r.uscc for r in records]
    ).values_list("pk", "uscc", "county_id"):
        state.enterprises[uscc] = (pk, county_id)
    ids = {state.enterprises[r.uscc][0] for r in records if r.facts and r.uscc in state.enterprises}
    years = {r.year for r in records if r.facts and r.year is not None}
    if ids:
        for row in AnnualFacts.objects.filter(enterprise_id__in=ids, year__in=years).values(
            "enterprise_id", "year", *FACT_FIELDS
        ):
            state.facts[(row.pop("enterprise_id"), row.pop("year"))] = row
    return state


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
    batch may have written since validation), then bulk-create the new rows, bulk-update
    the changed ones and bulk-create one AuditEvent per created or changed row. Unchanged
    rows are not written."""
    result = ChunkResult()
    log = RowAuditLog(actor=batch.uploaded_by)
    enterprises = {
        e.uscc: e
        for e in Enterprise.objects.select_for_update().filter(uscc__in=[r.uscc for r in records])
    }
    ids = {enterprises[r.uscc].pk for r in records if r.facts and r.uscc in enterprises}
    years = {r.year for r in records if r.facts and r.year is not None}
    stored_facts: dict[tuple[int, int], AnnualFacts] = {}
    if ids:
        for stored in AnnualFacts.objects.select_for_update().filter(
            enterprise_id__in=ids, year__in=years
        ):
            stored_facts[(stored.enterprise_id, stored.year)] = stored
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
        new: list[Enterprise] = []
        changed: list[Enterprise] = []
        changed_fields: set[str] = set()
        audited: list[tuple[Enterprise, dict]] = []
        for record in records:
            values = record.enterprise or {}  # every row of an enterprises file has them
            enterprise = enterprises.get(record.uscc)
            if enterprise is None:
                enterprise = Enterprise(uscc=record.uscc, **values)
                enterprises[record.uscc] = enterprise
                new.append(enterprise)
                outcome[record.row] = _CREATED
                continue
            before = _enterprise_apply(enterprise, values, validator.reference, log)
            if before:
                enterprise.updated_at = now
                changed.append(enterprise)
                changed_fields.update(before)
                audited.append((enterprise, before))
                outcome[record.row] = _UPDATED
            else:
                outcome[record.row] = _UNCHANGED
        Enterprise.objects.bulk_create(new)
        enterprises_registered_on_commit(e.pk for e in new)
        if changed:
            Enterprise.objects.bulk_update(changed, [*sorted(changed_fields), "updated_at"])
        for enterprise in new:
            log.created(enterprise, ["uscc", *_ENTERPRISE_FIELDS])
        for enterprise, before in audited:
            log.updated(enterprise, before)

    new_facts: list[AnnualFacts] = []
    changed_facts: list[AnnualFacts] = []
    changed_names: set[str] = set()
    audited_facts: list[tuple[AnnualFacts, dict]] = []
    for record in records:
        if not record.facts or record.year is None:  # facts always come with their year
            continue
        enterprise = enterprises[record.uscc]
        enterprise_id = enterprise.pk
        source = {
            "source": FactSource.IMPORT.value,
            "detail": str(batch.pk),
            "as_of": f"{record.year}-12-31",
        }
        facts = stored_facts.get((enterprise_id, record.year))
        if facts is None:
            new_facts.append(
                AnnualFacts(
                    enterprise=enterprise,
                    year=record.year,
                    provenance={name: dict(source) for name in record.facts},
                    **record.facts,
                )
            )
            outcome[record.row] = _CREATED
            continue
        names = [name for name, value in record.facts.items() if getattr(facts, name) != value]
        if names:
            facts.enterprise = enterprise  # named in the audit event, without a query
            audited_facts.append((facts, log.snapshot(facts, names)))
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
    for facts in new_facts:
        log.created(facts, ["enterprise", "year", *facts.provenance])
    for facts, before in audited_facts:
        log.updated(facts, before)
    log.save()

    for value in outcome.values():
        if value == _CREATED:
            result.created += 1
        elif value == _UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _enterprise_apply(
    enterprise: Enterprise, values: dict, reference: Reference, log: RowAuditLog
) -> dict:
    """Set ``values`` on ``enterprise``; the changed fields' values before (a snapshot
    keyed by field name, empty if nothing changed).

    A blank zone keeps the stored zone unless the enterprise moves to a county the zone does
    not belong to, where it is cleared.
    """
    values = dict(values)
    if "zone_id" not in values and enterprise.zone_id is not None:
        county_id = values.get("county_id", enterprise.county_id)
        if reference.zone_counties.get(enterprise.zone_id) != county_id:
            values["zone_id"] = None
    changed = [name for name, value in values.items() if getattr(enterprise, name) != value]
    before = log.snapshot(enterprise, changed)
    for name in changed:
        setattr(enterprise, name, values[name])
    return before
