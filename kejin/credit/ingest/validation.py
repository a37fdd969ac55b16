"""Checking the rows of a credit batch against its category: the header, then each row.

The header row names the category's fields by code or by Chinese name (``rating`` or
``纳税信用等级``; a trailing ``*`` and spaces are ignored), plus ``uscc`` (统一社会信用代码)
and ``source_record_id`` (来源记录编号). Every problem with it is reported at once.

:class:`CreditRowChecker` parses one row without the database (plain Python, converters
compiled once per batch): each cell by its field's type, the quality rules of
:mod:`kejin.credit.quality`, the USCC (python-stdnum plus the organisation-code check of
``kejin.core.uscc``, cached per distinct code) and a source record id delivered twice in the
batch. A valid row becomes a :class:`CreditRow`: the parsed values as canonical JSON and its
SHA-256, which is how a re-delivered identical record is recognised.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring_ascii as _json_string
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kejin.core.text import text_problem
from kejin.core.uscc import uscc_error, uscc_normalise
from kejin.credit.choices import FieldType
from kejin.credit.quality import QualityRule, cross_field_rules_for
from kejin.ingest.readers import IngestFileError

TEXT_MAX = 500
SOURCE_ID_MAX = 128
AMOUNT_MAX = Decimal("1e16")
CENT = Decimal("0.01")
_BOOLEAN = {
    "是": True, "否": False, "true": True, "false": False, "1": True, "0": False,
    "y": True, "n": False, "yes": True, "no": False,
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One accepted column: ``header`` as written in the file, ``key`` the field code (or
    ``uscc`` / ``source_record_id``), ``label`` the Chinese name shown in messages."""

    header: str
    key: str
    label: str


@dataclass(frozen=True)
class FieldSpec:
    """One field of the category, as the checker needs it."""

    code: str
    name: str
    type: str
    required: bool
    allowed: tuple[str, ...] = ()


class CreditRow(NamedTuple):
    """A valid row: what is written (``data`` already canonical JSON)."""

    row: int
    source_record_id: str
    uscc: str
    event_date: str
    data: str
    content_hash: str


def normalise_header(value: Any) -> str:
    return "".join(str(value or "").split()).rstrip("*＊").lower()


def _id_labels() -> dict[str, str]:
    return {"uscc": _("统一社会信用代码"), "source_record_id": _("来源记录编号")}


@dataclass
class CategorySchema:
    """The category's fields and the names a header may use for each."""

    category_id: int
    event_date_field: str
    fields: dict[str, FieldSpec]

    @classmethod
    def of(cls, category) -> CategorySchema:
        fields = {
            f.code: FieldSpec(
                code=f.code,
                name=f.name,
                type=f.type,
                required=f.required,
                allowed=tuple(str(v) for v in f.allowed_values or ()),
            )
            for f in sorted(category.fields.all(), key=lambda f: (f.order, f.id))
        }
        return cls(
            category_id=category.pk, event_date_field=category.event_date_field, fields=fields
        )

    def names(self) -> dict[str, str]:
        """Normalised header → key."""
        names = {}
        for key, label in _id_labels().items():
            names[key] = key
            names[normalise_header(label)] = key
        for spec in self.fields.values():
            names[spec.code] = spec.code
            names[normalise_header(spec.name)] = spec.code
        return names

    def labels(self) -> dict[str, str]:
        return {**_id_labels(), **{code: spec.name for code, spec in self.fields.items()}}

    def column_order(self) -> dict[str, int]:
        """Order of columns in messages: ids first, then fields in catalogue order."""
        keys = ["source_record_id", "uscc", *self.fields]
        return {key: i for i, key in enumerate(keys)}

    def match_header(self, values) -> list[tuple[int, Column]]:
        """The columns of a header row, or IngestFileError naming every problem."""
        names, labels = self.names(), self.labels()
        columns: list[tuple[int, Column]] = []
        present: set[str] = set()
        unknown, repeated = [], []
        for index, value in enumerate(values):
            text = str(value).strip() if value is not None else ""
            if not text:
                continue
            key = names.get(normalise_header(text))
            if key is None:
                unknown.append(f"{text}（{get_column_letter(index + 1)}列）")
            elif key in present:
                repeated.append(text)
            else:
                present.add(key)
                columns.append((index, Column(header=text, key=key, label=labels[key])))
        required = ["source_record_id", "uscc"] + [c for c, s in self.fields.items() if s.required]
        missing = [labels[key] for key in required if key not in present]
        if not (missing or unknown or repeated):
            return columns
        quoted = lambda items: "、".join(f"“{item}”" for item in items)  # noqa: E731
        problems = []
        if missing:
            problems.append(_("缺少必填列 %(names)s") % {"names": quoted(missing)})
        if unknown:
            problems.append(_("无法识别的列 %(names)s") % {"names": quoted(unknown)})
        if repeated:
            problems.append(_("重复的列 %(names)s") % {"names": quoted(repeated)})
        raise IngestFileError(
            _(
                "表头有误：%(problems)s。列名应为本类别的字段代码或字段名称"
                "（可在报送页面下载模板），另加“统一社会信用代码”和“来源记录编号”两列。"
            )
            % {"problems": "；".join(problems)}
        )


def _error(row: int, column: str, value: Any, reason: str, rule: str) -> dict:
    shown = "" if value is None else str(value)
    return {"row": row, "column": column, "value": shown[:200], "reason": reason, "rule": rule}


Converter = Callable[[Any, FieldSpec, str], tuple[Any, str | None, str | None]]


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _text(value, spec: FieldSpec, today: str):
    if isinstance(value, (dict, list)):
        return None, _("“%(name)s”应为文字。") % {"name": spec.name}, QualityRule.FORMAT
    text = _as_text(value)
    problem = None if text.isprintable() else text_problem(text)
    if problem:
        return (
            None,
            _("“%(name)s”：%(problem)s") % {"name": spec.name, "problem": problem},
            QualityRule.TEXT,
        )
    if len(text) > TEXT_MAX:
        return None, _("“%(name)s”不能超过%(max)s个字符，当前为%(n)s个。") % {
            "name": spec.name, "max": TEXT_MAX, "n": len(text)
        }, QualityRule.TEXT  # fmt: skip
    return text, None, None


def _integer(value, spec: FieldSpec, today: str):
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip().replace(",", "")
        number = int(text) if text.lstrip("-").isdigit() and len(text) < 16 else None
    if number is None:
        return None, _("“%(name)s”应为整数，当前为“%(value)s”。") % {
            "name": spec.name, "value": value
        }, QualityRule.FORMAT  # fmt: skip
    if number < 0:
        return None, _("“%(name)s”不能为负数，当前为%(value)s。") % {
            "name": spec.name, "value": number
        }, QualityRule.NEGATIVE  # fmt: skip
    return number, None, None


def _decimal_of(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        text = str(value).strip().replace(",", "") if not isinstance(value, Decimal) else value
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _decimal(value, spec: FieldSpec, today: str):
    number = _decimal_of(value)
    if number is None or abs(number) >= AMOUNT_MAX:
        return None, _("“%(name)s”应为数值，当前为“%(value)s”。") % {
            "name": spec.name, "value": value
        }, QualityRule.FORMAT  # fmt: skip
    return str(number.normalize()) if number else "0", None, None


_PLAIN_AMOUNT = re.compile(r"(\d{1,16})(?:\.(\d{0,2}))?")


def _amount(value, spec: FieldSpec, today: str):
    if type(value) is str:
        plain = _PLAIN_AMOUNT.fullmatch(value)
        if plain is not None:  # the usual "12345.6": no Decimal needed
            return f"{int(plain[1])}.{(plain[2] or '').ljust(2, '0')}", None, None
    number = _decimal_of(value)
    if isinstance(value, float) and number is not None:
        number = number.quantize(CENT)  # Excel's binary fractions
    if number is None or abs(number) >= AMOUNT_MAX or number != number.quantize(CENT):
        return None, _("“%(name)s”应为以元为单位的金额（最多两位小数），当前为“%(value)s”。") % {
            "name": spec.name, "value": value
        }, QualityRule.FORMAT  # fmt: skip
    if number < 0:
        return None, _("“%(name)s”不能为负数，当前为%(value)s元。") % {
            "name": spec.name, "value": value
        }, QualityRule.NEGATIVE  # fmt: skip
    return format(number.quantize(CENT), "f"), None, None


def _date_of(value) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    text = text.replace("/", "-").replace(".", "-")
    if " " in text:
        text = text.split(" ", 1)[0]
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return datetime.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
            except ValueError:
                return None
        return None


def _date(value, spec: FieldSpec, today: str):
    iso: str | None = None
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:  # the usual "2024-06-30"
            datetime.date.fromisoformat(value)
            iso = value
        except ValueError:
            iso = None
    if iso is None:
        iso = _date_of(value)
    if iso is None:
        return None, _("“%(name)s”应为日期（如 2024-06-30），当前为“%(value)s”。") % {
            "name": spec.name, "value": value
        }, QualityRule.FORMAT  # fmt: skip
    if iso > today:
        return None, _("“%(name)s”（%(value)s）晚于今天，日期不能在未来。") % {
            "name": spec.name, "value": iso
        }, QualityRule.FUTURE_DATE  # fmt: skip
    return iso, None, None


def _choice(value, spec: FieldSpec, today: str):
    text = _as_text(value)
    if text not in spec.allowed:
        return None, _("“%(name)s”的值“%(value)s”不在代码表中，可填：%(allowed)s。") % {
            "name": spec.name, "value": text, "allowed": "、".join(spec.allowed)
        }, QualityRule.NOT_IN_LIST  # fmt: skip
    return text, None, None


def _boolean(value, spec: FieldSpec, today: str):
    if isinstance(value, bool):
        return value, None, None
    parsed = _BOOLEAN.get(_as_text(value).lower())
    if parsed is None:
        return None, _("“%(name)s”应为“是”或“否”，当前为“%(value)s”。") % {
            "name": spec.name, "value": value
        }, QualityRule.FORMAT  # fmt: skip
    return parsed, None, None


CONVERTERS: dict[str, Converter] = {
    FieldType.TEXT: _text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.AMOUNT: _amount,
    FieldType.DATE: _date,
    FieldType.CHOICE: _choice,
    FieldType.BOOLEAN: _boolean,
}


def _json_value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    return _json_string(value)


def _json_object(data: dict, keys: tuple[str, ...] | None = None) -> str:
    """``data`` as canonical JSON (keys sorted, no spaces, ASCII) — what ``json.dumps(...,
    sort_keys=True, separators=(",", ":"))`` gives for these values (str, int, bool), faster.
    Its SHA-256 is the record's content hash. ``keys``: every possible key, sorted."""
    order = keys if keys is not None else sorted(data)
    return (
        "{"
        + ",".join([f"{_json_string(k)}:{_json_value(data[k])}" for k in order if k in data])
        + "}"
    )


class CreditRowChecker:
    """Checks the rows of one batch (see the module docstring); remembers the source record
    ids seen (a second delivery of one id in the same batch is refused) and counts the rows
    whose USCC matches no enterprise (set by the write)."""

    def __init__(self, schema: CategorySchema, *, today: datetime.date | None = None) -> None:
        self.schema = schema
        self.today = (today or timezone.localdate()).isoformat()
        self.names = schema.names()
        self.labels = schema.labels()
        self.cross_rules = cross_field_rules_for(schema.fields)
        self.required = [s for s in schema.fields.values() if s.required]
        self.required_codes = frozenset(s.code for s in self.required)
        self.sorted_codes = tuple(sorted(schema.fields))
        self.seen: dict[str, int] = {}
        self.unmatched = 0
        #: Enterprises whose records the write created or corrected (to rescore them).
        self.changed_enterprises: set[int] = set()
        self._keys: dict[str, str] = {}
        self._column_keys: tuple = ()
        self._column_plan: list[tuple[str, str]] = []
        self._headers: dict[str, str] = {}
        self._usccs: dict[str, tuple[str, str | None]] = {}
        self._plan = {code: (CONVERTERS[spec.type], spec) for code, spec in schema.fields.items()}

    def _key(self, header: str) -> str:
        key = self._keys.get(header)
        if key is None:
            key = self._keys[header] = self.names[normalise_header(header)]
        return key

    def _uscc(self, value) -> tuple[str, str | None]:
        raw = str(value)
        found = self._usccs.get(raw)
        if found is None:
            plain = len(raw) == 18 and raw.isascii() and raw.isalnum() and raw == raw.upper()
            code = raw if plain else uscc_normalise(raw)
            found = self._usccs[raw] = (code, uscc_error(code))
        return found

    def _columns(self, values: dict) -> list[tuple[str, str]]:
        """(header, key) of the row's columns; every row of a file has the same."""
        keys = tuple(values)
        if keys != self._column_keys:
            self._column_keys = keys
            self._column_plan = [(header, self._key(header)) for header in keys]
            self._headers = {key: header for header, key in self._column_plan}
        return self._column_plan

    def _header(self, key: str) -> str:
        return self._headers.get(key) or self.labels.get(key, key)

    def parse_row(self, number: int, values: dict) -> tuple[CreditRow | None, list[dict]]:
        errors: list[dict] = []
        data: dict[str, Any] = {}
        source_id = uscc = ""
        source_given = uscc_given = False
        plan, today = self._plan, self.today
        for header, key in self._columns(values):
            value = values[header]
            if value is None:
                continue
            if key == "source_record_id":
                source_given = True
                source_id = _as_text(value)
                problem = None if source_id.isprintable() else text_problem(source_id)
                if problem or len(source_id) > SOURCE_ID_MAX:
                    errors.append(_error(number, header, value, problem or _(
                        "来源记录编号不能超过%(max)s个字符。") % {"max": SOURCE_ID_MAX},
                        QualityRule.TEXT))  # fmt: skip
                    source_id = ""
            elif key == "uscc":
                uscc_given = True
                uscc, problem = self._uscc(value)
                if problem:
                    errors.append(_error(number, header, value, problem, QualityRule.USCC))
            else:
                converter, spec = plan[key]
                parsed, reason, rule = converter(value, spec, today)
                if reason is None:
                    data[key] = parsed
                else:
                    errors.append(_error(number, header, value, reason, rule or ""))
        if not source_given:
            errors.append(
                _error(number, self._header("source_record_id"), None,
                       _("请填写来源记录编号（数据源系统中该条记录的唯一编号）。"),
                       QualityRule.REQUIRED))  # fmt: skip
        if not uscc_given:
            errors.append(
                _error(number, self._header("uscc"), None, _("请填写统一社会信用代码。"),
                       QualityRule.REQUIRED))  # fmt: skip
        for spec in () if self.required_codes <= data.keys() else self.required:
            if spec.code not in data and values.get(self._headers.get(spec.code, "")) is None:
                errors.append(
                    _error(number, self._header(spec.code), None,
                           _("请填写“%(name)s”（必填）。") % {"name": spec.name},
                           QualityRule.REQUIRED))  # fmt: skip
        event_field = self.schema.event_date_field
        if not errors and event_field not in data:
            errors.append(
                _error(number, self._header(event_field), None,
                       _("请填写“%(name)s”（本类别的事件日期）。")
                       % {"name": self.labels.get(event_field, event_field)},
                       QualityRule.REQUIRED))  # fmt: skip
        if not errors:
            for cross_rule in self.cross_rules:
                found = cross_rule.check(data, self.labels)
                if found:
                    code, reason = found
                    errors.append(_error(number, self._header(code), data.get(code), reason,
                                         QualityRule.CROSS_FIELD))  # fmt: skip
        if source_id:
            first = self.seen.get(source_id)
            if first is not None:
                errors.append(_error(number, self._header("source_record_id"), source_id, _(
                    "来源记录编号“%(id)s”在本批次中重复（第%(first)s行已有），同一记录每批只能报送一次。"
                ) % {"id": source_id, "first": first}, QualityRule.DUPLICATE))  # fmt: skip
            elif not errors:
                self.seen[source_id] = number
        if errors:
            return None, errors
        text = _json_object(data, self.sorted_codes)
        return (
            CreditRow(
                number,
                source_id,
                uscc,
                data[self.schema.event_date_field],
                text,
                hashlib.sha256(text.encode()).hexdigest(),
            ),
            [],
        )
