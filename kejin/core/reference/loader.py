"""Loading reference data — regions, industries, departments — from JSON files.

The data migration (historical models from ``apps.get_model``) and the ``reference_load``
command (real models) share these functions, so they take the model classes as arguments and
never import ``kejin.core.models``.

A file is ``{"kind": "regions" | "industries" | "departments", "source": "<citation>",
"entries": [...]}`` (plus optional ``format_version`` and ``notes``). Entries are matched to
rows by ``code``: new codes are created, changed ones updated, nothing is deleted (reference
rows are protected foreign keys of enterprises and institutions). The whole file is checked
before anything is written and the writes run in one transaction, so a bad file loads nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from kejin.core.text import text_problem

REFERENCE_DIR = Path(__file__).resolve().parent
# Regions first: departments point at regions.
BUNDLED_FILES = ("regions.json", "industries.json", "departments.json")

HEADER_KEYS = {"kind", "format_version", "source", "notes", "entries"}
FORMAT_VERSION = 1

# Per kind: the model fields an entry sets, which of them are required, and keys that only
# document the entry (kept in the file, never written to the database).
_SPECS = {
    "regions": {
        "fields": ("code", "name", "level", "parent", "reports_to"),
        "required": ("code", "name", "level"),
        "documentation": ("basis", "note"),
    },
    "industries": {
        "fields": ("code", "name", "level", "parent"),
        "required": ("code", "name", "level"),
        "documentation": ("note",),
    },
    "departments": {
        "fields": (
            "code",
            "name",
            "short_name",
            "kind",
            "region",
            "former_names",
            "provides_data",
        ),
        "required": ("code", "name", "kind", "region"),
        "documentation": ("plan_names", "note"),
    },
}

# Hierarchies: a row's parent must sit exactly one rank above it; loading by rank creates
# parents (and a zone's county) before their children.
_REGION_RANK = {"province": 0, "city": 1, "county": 2, "zone": 3}
_REGION_PARENT_LEVELS = {
    "province": (),
    "city": ("province",),
    "county": ("city",),
    "zone": ("city", "county"),
}
_INDUSTRY_RANK = {"section": 0, "division": 1, "group": 2, "class": 3}
_INDUSTRY_CODE_PATTERN = {
    "section": re.compile(r"[A-Z]"),
    "division": re.compile(r"\d{2}"),
    "group": re.compile(r"\d{3}"),
    "class": re.compile(r"\d{4}"),
}
_LIST_SEPARATORS = re.compile(r"[,，;；/]")

ChangeCallback = Callable[[str, Any, dict | None, dict], None]


class ReferenceDataError(ValueError):
    """A reference file that cannot be loaded; the message says where, what and what to do."""

    def __init__(
        self,
        problem: str,
        *,
        source: str,
        index: int | None = None,
        code: str | None = None,
        field_name: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.index = index
        self.code = code
        self.field_name = field_name
        where = source
        if index is not None:
            where += _("：第 {index} 条").format(index=index)
            if code:
                where += _("（代码 {code}）").format(code=code)
        if field_name:
            where += _("，字段 “{field}”").format(field=field_name)
        super().__init__(f"{where}：{problem}")


@dataclass
class LoadResult:
    """What loading one file did, by code."""

    kind: str
    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def reference_file_read(path: str | Path) -> dict:
    """Read a reference file as JSON; a missing or malformed file raises ReferenceDataError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ReferenceDataError(_("文件不存在，请检查路径。"), source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(
            _("文件不是 UTF-8 编码，请另存为 UTF-8。"), source=path.name
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(
            _("不是有效的 JSON（第 {line} 行第 {column} 列：{error}），请修正格式。").format(
                line=exc.lineno, column=exc.colno, error=exc.msg
            ),
            source=path.name,
        ) from exc


def reference_data_load(
    *,
    data: Any,
    source: str,
    Region,
    Industry,
    Department,
    on_change: ChangeCallback | None = None,
) -> LoadResult:
    """Check and load one reference file's content (``kind`` says which models it fills).

    ``on_change(action, instance, before, after)`` is called for every row created
    (``action="create"``, ``before=None``) or updated (``"update"``, changed fields only),
    inside the transaction — the command uses it to audit; the migration passes nothing.
    """
    kind = _header_check(data, source)
    entries = data["entries"]
    if kind == "regions":
        plan = _regions_plan(entries, source, Region)
        return _apply(plan, kind, source, Region, on_change)
    if kind == "industries":
        plan = _industries_plan(entries, source, Industry)
        return _apply(plan, kind, source, Industry, on_change)
    plan = _departments_plan(entries, source, Department, Region)
    return _apply(plan, kind, source, Department, on_change)


def reference_bundled_load(
    *, Region, Industry, Department, on_change: ChangeCallback | None = None
) -> list[LoadResult]:
    """Load the reference files shipped in this package (Zhejiang → Jiaxing, GB/T 4754, departments)."""
    results = []
    with transaction.atomic():
        for name in BUNDLED_FILES:
            results.append(
                reference_data_load(
                    data=reference_file_read(REFERENCE_DIR / name),
                    source=name,
                    Region=Region,
                    Industry=Industry,
                    Department=Department,
                    on_change=on_change,
                )
            )
    return results


# --------------------------------------------------------------------------- checking


@dataclass
class _Row:
    """One checked entry: its scalar values and the codes of the rows it points at."""

    code: str
    values: dict[str, str]
    references: dict[str, str | None]
    rank: int


def _header_check(data: Any, source: str) -> str:
    if not isinstance(data, dict):
        raise ReferenceDataError(
            _("文件的顶层应是一个对象：{example}。").format(
                example='{"kind": …, "source": …, "entries": […]}'
            ),
            source=source,
        )
    unknown = sorted(set(data) - HEADER_KEYS)
    if unknown:
        raise ReferenceDataError(
            _("文件头有不认识的键 {keys}；只允许 {allowed}，请检查拼写。").format(
                keys="、".join(unknown), allowed="、".join(sorted(HEADER_KEYS))
            ),
            source=source,
        )
    kind = data.get("kind")
    if kind not in _SPECS:
        raise ReferenceDataError(
            _("“kind” 应为 {choices} 之一（现为 {value}）。").format(
                choices="、".join(_SPECS), value=json.dumps(kind, ensure_ascii=False)
            ),
            source=source,
        )
    if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        raise ReferenceDataError(
            _("“format_version” 应为 {version}，本程序读不了其他版本。").format(
                version=FORMAT_VERSION
            ),
            source=source,
        )
    if not isinstance(data.get("source"), str) or not data["source"].strip():
        raise ReferenceDataError(
            _("缺少 “source”：请写明数据出处（标准号、文件名或发布机关）。"), source=source
        )
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(_("“entries” 应是一个非空列表。"), source=source)
    return kind


def _entries_common(entries: list, source: str, kind: str, model) -> list[tuple[int, dict]]:
    """Check each entry's keys and scalar fields; returns (1-based index, entry) pairs."""
    spec = _SPECS[kind]
    allowed = set(spec["fields"]) | set(spec["documentation"])
    seen: dict[str, int] = {}
    checked = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ReferenceDataError(_("每一条应是一个对象。"), source=source, index=index)
        code = entry.get("code")
        code_label = code if isinstance(code, str) else None

        def fail(
            problem: str, field_name: str | None = None, *, _i=index, _c=code_label
        ) -> NoReturn:
            raise ReferenceDataError(
                problem, source=source, index=_i, code=_c, field_name=field_name
            )

        for key in sorted(set(entry) - allowed):
            fail(
                _("不认识的字段；{kind} 文件允许的字段是 {allowed}，请检查拼写。").format(
                    kind=kind, allowed="、".join(spec["fields"] + spec["documentation"])
                ),
                key,
            )
        for name in spec["required"]:
            if entry.get(name) is None:
                fail(_("缺少必填字段，请补上。"), name)
        for name in spec["fields"]:
            value = entry.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                fail(_("应为字符串（用双引号括起来）。"), name)
            model_field = model._meta.get_field(name)
            if model_field.is_relation:
                continue
            _scalar_check(model_field, value, fail, name)
        code = cast(str, code)  # required, and checked to be a string above
        if code in seen:
            fail(
                _("代码与第 {other} 条重复，每个代码只能出现一次。").format(other=seen[code]),
                "code",
            )
        seen[code] = index
        checked.append((index, entry))
    return checked


def _scalar_check(model_field, value: str, fail, name: str) -> None:
    if value != value.strip():
        fail(_("首尾有空白字符，请删去。"), name)
    if problem := text_problem(value):
        fail(problem, name)
    if not value and not model_field.blank:
        fail(_("不能为空。"), name)
    max_length = getattr(model_field, "max_length", None)
    if max_length and len(value) > max_length:
        fail(
            _("长度 {length} 超过上限 {max}，请缩短。").format(length=len(value), max=max_length),
            name,
        )
    if model_field.choices and value:
        choices = [str(key) for key, _label in model_field.flatchoices]
        if value not in choices:
            fail(
                _("取值 “{value}” 无效，可选值：{choices}。").format(
                    value=value, choices="、".join(choices)
                ),
                name,
            )
    if validate_slug in model_field.validators:
        try:
            validate_slug(value)
        except ValidationError:
            fail(_("只能由英文字母、数字、连字符和下划线组成（例如 jx-tax）。"), name)


def _existing(model, codes) -> dict[str, Any]:
    return {row.code: row for row in model._default_manager.filter(code__in=set(codes))}


def _regions_plan(entries: list, source: str, Region) -> list[_Row]:
    checked = _entries_common(entries, source, "regions", Region)
    in_file = {entry["code"]: entry for _index, entry in checked}
    referenced = {
        entry.get(name) for _index, entry in checked for name in ("parent", "reports_to")
    } - {None, ""}
    in_db = _existing(Region, referenced - set(in_file))

    def level_of(code: str) -> str | None:
        if code in in_file:
            return in_file[code]["level"]
        if code in in_db:
            return in_db[code].level
        return None

    def parent_of(code: str) -> str | None:
        if code in in_file:
            return in_file[code].get("parent") or None
        row = in_db[code]
        return row.parent.code if row.parent_id else None

    rows = []
    for index, entry in checked:
        code, level = entry["code"], entry["level"]

        def fail(problem: str, field_name: str, *, _i=index, _c=code) -> NoReturn:
            raise ReferenceDataError(
                problem, source=source, index=_i, code=_c, field_name=field_name
            )

        parent = entry.get("parent") or None
        parent_level = None
        allowed_parents = _REGION_PARENT_LEVELS[level]
        if parent is None and allowed_parents:
            fail(_("{level} 级区划必须有上级（填上级的区划代码）。").format(level=level), "parent")
        if parent is not None:
            parent_level = level_of(parent)
            if not allowed_parents:
                fail(_("省级区划不能有上级，请删去此字段。"), "parent")
            if parent_level is None:
                fail(
                    _(
                        "上级 “{parent}” 既不在本文件里，也不在数据库里；请先加载它，或在本文件中加上这一条。"
                    ).format(parent=parent),
                    "parent",
                )
            if parent_level not in allowed_parents:
                fail(
                    _(
                        "上级 “{parent}” 是 {parent_level} 级，{level} 级区划的上级应是 {allowed} 级。"
                    ).format(
                        parent=parent,
                        parent_level=parent_level,
                        level=level,
                        allowed="/".join(allowed_parents),
                    ),
                    "parent",
                )
        reports_to = entry.get("reports_to") or None
        if level == "zone":
            if reports_to is None:
                fail(_("功能区必须写明统计归属的县（市、区）代码。"), "reports_to")
            reports_level = level_of(reports_to)
            if reports_level is None:
                fail(
                    _("“{code}” 既不在本文件里，也不在数据库里；请先加载这个县（市、区）。").format(
                        code=reports_to
                    ),
                    "reports_to",
                )
            if reports_level != "county":
                fail(
                    _("“{code}” 是 {level} 级；功能区只能归属县（市、区）级区划。").format(
                        code=reports_to, level=reports_level
                    ),
                    "reports_to",
                )
            if parent_level == "city" and parent_of(reports_to) != parent:
                fail(
                    _(
                        "县（市、区）“{code}” 不属于上级 “{parent}”；功能区只能归属本市的县（市、区）。"
                    ).format(code=reports_to, parent=parent),
                    "reports_to",
                )
        elif reports_to is not None:
            fail(_("只有功能区（level 为 zone）才有统计归属，请删去此字段。"), "reports_to")
        rows.append(
            _Row(
                code=code,
                values={"name": entry["name"], "level": level},
                references={"parent": parent, "reports_to": reports_to},
                rank=_REGION_RANK[level],
            )
        )
    return rows


def _industries_plan(entries: list, source: str, Industry) -> list[_Row]:
    checked = _entries_common(entries, source, "industries", Industry)
    in_file = {entry["code"]: entry for _index, entry in checked}
    referenced = {entry.get("parent") for _index, entry in checked} - {None, ""}
    in_db = _existing(Industry, referenced - set(in_file))

    rows = []
    for index, entry in checked:
        code, level = entry["code"], entry["level"]

        def fail(problem: str, field_name: str, *, _i=index, _c=code) -> NoReturn:
            raise ReferenceDataError(
                problem, source=source, index=_i, code=_c, field_name=field_name
            )

        if not _INDUSTRY_CODE_PATTERN[level].fullmatch(code):
            fail(
                _(
                    "{level} 的代码格式应为 {pattern}（门类一个大写字母，大类两位、中类三位、小类四位数字）。"
                ).format(level=level, pattern=_INDUSTRY_CODE_PATTERN[level].pattern),
                "code",
            )
        parent = entry.get("parent") or None
        rank = _INDUSTRY_RANK[level]
        if rank == 0:
            if parent is not None:
                fail(_("门类没有上级，请删去此字段。"), "parent")
        else:
            expected = next(name for name, r in _INDUSTRY_RANK.items() if r == rank - 1)
            if parent is None:
                fail(
                    _("{level} 必须有上级 {expected}（填其代码）。").format(
                        level=level, expected=expected
                    ),
                    "parent",
                )
            if parent in in_file:
                parent_level = in_file[parent]["level"]
            elif parent in in_db:
                parent_level = in_db[parent].level
            else:
                fail(
                    _(
                        "上级 “{parent}” 既不在本文件里，也不在数据库里；请先加载它，或在本文件中加上这一条。"
                    ).format(parent=parent),
                    "parent",
                )
            if parent_level != expected:
                fail(
                    _("上级 “{parent}” 是 {parent_level}，{level} 的上级应是 {expected}。").format(
                        parent=parent, parent_level=parent_level, level=level, expected=expected
                    ),
                    "parent",
                )
            if rank >= 2 and not code.startswith(parent):
                fail(
                    _("代码 “{code}” 应以上级代码 “{parent}” 开头。").format(
                        code=code, parent=parent
                    ),
                    "code",
                )
        rows.append(
            _Row(
                code=code,
                values={"name": entry["name"], "level": level},
                references={"parent": parent},
                rank=rank,
            )
        )
    return rows


def _departments_plan(entries: list, source: str, Department, Region) -> list[_Row]:
    checked = _entries_common(entries, source, "departments", Department)
    regions = _existing(Region, {entry["region"] for _index, entry in checked})

    rows = []
    for index, entry in checked:
        code = entry["code"]

        def fail(problem: str, field_name: str, *, _i=index, _c=code) -> NoReturn:
            raise ReferenceDataError(
                problem, source=source, index=_i, code=_c, field_name=field_name
            )

        if entry["region"] not in regions:
            fail(
                _(
                    "区划 “{region}” 不在数据库里；请先用 reference_load 加载包含它的区划文件。"
                ).format(region=entry["region"]),
                "region",
            )
        for name in ("former_names", "provides_data"):
            if _LIST_SEPARATORS.search(entry.get(name) or ""):
                fail(_("多个名称之间请用顿号“、”分隔。"), name)
        if entry["kind"] == "data_provider" and not (entry.get("provides_data") or "").strip():
            fail(_("数据源部门必须写明报送哪些信用记录（以顿号分隔）。"), "provides_data")
        rows.append(
            _Row(
                code=code,
                values={
                    "name": entry["name"],
                    "short_name": entry.get("short_name") or "",
                    "kind": entry["kind"],
                    "former_names": entry.get("former_names") or "",
                    "provides_data": entry.get("provides_data") or "",
                },
                references={"region": entry["region"]},
                rank=0,
            )
        )
    return rows


# --------------------------------------------------------------------------- writing


def _apply(rows: list[_Row], kind: str, source: str, model, on_change) -> LoadResult:
    """Write checked rows, parents first, in one transaction."""
    result = LoadResult(kind=kind, source=source)
    existing = _existing(model, [row.code for row in rows])
    # Referenced rows: the departments' regions, or rows of the same table (parents).
    target = {
        name: model._meta.get_field(name).related_model
        for row in rows[:1]
        for name in row.references
    }
    cache: dict[tuple[str, str], Any] = {}

    def resolve(related_model, code: str | None):
        if code is None:
            return None
        key = (related_model._meta.label, code)
        if key not in cache:
            cache[key] = related_model._default_manager.get(code=code)
        return cache[key]

    with transaction.atomic():
        for row in sorted(rows, key=lambda r: r.rank):
            defaults: dict[str, Any] = dict(row.values)
            for name, code in row.references.items():
                defaults[name] = resolve(target[name], code)
            current = existing.get(row.code)
            after = _snapshot(defaults)
            instance = current
            if current is None:
                instance, _created = model._default_manager.update_or_create(
                    code=row.code, defaults=defaults
                )
                result.created.append(row.code)
                if on_change:
                    on_change("create", instance, None, {"code": row.code, **after})
            else:
                before = _snapshot({name: getattr(current, name) for name in defaults})
                changed = [name for name in after if after[name] != before[name]]
                if not changed:
                    result.unchanged.append(row.code)
                else:
                    instance, _created = model._default_manager.update_or_create(
                        code=row.code, defaults=defaults
                    )
                    result.updated.append(row.code)
                    if on_change:
                        on_change(
                            "update",
                            instance,
                            {name: before[name] for name in changed},
                            {name: after[name] for name in changed},
                        )
            # Later rows of the same file may point at this one.
            cache[(model._meta.label, row.code)] = instance
    return result


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """Field values as JSON-safe data; related rows by their code (stable across databases)."""
    return {
        name: (value.code if hasattr(value, "_meta") else value) for name, value in values.items()
    }
