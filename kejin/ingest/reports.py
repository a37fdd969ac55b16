"""The error report of a batch: an xlsx of 行号, 列, 值, 原因, one line per problem."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

ERROR_REPORT_HEADERS = ("行号", "列", "值", "原因")


def errors_workbook(errors: list[dict]) -> bytes:
    """``errors`` (``{"row", "column", "value", "reason"}``) as xlsx bytes. Values are always
    text cells, so a value such as "=1+1" from the uploaded file is shown as typed and never
    becomes a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误明细"))
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 28
    sheet.column_dimensions["D"].width = 90
    sheet.freeze_panes = "A2"
    header = []
    for title in ERROR_REPORT_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for problem in errors or []:
        row = [WriteOnlyCell(sheet, value=problem.get("row"))]
        for key in ("column", "value", "reason"):
            cell = WriteOnlyCell(sheet, value=str(problem.get(key, "")))
            cell.data_type = "s"
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
