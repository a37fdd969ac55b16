"""Reading an uploaded enterprise import file: the shared tabular reader
(:mod:`kejin.ingest.readers`) with this import's header check.

The header row is checked against the columns the import kind accepts, and every problem
with it (missing required columns, unknown or repeated ones) is reported at once in an
:class:`ImportFileError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kejin.enterprises.choices import ImportKind
from kejin.enterprises.imports.columns import (
    FACT_COLUMNS,
    Column,
    accepted_columns,
    normalise_header,
    required_headers,
)
from kejin.ingest.readers import FORMATS, Table, file_format
from kejin.ingest.readers import IngestFileError as ImportFileError
from kejin.ingest.readers import table_open as _table_open

__all__ = ["FORMATS", "ImportFileError", "Table", "file_format", "match_headers", "table_open"]


@contextmanager
def table_open(fileobj, *, filename: str, kind: str) -> Iterator[Table]:
    """Open ``fileobj`` (a binary file) as a :class:`Table` for import ``kind``.

    Raises ImportFileError for an unreadable or unsafe file, an empty one, or a header row
    that does not fit ``kind``.
    """
    with _table_open(
        fileobj, filename=filename, match_header=lambda values: match_headers(values, kind)
    ) as table:
        yield table


def _quoted(names) -> str:
    return "、".join(f"“{name}”" for name in names)


def match_headers(values: tuple, kind: str) -> list[tuple[int, Column]]:
    """The columns of a header row of an import file of ``kind``, or ImportFileError naming
    every problem with it (and the other kind, when the file looks like one)."""
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
