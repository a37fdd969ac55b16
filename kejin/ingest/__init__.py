"""The ingestion framework: files of rows in, validated, upserted, audited, reported.

Used by every module that takes files (the enterprise directory import today; credit batches,
institution reports and department series next). It imports only ``kejin.core``, Django,
openpyxl and polars; it owns no table.

Modules
-------
``readers``   :func:`~kejin.ingest.readers.table_open` reads an xlsx/csv upload into rows
              keyed by header, and refuses hostile or broken files (zip bombs, no worksheet,
              unknown encodings, oversized csv fields) with an ``IngestFileError`` whose
              message says what to do — never another exception.
``models``    :class:`~kejin.ingest.models.IngestBatch`, the abstract batch model (file,
              uploader, status, counters, row errors, failure, heartbeat).
``runs``      :func:`~kejin.ingest.runs.batch_run`: claim → validate → write → finish/fail.
``leases``    :class:`~kejin.ingest.leases.Lease`: claim, heartbeat, conditional finish and
              stale expiry for any model with a status (batches, evaluation runs).
``sweep``     :func:`~kejin.ingest.sweep.ingest_sweep_stale`: fail every stale batch of every
              ``IngestBatch`` model (and the runs of ``OTHER_SWEEPS``), on a schedule
              (``manage.py ingest_sweep_stale``, task ``ingest.sweep_stale``).
``audit``     :class:`~kejin.ingest.audit.RowAuditLog`: one AuditEvent per created/changed
              row (before/after), bulk-created per chunk in the write transaction.
``reports``   :func:`~kejin.ingest.reports.errors_workbook`: the 行号/列/值/原因 xlsx.
``uploads``   :func:`~kejin.ingest.uploads.upload_check` (size, format, safety, header of an
              upload, as ``ApplicationError.invalid`` on ``file``) and
              :func:`~kejin.ingest.uploads.batch_enqueue_on_commit`.

Contract of a client (what a new importer writes)
-------------------------------------------------
1. **A batch model** inheriting ``IngestBatch`` in the client's app (add its own fields, e.g.
   a kind or a scope) and its migration.
2. **A spec** — an object with (see :class:`~kejin.ingest.runs.IngestSpec`):

   - ``chunk_size`` (rows per validate/write chunk, e.g. ``runs.CHUNK_SIZE``), ``max_rows``;
   - ``table_open(batch)`` → a context manager yielding a ``Table`` (usually the stored file
     through :func:`~kejin.ingest.readers.table_open` with the client's ``match_header``,
     which maps the header row to column objects with a ``header`` attribute or raises
     ``IngestFileError``);
   - ``checker(batch)`` → an object with ``parse_row(number, values) -> (record | None,
     errors)``: one row checked on its own, no database; it may remember keys seen so far;
   - ``validate_chunk(*, batch, checker, records) -> (valid, errors)``: a chunk checked
     against the database (a few queries per chunk, never per row);
   - ``write_chunk(*, batch, checker, records) -> ChunkResult``: inside the batch's
     transaction, lock and re-read the stored rows, re-check, bulk-create/bulk-update, and
     log each created/changed row in a ``RowAuditLog`` saved once per chunk; count rows as
     created / updated / unchanged (unchanged rows are not written: re-importing a file
     changes nothing);
   - ``sort_errors(batch, errors)`` (row, then column order);
   - ``batch_audit_after(batch, totals) -> dict | None``: the batch-level audit event's
     ``after`` (None: no event, e.g. when nothing changed).

   Errors are ``{"row", "column", "value", "reason"}`` with the row number the user sees in
   Excel and a Chinese reason that says what to do.
3. **Services**: ``<thing>_batch_create`` (permission check, ``upload_check`` so that a
   too large, unsafe or badly headed file is refused before anything is stored, save the
   batch, ``batch_enqueue_on_commit``) and ``<thing>_batch_run`` calling
   ``batch_run(batch=..., spec=...)``.
4. **A Celery task** that loads the batch and calls the run service (idempotent: the claim is
   a conditional UPDATE, a batch not pending is left alone).
5. **Reads**: before listing or showing batches, call
   :func:`~kejin.ingest.runs.batches_expire_stale` so a batch whose worker died shows failed.

Guarantees of ``batch_run``: one worker per batch (conditional claim); progress and a
heartbeat saved after every validated chunk; all-or-nothing write (any exception rolls the
whole write back and fails the batch with the reason, keeping the row errors found); a worker
whose lease expired while it wrote cannot commit (conditional finish).
"""
