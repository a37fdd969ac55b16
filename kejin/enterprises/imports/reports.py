"""The error report of an import batch: an xlsx of 行号, 列, 值, 原因, one line per problem
(built by :mod:`kejin.ingest.reports`)."""

from __future__ import annotations

import os

from django.utils.translation import gettext as _

from kejin.enterprises.models import ImportBatch
from kejin.ingest.reports import ERROR_REPORT_HEADERS, errors_workbook

__all__ = ["ERROR_REPORT_HEADERS", "import_errors_filename", "import_errors_workbook"]


def import_errors_filename(batch: ImportBatch) -> str:
    stem = os.path.splitext(batch.original_name)[0] or str(batch.pk)
    return _("导入错误报告-%(id)s-%(name)s.xlsx") % {"id": batch.pk, "name": stem}


def import_errors_workbook(batch: ImportBatch) -> bytes:
    """The batch's errors as xlsx bytes; values are text cells, never formulas."""
    return errors_workbook(batch.errors or [])
