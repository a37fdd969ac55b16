"""Checking an upload before it is stored as a batch, and enqueueing the batch's run."""

from __future__ import annotations

import os

from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.ingest.readers import HeaderMatcher, IngestFileError, file_format, table_open


def upload_check(*, uploaded_file, max_bytes: int, match_header: HeaderMatcher) -> str:
    """The upload's file name (base name, at most 255 characters) once the file is known to
    be small enough, of an accepted format, safe to open and with a header ``match_header``
    accepts; otherwise ``ApplicationError.invalid`` on the field ``file`` and nothing is
    stored. Only the header is read; rows are checked when the batch runs."""
    if uploaded_file is None:
        raise ApplicationError.invalid({"file": [_("请选择要上传的文件。")]})
    name = os.path.basename(uploaded_file.name or "")[-255:]
    if uploaded_file.size > max_bytes:
        raise ApplicationError.invalid(
            {"file": [_("文件不能超过 %(mb)s MB，请拆分后分批导入。") % {"mb": max_bytes // 2**20}]}
        )
    try:
        file_format(name)
        uploaded_file.seek(0)
        with table_open(uploaded_file, filename=name, match_header=match_header):
            pass
    except IngestFileError as exc:
        raise ApplicationError.invalid({"file": [exc.message]}, message=exc.message) from exc
    finally:
        uploaded_file.seek(0)
    return name


def batch_enqueue_on_commit(task, batch_id: int) -> None:
    """Run ``task`` (a Celery task taking the batch id) once the current transaction commits:
    the worker then sees the batch. Eager without a broker."""
    transaction.on_commit(lambda: task.delay(batch_id))
