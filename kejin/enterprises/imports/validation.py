"""Row-level validation of import files.

Each problem is one error ``{"row", "column", "value", "reason"}``: the row number as the
user sees it in Excel, the Chinese header, the value as given, and a Chinese reason that
says what to do. A row with any error is rejected as a whole; the others are imported.

Parsing never goes through binary floating point for amounts: csv cells are parsed from
their text; an xlsx number cell (which openpyxl reads as a float) is taken at the 15
significant digits Excel itself keeps. Amounts are Decimal yuan to the fen, counts are
non-negative integers, dates are ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYYMMDD``,
``YYYY年M月D日`` or an Excel date.

:class:`RowValidator` keeps what a whole file needs (reference data, the uploader's county,
the keys already seen, so that a second row for the same enterprise, or enterprise and year,
is reported); the checks that need the database's current rows (an existing enterprise's
county, facts already recorded for the year) take those rows as :class:`ChunkState`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from kejin.core.choices import RegionLevel
from kejin.core.fields import amount_parse, count_parse, money_problem
from kejin.core.models import Industry, Region
from kejin.core.text import text_problem
from kejin.core.uscc import uscc_error, uscc_normalise
from kejin.enterprises.choices import EnterpriseSize, ImportKind
from kejin.enterprises.imports import columns as c
from kejin.enterprises.imports.columns import (
    FACT_COLUMNS,
    USCC_COLUMN,
    YEAR_COLUMN,
    Column,
)
from kejin.enterprises.models import Enterprise
from kejin.enterprises.validation import (
    FIRST_FACTS_YEAR,
    FactError,
    fact_parse,
    facts_year_problem,
    founding_date_problem,
)
from kejin.enterprises.validation import facts_contradictions as _contradictions

FIRST_YEAR = FIRST_FACTS_YEAR
_FEN = Decimal("0.01")
_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$", re.ASCII)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TRUE = {"是", "Y", "YES", "TRUE", "1", "√", "有"}
_FALSE = {"否", "N", "NO", "FALSE", "0", "×", "无"}
_SIZES = {**{str(label): value for value, label in EnterpriseSize.choices}}
_SIZES.update({value: value for value in EnterpriseSize.values})
_FACT_BY_FIELD = {column.field: column for column in FACT_COLUMNS}
_ENTERPRISE_BY_FIELD = {column.field: column for column in c.ENTERPRISE_COLUMNS}


class CellError(Exception):
    """A cell's value cannot be used; ``reason`` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = str(reason)


def display_value(value) -> str:
    """A cell's value as the error report shows it ("as given")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def error(row: int, column: str, value, reason: str) -> dict:
    """One error of the report."""
    return {"row": row, "column": column, "value": display_value(value), "reason": str(reason)}


def _plain(value) -> str:
    """A text cell made comparable: full-width letters and digits folded, spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _cell_number(value):
    """A number cell as the one validator takes it: an xlsx float at Excel's 15 significant
    digits (never through binary float), text without surrounding spaces or thousands
    separators ("1,234,567.89"); everything else as it is. Full-width digits and "1_000"
    stay text and are refused by the parsers, as on every other entry point."""
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return Decimal(format(value, ".15g"))
    if isinstance(value, (datetime.date, datetime.datetime)):
        raise CellError(_("这里应填写数字，而不是日期。"))
    if isinstance(value, str):
        text = value.strip()
        return text.replace(",", "") if _THOUSANDS.match(text) else text
    return value


def parse_money(value, *, label: str | None = None) -> Decimal:
    """An amount in yuan: non-negative, at most MONEY_MAX, to the fen (the same parser and
    messages as the forms and the API: ``kejin.core.fields``)."""
    label = label or _("金额")
    try:
        amount = amount_parse(_cell_number(value), label=label)
    except ValueError as exc:
        raise CellError(str(exc)) from exc
    problem = money_problem(amount, label=label)
    if problem:
        raise CellError(problem)
    return amount.quantize(_FEN)


def parse_count(value, *, maximum: int = c.MAX_COUNT, label: str | None = None) -> int:
    """A count (people, items, points): a non-negative integer."""
    number = _cell_number(value)
    if isinstance(number, Decimal) and number == number.to_integral_value():
        number = int(number)
    try:
        count = count_parse(number, label=label or _("数量"))
    except ValueError as exc:
        raise CellError(str(exc)) from exc
    if count < 0:
        raise CellError(_("不能为负数，请填写0或正整数。"))
    if count > maximum:
        raise CellError(_("不能大于%(max)s，请核对。") % {"max": maximum})
    return count


def parse_fact(name: str, value):
    """A count, score or amount of the annual facts: the one validator's parse and bounds
    (``kejin.enterprises.validation.fact_parse``), after the cell is read as a number."""
    number = _cell_number(value)
    if isinstance(number, bool):
        number = str(number)
    try:
        return fact_parse(name, number)
    except FactError as exc:
        raise CellError(str(exc)) from exc


def parse_flag(value) -> bool:
    """A yes/no fact: 是/否 (also Y/N, TRUE/FALSE, 1/0)."""
    if isinstance(value, bool):
        return value
    text = _plain(display_value(value)).upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("请填写“是”或“否”。"))


def parse_year(value, *, founded_on: datetime.date | None = None) -> int:
    """A fiscal year the one validator accepts (``facts_year_problem``): from 2000, not before
    the enterprise's founding year, to this year."""
    if isinstance(value, str):
        value = value.strip().removesuffix("年")
    try:
        year = parse_count(value, maximum=9999)
    except CellError as exc:
        raise CellError(_("年度应为四位数字的年份，如 2025。")) from exc
    problem = facts_year_problem(year, founded_on=founded_on)
    if problem:
        raise CellError(problem)
    return year


# Excel serial numbers accepted in a date column: 1950-01-01 to 2099-12-31. A plain year
# such as 2018 typed into a General cell is below the range and is refused, not read as 1905.
_SERIALS = (18264, 73415)


def parse_date(value) -> datetime.date:
    """A date: an Excel date, YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or YYYY年M月D日."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    bad_format = _("日期格式不正确，请按 2018-05-20 的格式填写（也可写作 2018/05/20）。")
    if isinstance(value, bool):
        raise CellError(bad_format)
    if isinstance(value, (int, float)):
        if value == int(value) and 19000101 <= value <= 29991231:
            value = str(int(value))
        elif _SERIALS[0] <= value < _SERIALS[1]:
            return from_excel(value).date()
        else:
            raise CellError(bad_format)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise CellError(bad_format)
    year, month, day = (int(part) for part in match.groups()[:3])
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise CellError(
            _("日期“%(value)s”不存在，请核对年、月、日。") % {"value": display_value(value)}
        ) from exc


def parse_code(value) -> str:
    """A code cell (region, industry) as text; Excel may have turned it into a number."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return _plain(display_value(value)).upper()


def parse_text(value, *, max_length: int | None, multiline: bool = False) -> str:
    text = display_value(value).strip()
    problem = text_problem(text, multiline=multiline)
    if problem:
        raise CellError(problem)
    if max_length and len(text) > max_length:
        raise CellError(
            _("不能超过%(max)s个字，当前%(n)s个字，请删减。") % {"max": max_length, "n": len(text)}
        )
    return text


def parse_uscc(value) -> str:
    """A USCC, normalised; the reason is exactly :func:`kejin.core.uscc.uscc_error`'s."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    code = uscc_normalise(unicodedata.normalize("NFKC", display_value(value)))
    reason = uscc_error(code)
    if reason:
        raise CellError(reason)
    return code


@dataclass
class Reference:
    """Reference rows a file is checked against, loaded once per batch (small tables)."""

    counties: dict[str, tuple[int, str]]  # code → (id, name)
    zones: dict[str, tuple[int, int | None, str]]  # code → (id, reports_to id, name)
    industries: dict[str, int]  # code → id
    region_names: dict[int, str]
    today: datetime.date
    zone_counties: dict[int, int | None] = field(default_factory=dict)  # zone id → county id

    @classmethod
    def load(cls) -> Reference:
        counties: dict[str, tuple[int, str]] = {}
        zones: dict[str, tuple[int, int | None, str]] = {}
        names: dict[int, str] = {}
        for pk, code, name, level, reports_to in Region.objects.filter(
            level__in=(RegionLevel.COUNTY, RegionLevel.ZONE)
        ).values_list("pk", "code", "name", "level", "reports_to_id"):
            names[pk] = name
            if level == RegionLevel.COUNTY:
                counties[code.upper()] = (pk, name)
            else:
                zones[code.upper()] = (pk, reports_to, name)
        industries = {code.upper(): pk for pk, code in Industry.objects.values_list("pk", "code")}
        zone_counties: dict[int, int | None] = {
            pk: reports_to for pk, reports_to, _name in zones.values()
        }
        return cls(counties, zones, industries, names, timezone.localdate(), zone_counties)

    def industry_id(self, value) -> int:
        code = parse_code(value)
        found = self.industries.get(code)
        if found is None and isinstance(value, (int, float)):
            # Excel drops leading zeros of numeric cells: 6 was "06".
            found = self.industries.get(code.zfill(len(code) + 1))
        if found is None:
            raise CellError(
                _(
                    "未知的行业代码“%(code)s”：请填写国民经济行业分类（GB/T 4754-2017）的门类字母"
                    "或大类代码，如 C 或 39，可选代码见模板“代码表”页。"
                )
                % {"code": display_value(value)}
            )
        return found

    def county_id(self, value) -> int:
        code = parse_code(value)
        found = self.counties.get(code)
        if found is not None:
            return found[0]
        zone = self.zones.get(code)
        if zone is not None and zone[1] is not None:
            raise CellError(
                _(
                    "“%(code)s”是功能区“%(zone)s”的代码：请把它填在“所在功能区代码”列，"
                    "这里填写所在县(市、区)的代码。"
                )
                % {"code": display_value(value), "zone": zone[2]}
            )
        raise CellError(
            _(
                "未知的县(市、区)代码“%(code)s”：请填写6位行政区划代码，如 330402（南湖区），"
                "可选代码见模板“代码表”页。"
            )
            % {"code": display_value(value)}
        )

    def zone(self, value) -> tuple[int, int | None, str]:
        found = self.zones.get(parse_code(value))
        if found is None:
            raise CellError(
                _("未知的功能区代码“%(code)s”：请按模板“代码表”页填写，不在功能区的请留空。")
                % {"code": display_value(value)}
            )
        return found


def _model_field(name: str) -> models.Field:
    """The Enterprise field an import column writes (a column never names a reverse relation)."""
    model_field = Enterprise._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"Enterprise.{name} is not a field a column can write")
    return model_field


@dataclass(slots=True)
class RowRecord:
    """A row that passed the row-level checks, cleaned: what will be written."""

    row: int
    uscc: str
    enterprise: dict | None = None  # Enterprise attname → value (optional blanks left out)
    year: int | None = None
    facts: dict | None = None  # fact field → value, only those given
    raw: dict | None = None  # the row as read, while its chunk is checked

    def value(self, column: Column, cleaned=None):
        """The value of ``column`` as given (or its cleaned value once the raw row is gone)."""
        if self.raw is not None and column.header in self.raw:
            return self.raw[column.header]
        return cleaned


@dataclass
class ChunkState:
    """The database rows a chunk of records is checked against."""

    enterprises: dict[str, tuple[int, int]] = field(default_factory=dict)  # uscc → (id, county)
    facts: dict[tuple[int, int], dict] = field(default_factory=dict)  # (id, year) → values
    founded: dict[str, datetime.date] = field(default_factory=dict)  # uscc → founding date


class RowValidator:
    """Checks the rows of one file of ``kind`` for an uploader limited to ``county_id``
    (None: any county)."""

    def __init__(self, *, kind: str, county_id: int | None, reference: Reference) -> None:
        self.kind = kind
        self.county_id = county_id
        self.reference = reference
        self._seen: dict = {}

    # --- one row, no database -------------------------------------------------------------

    def parse_row(self, number: int, values: dict) -> tuple[RowRecord | None, list[dict]]:
        """Check one row on its own; a record if it is valid so far, and its errors."""
        errors: list[dict] = []

        def fail(column: Column, reason: str) -> None:
            errors.append(error(number, column.header, values.get(column.header), reason))

        uscc = None
        raw_uscc = values.get(USCC_COLUMN.header)
        if raw_uscc is None:
            fail(USCC_COLUMN, _("此项必填，请填写统一社会信用代码。"))
        else:
            try:
                uscc = parse_uscc(raw_uscc)
            except CellError as exc:
                fail(USCC_COLUMN, exc.reason)

        enterprise = (
            self._parse_enterprise(values, fail) if self.kind == ImportKind.ENTERPRISES else None
        )
        year, facts = self._parse_facts(values, fail)

        key = uscc if self.kind == ImportKind.ENTERPRISES else (uscc, year)
        if uscc is not None and (self.kind == ImportKind.ENTERPRISES or year is not None):
            first = self._seen.setdefault(key, number)
            if first != number:
                reason = (
                    _(
                        "与第%(first)s行是同一家企业：每家企业在一个文件中只能出现一次，请合并或删除"
                        "其中一行（多个年度的数据请用“企业年度数据”导入）。"
                    )
                    if self.kind == ImportKind.ENTERPRISES
                    else _("与第%(first)s行是同一企业的同一年度：请合并或删除其中一行。")
                )
                fail(USCC_COLUMN, reason % {"first": first})
        if errors or uscc is None:  # no code is always an error
            return None, errors
        return RowRecord(number, uscc, enterprise, year, facts or None, values), []

    def _parse_enterprise(self, values: dict, fail) -> dict:
        data: dict = {}
        ref = self.reference
        for column in c.ENTERPRISE_COLUMNS[1:]:
            if column.header not in values:
                continue
            raw = values[column.header]
            if raw is None:
                if column.required:
                    fail(column, _("此项必填，请填写。"))
                continue
            try:
                if column.type == c.TEXT:
                    data[column.field] = parse_text(
                        raw,
                        max_length=column.max_length,
                        multiline=column.field == "business_scope",
                    )
                elif column.type == c.COUNTY:
                    data["county_id"] = ref.county_id(raw)
                elif column.type == c.ZONE:
                    data["zone"] = ref.zone(raw)
                elif column.type == c.INDUSTRY:
                    data["industry_id"] = ref.industry_id(raw)
                elif column.type == c.DATE:
                    data[column.field] = self._founding(raw)
                elif column.type == c.SIZE:
                    data[column.field] = self._size(raw)
                elif column.type == c.MONEY:
                    data[column.field] = parse_money(
                        raw, label=str(_model_field(column.field).verbose_name)
                    )
            except CellError as exc:
                fail(column, exc.reason)

        county_id = data.get("county_id")
        zone = data.pop("zone", None)
        if zone is not None:
            if county_id is not None and zone[1] != county_id:
                fail(
                    _ENTERPRISE_BY_FIELD["zone"],
                    _(
                        "功能区“%(zone)s”属于%(owner)s，与所在县(市、区)%(county)s不一致："
                        "请核对所在县(市、区)代码，或把功能区留空。"
                    )
                    % {
                        "zone": zone[2],
                        "owner": ref.region_names.get(zone[1], "—"),
                        "county": ref.region_names[county_id],
                    },
                )
            data["zone_id"] = zone[0]
        if county_id is not None and self.county_id is not None and county_id != self.county_id:
            fail(
                _ENTERPRISE_BY_FIELD["county"],
                _("您只能导入%(own)s的企业，本行企业所在县(市、区)为%(county)s，未导入。")
                % {
                    "own": ref.region_names.get(self.county_id, "—"),
                    "county": ref.region_names[county_id],
                },
            )
        return data

    def _founding(self, raw) -> datetime.date:
        founded = parse_date(raw)
        problem = founding_date_problem(founded, today=self.reference.today)
        if problem:
            raise CellError(problem)
        return founded

    @staticmethod
    def _size(raw) -> str:
        text = _plain(raw).removesuffix("企业")
        size = _SIZES.get(text) or _SIZES.get(text.lower())
        if size is None:
            raise CellError(_("企业规模应为“微型”“小型”“中型”“大型”之一。"))
        return size

    def _parse_facts(self, values: dict, fail) -> tuple[int | None, dict]:
        facts: dict = {}
        for column in FACT_COLUMNS:
            raw = values.get(column.header)
            if raw is None:
                continue
            try:
                if column.type == c.FLAG:
                    facts[column.field] = parse_flag(raw)
                else:
                    facts[column.field] = parse_fact(column.field, raw)
            except CellError as exc:
                fail(column, exc.reason)

        year = None
        raw_year = values.get(YEAR_COLUMN.header)
        needs_year = (
            self.kind == ImportKind.ANNUAL_FACTS
            or bool(facts)
            or any(values.get(column.header) is not None for column in FACT_COLUMNS)
        )
        if raw_year is None:
            if needs_year:
                fail(YEAR_COLUMN, _("此项必填：填写了年度数据的行须填写年度，如 2025。"))
        else:
            try:
                year = parse_year(raw_year)
            except CellError as exc:
                fail(YEAR_COLUMN, exc.reason)
        if self.kind == ImportKind.ANNUAL_FACTS and not any(
            values.get(column.header) is not None for column in FACT_COLUMNS
        ):
            fail(YEAR_COLUMN, _("本行没有填写任何年度数据，请填写或删除该行。"))
        return year, facts

    # --- a chunk, against the database ----------------------------------------------------

    def check_chunk(
        self, records: list[RowRecord], state: ChunkState
    ) -> tuple[list[RowRecord], list[dict]]:
        """The records still valid given the database's rows in ``state``, and the errors of
        the others: enterprises in another county or not registered, facts that would
        contradict the facts already recorded for the year."""
        if not state.founded:
            usccs = [r.uscc for r in records if r.year is not None]
            if usccs:
                state.founded = dict(
                    Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "founded_on")
                )
        valid, errors = [], []
        for record in records:
            problems = self._record_problems(record, state)
            if problems:
                errors.extend(problems)
            else:
                valid.append(record)
        return valid, errors

    def _record_problems(self, record: RowRecord, state: ChunkState) -> list[dict]:
        existing = state.enterprises.get(record.uscc)
        uscc_value = record.value(USCC_COLUMN, record.uscc)
        if self.kind == ImportKind.ENTERPRISES:
            if existing and self.county_id is not None and existing[1] != self.county_id:
                return [
                    error(
                        record.row,
                        USCC_COLUMN.header,
                        uscc_value,
                        _(
                            "该统一社会信用代码的企业已登记在其他县(市、区)，您只能导入本县(市、区)"
                            "的企业；企业迁入本县(市、区)请联系市级部门办理。"
                        ),
                    )
                ]
        elif existing is None or (self.county_id is not None and existing[1] != self.county_id):
            reason = (
                _(
                    "在您负责的县(市、区)中没有统一社会信用代码为该值的企业：请先导入企业名录，"
                    "或核对代码。"
                )
                if self.county_id is not None
                else _("平台中没有统一社会信用代码为该值的企业：请先导入企业名录，或核对代码。")
            )
            return [error(record.row, USCC_COLUMN.header, uscc_value, reason)]
        founded = (record.enterprise or {}).get("founded_on") or state.founded.get(record.uscc)
        if record.year is not None:
            problem = facts_year_problem(record.year, founded_on=founded)
            if problem:
                return [
                    error(
                        record.row,
                        YEAR_COLUMN.header,
                        record.value(YEAR_COLUMN, record.year),
                        problem,
                    )
                ]
        if not record.facts:
            return []
        current = (
            state.facts.get((existing[0], record.year))
            if existing and record.year is not None
            else None
        )
        return [
            error(record.row, column.header, record.value(column, value), reason)
            for column, value, reason in facts_contradictions(record.facts, current or {})
        ]


def facts_contradictions(facts: dict, current: dict) -> list[tuple[Column, object, str]]:
    """Where ``facts`` (given) merged over ``current`` (recorded) has a part above its whole:
    the one validator's rules and messages (``kejin.enterprises.validation``), as
    (column, value as given, reason)."""
    return [
        (_FACT_BY_FIELD[name], facts.get(name), reason)
        for name, reason in _contradictions(facts, current).items()
    ]
