"""The shared tabular reader: real files built in tmp_path, including hostile ones. Every
bad input ends in an IngestFileError with a message that says what to do, never in another
exception (which would be a 500 on the upload page and API)."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest

from kejin.ingest.readers import (
    XLSX_MAX_EXPANDED_BYTES,
    IngestFileError,
    table_open,
)


@dataclass(frozen=True)
class Col:
    header: str


def match_any(values: tuple) -> list[tuple[int, Col]]:
    """A client that accepts every non-blank header."""
    return [(i, Col(str(v))) for i, v in enumerate(values) if v is not None and str(v).strip()]


def read_all(path) -> list[tuple[int, dict]]:
    with (
        path.open("rb") as handle,
        table_open(handle, filename=path.name, match_header=match_any) as table,
    ):
        return list(table.rows())


def refusal(path) -> str:
    with pytest.raises(IngestFileError) as caught:
        read_all(path)
    return caught.value.message


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_rewritten(tmp_path, name, *, drop=(), replace=None, add=None):
    """A valid xlsx with members dropped, replaced ({name: bytes}) or added
    ({name: (chunk, times)} streamed, so that huge members are built without the memory)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["代码", "名称"], ["1", "甲"]])))
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for member in source.namelist():
            if member in drop or member in (add or {}):
                continue
            data = source.read(member)
            if replace and member in replace:
                data = replace[member](data)
            target.writestr(member, data)
        for member, (chunk, times) in (add or {}).items():
            with target.open(member, "w", force_zip64=True) as stream:
                for _ in range(times):
                    stream.write(chunk)
    return path


XLSX_UNREADABLE = "无法读取该 xlsx 文件（文件可能已损坏或不是 Excel 文件），请在 Excel 或 WPS 中另存为 .xlsx 后重试。"
CSV_ENCODING = "无法识别 csv 文件的编码，请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。"
TOO_LARGE = (
    "该 xlsx 文件解压后过大（超过 256 MB）或压缩比异常，已拒绝读取。"
    "请删除多余的工作表、格式和空白行，或另存为 .csv 后分批上传。"
)


def test_a_plain_xlsx_and_csv_are_read_by_header(tmp_path):
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_bytes(xlsx_bytes([["代码", "名称"], ["1", "甲"], [None, None], ["2", None]]))
    path = tmp_path / "a.csv"
    path.write_text("代码,名称\n1,甲\n,\n2,\n", encoding="utf-8")

    assert read_all(xlsx) == [(2, {"代码": "1", "名称": "甲"}), (4, {"代码": "2", "名称": None})]
    assert read_all(path) == [(2, {"代码": "1", "名称": "甲"}), (4, {"代码": "2", "名称": None})]


def test_an_xlsx_without_worksheets_is_refused(tmp_path):
    path = xlsx_rewritten(
        tmp_path,
        "无工作表.xlsx",
        drop=("xl/worksheets/sheet1.xml",),
        replace={"xl/workbook.xml": lambda d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d)},
    )

    assert refusal(path) == (
        "该 xlsx 文件中没有工作表，请把数据填在第一个工作表中（可使用导入模板）后重试。"
    )


def test_an_xlsx_with_broken_sheet_xml_is_refused(tmp_path):
    path = xlsx_rewritten(
        tmp_path,
        "坏XML.xlsx",
        replace={"xl/worksheets/sheet1.xml": lambda d: d[: len(d) // 2]},
    )

    assert refusal(path) == XLSX_UNREADABLE


def test_a_file_that_is_not_a_zip_is_refused_as_xlsx(tmp_path):
    path = tmp_path / "假的.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip" * 10)

    assert refusal(path) == XLSX_UNREADABLE


def test_shared_strings_expanding_to_hundreds_of_mb_are_refused_before_expansion(tmp_path):
    # Given an xlsx whose sharedStrings.xml expands to 300 MB (it compresses to well under 1 MB).
    chunk = b"<si><t>" + b"A" * (1024 * 1024 - 16) + b"</t></si>"
    path = xlsx_rewritten(tmp_path, "炸弹.xlsx", add={"xl/sharedStrings.xml": (chunk, 300)})
    assert path.stat().st_size < 2 * 1024 * 1024
    assert 300 * len(chunk) > XLSX_MAX_EXPANDED_BYTES

    tracemalloc.start()
    try:
        message = refusal(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message == TOO_LARGE
    assert peak < 5 * 1024 * 1024  # nothing was expanded


def test_a_member_compressed_far_better_than_any_real_sheet_is_refused(tmp_path):
    # 20 MB of one repeated byte: under the total cap, but a ratio of ~1000:1.
    path = xlsx_rewritten(
        tmp_path, "高压缩比.xlsx", add={"xl/media/padding.bin": (b"\0" * 1024 * 1024, 20)}
    )

    assert refusal(path) == TOO_LARGE


def test_utf16_csv_of_odd_length_is_refused(tmp_path):
    path = tmp_path / "奇数.csv"
    path.write_bytes(b"\xff\xfe" + "代码,名称\r\n1,甲\r\n".encode("utf-16-le") + b"\x41")

    assert refusal(path) == CSV_ENCODING


def test_a_utf16_csv_with_its_bom_is_read(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("代码\t名称\r\n1\t甲\r\n".encode("utf-16"))

    assert read_all(path) == [(2, {"代码": "1", "名称": "甲"})]


def test_bytes_in_no_known_encoding_are_refused(tmp_path):
    path = tmp_path / "乱码.csv"
    path.write_bytes(b"\x80\x80\x80,\x81\xff\n" * 20)

    assert refusal(path) == CSV_ENCODING


def test_a_binary_file_named_csv_is_refused(tmp_path):
    path = tmp_path / "图片.csv"
    path.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" * 8)

    assert refusal(path) == (
        "csv 文件中含有空字符（可能不是文本文件），请在 Excel 或 WPS 中另存为“CSV UTF-8”后重试。"
    )


OVERSIZED = (
    "csv 文件中有单元格内容过长（超过 131072 个字符）或引号不配对，无法读取。"
    "请检查是否有未闭合的双引号，或在 Excel 或 WPS 中另存为 .xlsx 后重试。"
)


def test_a_field_beyond_the_csv_limit_is_refused_in_the_header(tmp_path):
    assert csv.field_size_limit() == 131072
    path = tmp_path / "超长表头.csv"
    path.write_text("代码," + "名" * 200_000 + "\n1,甲\n", encoding="utf-8")

    assert refusal(path) == OVERSIZED


def test_an_unclosed_quote_swallowing_the_file_is_refused_while_reading_rows(tmp_path):
    path = tmp_path / "引号.csv"
    path.write_text('代码,名称\n1,"甲\n' + "2,乙\n" * 40_000, encoding="utf-8")

    with (
        path.open("rb") as handle,
        table_open(handle, filename=path.name, match_header=match_any) as table,
        pytest.raises(IngestFileError) as caught,
    ):
        list(table.rows())

    assert caught.value.message == OVERSIZED
