"""The columns an import file may have: header, type, whether required, meaning, example.

The Chinese headers are the file format: they are what the templates write and what the
readers accept, in every interface language, so they are plain strings (never translated).
Readers match them ignoring whitespace, full-width/half-width parentheses and a ``*``
marker, so that "注册资本 （元）" is "注册资本(元)".

An enterprises file has the registry columns and may also carry ``年度`` and any annual
fact columns (a combined import: each row registers or updates the enterprise and, when a
year and facts are given, its facts for that year). An annual-facts file has the code, the
year and any fact columns; its enterprises must already be registered.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import polars as pl
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kejin.core.uscc import uscc_build
from kejin.enterprises.choices import ImportKind
from kejin.enterprises.facts import ANNUAL_FACTS

# Column types: how a cell is parsed and checked (see validation.parse_cell).
USCC = "uscc"
TEXT = "text"
COUNTY = "county"
ZONE = "zone"
INDUSTRY = "industry"
DATE = "date"
SIZE = "size"
MONEY = "money"
COUNT = "count"
SCORE = "score"
FLAG = "flag"
YEAR = "year"
NOTE = "note"  # read for the reader's benefit only, never imported

MAX_COUNT = 2_147_483_647  # PositiveIntegerField
MAX_SCORE = 100


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    field: str  # the model field it sets ("" for a note column)
    header: str
    type: str
    required: bool = False
    max_length: int | None = None
    meaning: str | Promise = ""
    example: object = None


USCC_COLUMN = Column(
    "uscc",
    "统一社会信用代码",
    USCC,
    required=True,
    meaning=_("营业执照上的18位统一社会信用代码，用于识别企业；已登记的企业按此代码更新"),
    example=uscc_build(region_code="330402", org_body="MA2B0000"),
)
ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    USCC_COLUMN,
    Column(
        "name",
        "企业名称",
        TEXT,
        required=True,
        max_length=128,
        meaning=_("营业执照上的企业名称"),
        example="嘉兴示例科技有限公司",
    ),
    Column(
        "county",
        "所在县(市、区)代码",
        COUNTY,
        required=True,
        meaning=_("企业实际所在县(市、区)的6位行政区划代码（GB/T 2260），见“代码表”"),
        example="330402",
    ),
    Column(
        "zone",
        "所在功能区代码",
        ZONE,
        meaning=_("企业所在功能区的代码，见“代码表”；须属于所在县(市、区)；不在功能区的留空"),
        example="",
    ),
    Column(
        "industry",
        "行业代码",
        INDUSTRY,
        required=True,
        meaning=_("国民经济行业分类（GB/T 4754-2017）门类字母或大类代码，如 C 或 39，见“代码表”"),
        example="39",
    ),
    Column(
        "founded_on",
        "成立日期",
        DATE,
        required=True,
        meaning=_("营业执照上的成立日期"),
        example="2018-05-20",
    ),
    Column(
        "size",
        "企业规模",
        SIZE,
        required=True,
        meaning=_("按《统计上大中小微型企业划分办法》划分的规模"),
        example="小型",
    ),
    Column(
        "registered_capital",
        "注册资本(元)",
        MONEY,
        required=True,
        meaning=_("注册资本，单位为元（500万元填 5000000）"),
        example="5000000",
    ),
    Column(
        "legal_representative",
        "法定代表人",
        TEXT,
        max_length=64,
        meaning=_("法定代表人姓名"),
        example="张三",
    ),
    Column(
        "address",
        "住所",
        TEXT,
        max_length=255,
        meaning=_("营业执照上的住所"),
        example="嘉兴市南湖区示例路1号",
    ),
    Column(
        "contact_phone",
        "联系电话",
        TEXT,
        max_length=32,
        meaning=_("联系电话"),
        example="0573-82000000",
    ),
    Column("business_scope", "经营范围", TEXT, meaning=_("营业执照上的经营范围"), example=""),
)

YEAR_COLUMN = Column(
    "year",
    "年度",
    YEAR,
    required=True,
    meaning=_("数据所属的会计年度（四位数字）"),
    example="2025",
)
NAME_NOTE_COLUMN = Column(
    "",
    "企业名称",
    NOTE,
    meaning=_("仅供填表时核对，导入时不使用（企业以统一社会信用代码识别）"),
    example="嘉兴示例科技有限公司",
)

_FACT_EXAMPLES = {
    "employees": "120",
    "tech_staff": "36",
    "revenue": "25000000",
    "total_income": "25600000",
    "total_assets": "41000000",
    "total_cost": "21500000",
    "rd_expense": "1800000",
    "rd_expense_domestic": "1800000",
    "high_tech_income": "17500000",
    "ip_class1": "2",
    "ip_class2": "9",
    "exports": "3200000",
    "tax_paid": "950000",
    "key_field": "是",
    "innovation_score": "78",
}


def _fact_column(fact) -> Column:
    if fact.dtype is pl.Boolean:
        kind = FLAG
    elif fact.name == "innovation_score":
        kind = SCORE
    elif fact.dtype is pl.Int64:
        kind = COUNT
    else:
        kind = MONEY
    header = f"{fact.label}({fact.unit})" if fact.unit else fact.label
    return Column(
        fact.name, header, kind, meaning=fact.meaning, example=_FACT_EXAMPLES.get(fact.name, "否")
    )


#: One column per annual fact of the catalogue, in catalogue order.
FACT_COLUMNS: tuple[Column, ...] = tuple(_fact_column(fact) for fact in ANNUAL_FACTS)
FACT_FIELDS: tuple[str, ...] = tuple(column.field for column in FACT_COLUMNS)

ANNUAL_FACTS_COLUMNS: tuple[Column, ...] = (
    USCC_COLUMN,
    NAME_NOTE_COLUMN,
    YEAR_COLUMN,
    *FACT_COLUMNS,
)


def accepted_columns(kind: str) -> tuple[Column, ...]:
    """Every column a file of ``kind`` may have (the year is required only with facts)."""
    if kind == ImportKind.ENTERPRISES:
        return (*ENTERPRISE_COLUMNS, YEAR_COLUMN, *FACT_COLUMNS)
    return ANNUAL_FACTS_COLUMNS


def column_unit(column: Column) -> str:
    """The unit a header names in its trailing parentheses ("注册资本(元)" → "元")."""
    header = column.header
    if header.endswith(")") and "(" in header:
        return header[header.rindex("(") + 1 : -1]
    return ""


def template_columns(kind: str) -> tuple[Column, ...]:
    """The columns the downloadable template of ``kind`` has."""
    if kind == ImportKind.ENTERPRISES:
        return ENTERPRISE_COLUMNS
    return ANNUAL_FACTS_COLUMNS


def required_headers(kind: str, present: set[str]) -> list[str]:
    """The headers a file of ``kind`` must have, given the (normalised) headers ``present``.

    An enterprises file needs its registry columns, and ``年度`` as soon as it has any fact
    column. An annual-facts file needs the code, the year and at least one fact column
    (reported as the pseudo-header "年度数据列").
    """
    if kind == ImportKind.ENTERPRISES:
        needed = [c.header for c in ENTERPRISE_COLUMNS if c.required]
        if any(normalise_header(c.header) in present for c in FACT_COLUMNS):
            needed.append(YEAR_COLUMN.header)
        return needed
    return [USCC_COLUMN.header, YEAR_COLUMN.header]


_SPACES = re.compile(r"\s+")


def normalise_header(text) -> str:
    """A header as compared: NFKC-folded (full-width parentheses become half-width, "Ⅰ"
    becomes "I"), without whitespace or a ``*`` marker."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).replace("*", "")
    return _SPACES.sub("", value)
