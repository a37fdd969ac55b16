"""Reading an uploaded xlsx or csv file into rows keyed by header.

xlsx is read with openpyxl in read-only mode (first worksheet, values not formulas); csv
is decoded as UTF-8 (with or without BOM), then GB18030 (which covers GBK and GB2312, what
Excel and WPS save on Chinese Windows), or UTF-16 with its BOM ("Unicode text"). The header
row is the first row with any value; it is checked against the columns the import kind
accepts, and every problem with it (missing required columns, unknown or repeated ones) is
reported at once in an :class:`ImportFileError`. Row numbers are those the user sees in Excel.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from kejin.enterprises.choices import ImportKind
from kejin.enterprises.imports.columns import (
    FACT_COLUMNS,
    Column,
    accepted_columns,
    normalise_header,
    required_headers,
)

FORMATS = ("xlsx", "csv")
_HEADER_SEARCH_ROWS = 20


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


@dataclass
class Table:
    """An opened import file: its columns and a one-pass iterator over its data rows."""

    header_row: int
    columns: list[tuple[int, Column]]
    estimated_rows: int | None
    _raw: Iterator[tuple[int, tuple]] = field(repr=False)

    @property
    def headers(self) -> list[str]:
        return [column.header for _index, column in self.columns]

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """``(row number, {header: value as read})`` for every data row with any value.

        Blank cells are None; csv values are strings, xlsx values what openpyxl gives
        (str, int, float, bool, datetime).
        """
        for number, values in self._raw:
            row = {}
            filled = False
            for index, column in self.columns:
                value = values[index] if index < len(values) else None
                if isinstance(value, str) and not value.strip():
                    value = None
                if value is not None:
                    filled = True
                row[column.header] = value
            if filled:
                yield number, row


def file_format(filename: str) -> str:
    """``"xlsx"`` or ``"csv"`` from the file name, or ImportFileError saying what is accepted."""
    name = (filename or "").lower()
    for fmt in FORMATS:
        if name.endswith("." + fmt):
            return fmt
    if name.endswith((".xls", ".et", ".wps")):
        raise ImportFileError(
            _("不支持旧版 Excel/WPS 表格格式，请在 Excel 或 WPS 中“另存为”.xlsx 或 .csv 后上传。")
        )
    raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件，请使用导入模板填写后上传。"))


@contextmanager
def table_open(fileobj, *, filename: str, kind: str) -> Iterator[Table]:
    """Open ``fileobj`` (a binary file) as a :class:`Table` for import ``kind``.

    Raises ImportFileError for an unreadable file, an empty one, or a header row that does
    not fit ``kind``.
    """
    fmt = file_format(filename)
    workbook = None
    if fmt == "xlsx":
        workbook, raw, estimate = _xlsx_rows(fileobj)
    else:
        raw, estimate = _csv_rows(fileobj)
    try:
        header_row, header_values = _header(raw)
        columns = _match_headers(header_values, kind)
        estimated = None if estimate is None else max(estimate - header_row, 0)
        yield Table(header_row=header_row, columns=columns, estimated_rows=estimated, _raw=raw)
    finally:
        if workbook is not None:
            workbook.close()


def _xlsx_rows(fileobj):
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            _(
                "无法读取该 xlsx 文件（文件可能已损坏或不是 Excel 文件），请在 Excel 或 WPS 中另存为 .xlsx 后重试。"
            )
        ) from exc
    sheet = workbook.worksheets[0]
    # The dimension Excel records gives the progress estimate; reading then ignores it, as
    # some programs write a wrong one and openpyxl would stop at it.
    estimate = sheet.max_row if sheet.max_row and sheet.max_row > 1 else None
    sheet.reset_dimensions()
    return workbook, enumerate(sheet.iter_rows(values_only=True), start=1), estimate


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _("无法识别 csv 文件的编码，请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。")
    )


def _csv_rows(fileobj):
    data = fileobj.read()
    text = _decode(data) if isinstance(data, bytes) else data
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = ((number, tuple(values)) for number, values in enumerate(reader, start=1))
    return rows, text.count("\n") + (0 if text.endswith("\n") else 1)


def _header(raw) -> tuple[int, tuple]:
    for number, values in raw:
        if any(v is not None and str(v).strip() for v in values):
            return number, values
        if number >= _HEADER_SEARCH_ROWS:
            break
    raise ImportFileError(
        _("文件中没有找到表头，请使用导入模板：第1行为列名，第2行起每行一家企业。")
    )


def _quoted(names) -> str:
    return "、".join(f"“{name}”" for name in names)


def _match_headers(values: tuple, kind: str) -> list[tuple[int, Column]]:
    accepted = {normalise_header(c.header): c for c in accepted_columns(kind)}
    columns: list[tuple[int, Column]] = []
    present: set[str] = set()
    unknown, repeated = [], []
    for index, value in enumerate(values):
        key = normalise_header(value)
        if not key:
            continue
        column = accepted.get(key)
        if column is None:
            unknown.append(f"{str(value).strip()}（{get_column_letter(index + 1)}列）")
        elif key in present:
            repeated.append(column.header)
        else:
            present.add(key)
            columns.append((index, column))
    missing = [h for h in required_headers(kind, present) if normalise_header(h) not in present]
    no_facts = kind == ImportKind.ANNUAL_FACTS and not any(
        normalise_header(c.header) in present for c in FACT_COLUMNS
    )
    if not (missing or unknown or repeated or no_facts):
        return columns

    problems = []
    if missing:
        problems.append(_("缺少必填列 %(names)s") % {"names": _quoted(missing)})
    if no_facts:
        problems.append(_("没有任何年度数据列（如“职工总数(人)”“销售收入(元)”）"))
    if unknown:
        problems.append(_("无法识别的列 %(names)s") % {"names": _quoted(unknown)})
    if repeated:
        problems.append(_("重复的列 %(names)s") % {"names": _quoted(repeated)})
    message = _("表头有误：%(problems)s。请使用导入模板中的列名（可在导入页面下载模板）。") % {
        "problems": "；".join(problems)
    }
    other = ImportKind.ANNUAL_FACTS if kind == ImportKind.ENTERPRISES else ImportKind.ENTERPRISES
    other_accepted = {normalise_header(c.header) for c in accepted_columns(other)}
    given = {normalise_header(v) for v in values} - {""}
    if (missing or unknown) and given <= other_accepted:
        message += _("该文件看起来是“%(other)s”文件，请在上传时选择该导入类型。") % {
            "other": ImportKind(other).label
        }
    raise ImportFileError(message)
