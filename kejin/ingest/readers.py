"""Reading an uploaded xlsx or csv file into rows keyed by header, refusing what would hurt.

xlsx is read with openpyxl in read-only mode (first worksheet, values not formulas); csv
is decoded as UTF-8 (with or without BOM), then GB18030 (which covers GBK and GB2312, what
Excel and WPS save on Chinese Windows), or UTF-16 with its BOM ("Unicode text"). The header
row is the first row with any value; the client's ``match_header`` turns it into the columns
it accepts (or raises :class:`IngestFileError` naming every problem). Row numbers are those
the user sees in Excel.

No input makes the reader fail with anything but :class:`IngestFileError` (a message that
says what is wrong and what to do):

- an xlsx is checked as a zip before openpyxl opens it: the members' declared uncompressed
  sizes must stay under :data:`XLSX_MAX_EXPANDED_BYTES` in total and no large member may
  compress better than :data:`XLSX_MAX_RATIO` (a "zip bomb" such as shared strings that
  expand to hundreds of MB is refused before anything is expanded; Python's zipfile never
  yields more than a member's declared size, so the declaration is binding);
- an xlsx without worksheets, with broken XML, or that openpyxl cannot read otherwise;
- a csv that is not text in a known encoding (including UTF-16 of odd length), or whose
  fields exceed the csv module's limit.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv")
HEADER_SEARCH_ROWS = 20
XLSX_MAX_EXPANDED_BYTES = 256 * 1024 * 1024
XLSX_MAX_RATIO = 200
_RATIO_CHECKED_FROM = 4 * 1024 * 1024  # small members may compress as well as they like

HeaderMatcher = Callable[[tuple], list[tuple[int, Any]]]


class IngestFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


@dataclass
class Table:
    """An opened file: its columns (each with a ``header``) and a one-pass iterator over
    its data rows."""

    header_row: int
    columns: list[tuple[int, Any]]
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
    """``"xlsx"`` or ``"csv"`` from the file name, or IngestFileError saying what is accepted."""
    name = (filename or "").lower()
    for fmt in FORMATS:
        if name.endswith("." + fmt):
            return fmt
    if name.endswith((".xls", ".et", ".wps")):
        raise IngestFileError(
            _("不支持旧版 Excel/WPS 表格格式，请在 Excel 或 WPS 中“另存为”.xlsx 或 .csv 后上传。")
        )
    raise IngestFileError(_("只能导入 .xlsx 或 .csv 文件，请使用导入模板填写后上传。"))


@contextmanager
def table_open(fileobj, *, filename: str, match_header: HeaderMatcher) -> Iterator[Table]:
    """Open ``fileobj`` (a binary file) as a :class:`Table`.

    Raises IngestFileError for an unreadable or unsafe file, an empty one, or a header row
    that ``match_header`` refuses. Reading the rows later raises IngestFileError too.
    """
    fmt = file_format(filename)
    workbook = None
    if fmt == "xlsx":
        workbook, raw, estimate = _xlsx_rows(fileobj)
    else:
        raw, estimate = _csv_rows(fileobj)
    try:
        header_row, header_values = _header(raw)
        columns = match_header(header_values)
        estimated = None if estimate is None else max(estimate - header_row, 0)
        yield Table(header_row=header_row, columns=columns, estimated_rows=estimated, _raw=raw)
    finally:
        if workbook is not None:
            workbook.close()


def _unreadable_xlsx() -> IngestFileError:
    return IngestFileError(
        _(
            "无法读取该 xlsx 文件（文件可能已损坏或不是 Excel 文件），请在 Excel 或 WPS 中另存为 .xlsx 后重试。"
        )
    )


def xlsx_check_expansion(fileobj) -> None:
    """Refuse an xlsx whose members would expand beyond the caps, before expanding any."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable_xlsx() from exc
    finally:
        fileobj.seek(0)
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > XLSX_MAX_EXPANDED_BYTES or (
            member.file_size > _RATIO_CHECKED_FROM and ratio > XLSX_MAX_RATIO
        ):
            raise IngestFileError(
                _(
                    "该 xlsx 文件解压后过大（超过 %(mb)s MB）或压缩比异常，已拒绝读取。"
                    "请删除多余的工作表、格式和空白行，或另存为 .csv 后分批上传。"
                )
                % {"mb": XLSX_MAX_EXPANDED_BYTES // 2**20}
            )


def _guarded(rows: Iterator, broken: Callable[[], IngestFileError]) -> Iterator:
    """``rows``, with any reading error turned into an IngestFileError."""
    try:
        yield from rows
    except IngestFileError:
        raise
    except Exception as exc:
        logger.info("unreadable table: %s: %s", type(exc).__name__, exc)
        raise broken() from exc


def _xlsx_rows(fileobj):
    xlsx_check_expansion(fileobj)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        logger.info("unreadable xlsx: %s: %s", type(exc).__name__, exc)
        raise _unreadable_xlsx() from exc
    if not workbook.worksheets:
        workbook.close()
        raise IngestFileError(
            _("该 xlsx 文件中没有工作表，请把数据填在第一个工作表中（可使用导入模板）后重试。")
        )
    try:
        sheet = workbook.worksheets[0]
        # The dimension Excel records gives the progress estimate; reading then ignores it,
        # as some programs write a wrong one and openpyxl would stop at it.
        estimate = sheet.max_row if sheet.max_row and sheet.max_row > 1 else None
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    except Exception as exc:
        workbook.close()
        raise _unreadable_xlsx() from exc
    return workbook, _guarded(rows, _unreadable_xlsx), estimate


def _unknown_encoding() -> IngestFileError:
    return IngestFileError(
        _("无法识别 csv 文件的编码，请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。")
    )


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # e.g. an odd number of bytes
            raise _unknown_encoding() from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unknown_encoding()


def _csv_unreadable() -> IngestFileError:
    return IngestFileError(
        _(
            "csv 文件中有单元格内容过长（超过 %(max)s 个字符）或引号不配对，无法读取。"
            "请检查是否有未闭合的双引号，或在 Excel 或 WPS 中另存为 .xlsx 后重试。"
        )
        % {"max": csv.field_size_limit()}
    )


def _csv_rows(fileobj):
    data = fileobj.read()
    text = _decode(data) if isinstance(data, bytes) else data
    if "\x00" in text:
        raise IngestFileError(
            _(
                "csv 文件中含有空字符（可能不是文本文件），请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。"
            )
        )
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows():
        try:
            for number, values in enumerate(reader, start=1):
                yield number, tuple(values)
        except csv.Error as exc:  # a field beyond csv.field_size_limit(), or broken quoting
            raise _csv_unreadable() from exc

    return _guarded(rows(), _csv_unreadable), text.count("\n") + (0 if text.endswith("\n") else 1)


def _header(raw) -> tuple[int, tuple]:
    for number, values in raw:
        if any(v is not None and str(v).strip() for v in values):
            return number, values
        if number >= HEADER_SEARCH_ROWS:
            break
    raise IngestFileError(
        _("文件中没有找到表头，请使用导入模板：第1行为列名，第2行起每行一家企业。")
    )
