"""The credit data catalogue: loading the default Jiaxing catalogue, reading it, and the
officers' edits of categories and fields (services, audited).

The default catalogue is data, ``kejin/credit/reference/catalogue.json``: one entry per
record category with its fields. :func:`catalogue_data_load` checks the whole file and then
creates or updates categories and fields by code — it never deletes, so an officer's own
categories and fields stay — and is idempotent. It takes the model classes as arguments, so
the data migration (historical models) and :func:`credit_catalogue_load_default` (demo data,
tests) share it.

Officers (``credit_category_can_edit``: city officers) add and change categories and fields
without code through :func:`record_category_save` and :func:`category_field_save`, each
validated in full (invisible characters refused by the text fields, a choice field needs its
codes, the event-date field must be a date field of the category) and audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.core.services import instance_save_audited
from kejin.core.text import text_problem
from kejin.credit.choices import FieldType
from kejin.credit.models import CategoryField, RecordCategory
from kejin.credit.permissions import credit_category_can_edit, credit_category_can_view

CATALOGUE_PATH = Path(__file__).resolve().parent / "reference" / "catalogue.json"

_CATEGORY_KEYS = (
    "name",
    "description",
    "disclosure",
    "retention_years",
    "disclosure_years",
    "legal_basis",
    "personal_info_disclosed",
    "indicator_note",
    "event_date_field",
    "order",
)
_FIELD_KEYS = (
    "name",
    "type",
    "required",
    "allowed_values",
    "value_labels",
    "unit",
    "is_personal",
    "help_text",
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
#: Column names every file has besides the category's fields.
RESERVED_CODES = frozenset({"uscc", "source_record_id"})


class CatalogueError(Exception):
    """The catalogue file is wrong; the message names the category and field."""


@dataclass
class CatalogueLoadResult:
    categories_created: int = 0
    categories_updated: int = 0
    fields_created: int = 0
    fields_updated: int = 0


def catalogue_file_read(path: Path = CATALOGUE_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _check(data: Any) -> list[dict]:
    """The categories of a catalogue file, or CatalogueError naming the first problem."""
    if not isinstance(data, dict) or data.get("kind") != "credit_catalogue":
        raise CatalogueError('catalogue file: "kind" must be "credit_catalogue"')
    categories = data.get("categories")
    if not isinstance(categories, list):
        raise CatalogueError('catalogue file: "categories" must be a list')
    seen: set[str] = set()
    for entry in categories:
        code = entry.get("code", "")
        where = f"category {code!r}"
        if not _CODE.match(code) or code in seen:
            raise CatalogueError(f"{where}: code must be a unique lower-case slug")
        seen.add(code)
        for key in ("name", "legal_basis", "description", "indicator_note"):
            problem = text_problem(entry.get(key, ""), multiline=key != "name")
            if problem:
                raise CatalogueError(f"{where}: {key}: {problem}")
        fields = entry.get("fields") or []
        codes = [f.get("code", "") for f in fields]
        if len(set(codes)) != len(codes):
            raise CatalogueError(f"{where}: field codes repeat")
        for field in fields:
            fwhere = f"{where}, field {field.get('code')!r}"
            if not _CODE.match(field.get("code", "")) or field["code"] in RESERVED_CODES:
                raise CatalogueError(f"{fwhere}: code must be a lower-case slug, not reserved")
            if field.get("type") not in FieldType.values:
                raise CatalogueError(f"{fwhere}: unknown type {field.get('type')!r}")
            if field["type"] == FieldType.CHOICE and not field.get("allowed_values"):
                raise CatalogueError(f"{fwhere}: a choice field needs allowed_values")
            for key in ("name", "unit", "help_text"):
                problem = text_problem(field.get(key, ""))
                if problem:
                    raise CatalogueError(f"{fwhere}: {key}: {problem}")
            labels = field.get("value_labels", {})
            problems = value_labels_problems(labels, field.get("allowed_values") or [])
            if problems:
                raise CatalogueError(f"{fwhere}: value_labels: {'; '.join(problems)}")
        date_fields = {f["code"] for f in fields if f["type"] == FieldType.DATE}
        if entry.get("event_date_field") not in date_fields:
            raise CatalogueError(f"{where}: event_date_field must name one of its date fields")
    return categories


def catalogue_data_load(
    *, data: Any, RecordCategory, CategoryField, Department
) -> CatalogueLoadResult:
    """Create or update the categories and fields of a catalogue file, by code; nothing is
    deleted. The file is checked first and written in one transaction (a bad file loads
    nothing). Idempotent: loading the same file again changes nothing."""
    categories = _check(data)
    departments = {d.code: d for d in Department.objects.all()}
    result = CatalogueLoadResult()
    with transaction.atomic():
        for entry in categories:
            department = departments.get(entry["department"])
            if department is None:
                raise CatalogueError(
                    f"category {entry['code']!r}: unknown department {entry['department']!r}"
                )
            values = {key: entry[key] for key in _CATEGORY_KEYS if key in entry}
            values["department_id"] = department.pk
            category = RecordCategory.objects.filter(code=entry["code"]).first()
            if category is None:
                category = RecordCategory.objects.create(code=entry["code"], **values)
                result.categories_created += 1
            elif _assign(category, values):
                category.save()
                result.categories_updated += 1
            stored = {f.code: f for f in CategoryField.objects.filter(category_id=category.pk)}
            for order, field in enumerate(entry.get("fields") or [], start=1):
                values = {key: field[key] for key in _FIELD_KEYS if key in field}
                values["order"] = order * 10
                current = stored.get(field["code"])
                if current is None:
                    CategoryField.objects.create(
                        category_id=category.pk, code=field["code"], **values
                    )
                    result.fields_created += 1
                elif _assign(current, values):
                    current.save()
                    result.fields_updated += 1
    return result


def value_labels_problems(labels: Any, allowed: list) -> list[str]:
    """What is wrong with a choice field's ``value_labels`` (code → meaning): each code must
    be one of ``allowed``, each meaning a clean line of text."""
    if not isinstance(labels, dict):
        return [_("代码含义应为“代码=含义”的对应关系。")]
    problems = []
    allowed_codes = {str(code) for code in allowed}
    for code, label in labels.items():
        if str(code) not in allowed_codes:
            problems.append(
                _("代码“%(code)s”不在取值范围内，请先把它加入取值范围。") % {"code": code}
            )
        elif not isinstance(label, str) or not label.strip():
            problems.append(_("代码“%(code)s”的含义不能为空。") % {"code": code})
        else:
            problem = text_problem(label)
            if problem:
                problems.append(problem)
    return problems


def value_labels_parse(text: str) -> dict[str, str] | None:
    """``"general=一般\nserious=严重"`` (one per line, or separated by ；/;) as a dict; None
    when a part has no "=" (the caller says how to write it)."""
    labels: dict[str, str] = {}
    for part in re.split(r"[;；\n]", text):
        if not part.strip():
            continue
        code, sep, label = part.partition("=")
        if not sep:
            return None
        labels[code.strip()] = label.strip()
    return labels


def _assign(instance, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(instance, key) != value:
            setattr(instance, key, value)
            changed = True
    return changed


def credit_catalogue_load_default() -> CatalogueLoadResult:
    """Load the bundled default catalogue into the database (idempotent)."""
    from kejin.core.models import Department

    return catalogue_data_load(
        data=catalogue_file_read(),
        RecordCategory=RecordCategory,
        CategoryField=CategoryField,
        Department=Department,
    )


# --- selectors -----------------------------------------------------------------------------


def record_category_list(*, user):
    """Every category with its department and fields (three queries), for readers of the
    catalogue; ``permission_denied`` for anyone else."""
    require(credit_category_can_view, user=user)
    return (
        RecordCategory.objects.select_related("department")
        .prefetch_related(
            Prefetch("fields", queryset=CategoryField.objects.order_by("order", "id"))
        )
        .annotate(record_total=Count("records", distinct=True))
        .order_by("order", "code")
    )


def record_category_get(*, user, pk: int) -> RecordCategory:
    """One category (404 ``not_found`` if there is none)."""
    category = record_category_list(user=user).filter(pk=pk).first()
    if category is None:
        raise ApplicationError.not_found(_("信用数据类别"))
    return category


def provider_categories(*, user):
    """The active categories ``user``'s department delivers (none for anyone else)."""
    if not (getattr(user, "is_data_provider", False) and user.department_id):
        return RecordCategory.objects.none()
    return (
        RecordCategory.objects.filter(department_id=user.department_id, is_active=True)
        .prefetch_related(
            Prefetch("fields", queryset=CategoryField.objects.order_by("order", "id"))
        )
        .order_by("order", "code")
    )


def provider_departments():
    """The departments that deliver at least one category, by code."""
    from kejin.core.models import Department

    return Department.objects.filter(credit_categories__isnull=False).distinct().order_by("code")


def category_fields(category: RecordCategory) -> list[CategoryField]:
    """The fields of ``category`` in order (uses a prefetch when there is one)."""
    return sorted(category.fields.all(), key=lambda f: (f.order, f.id or 0))


# --- services ------------------------------------------------------------------------------


def _event_date_check(category: RecordCategory, event_date_field: str) -> None:
    if category.pk is None:
        return
    date_fields = {f.code for f in category.fields.all() if f.type == FieldType.DATE}
    if date_fields and event_date_field not in date_fields:
        raise ApplicationError.invalid(
            {
                "event_date_field": [
                    _("事件日期字段应为本类别的日期字段之一：%(codes)s。")
                    % {"codes": "、".join(sorted(date_fields))}
                ]
            }
        )


_CATEGORY_EDITABLE = (*_CATEGORY_KEYS, "code", "department", "is_active")


@transaction.atomic
def record_category_save(
    *, actor, data: dict, category: RecordCategory | None = None, ip_address: str | None = None
) -> RecordCategory:
    """Create (``category`` None) or change a record category, audited. City officers only
    (``permission_denied`` otherwise, nothing written). The code cannot change once records
    of the category exist."""
    require(credit_category_can_edit, user=actor, obj=category)
    data = {key: value for key, value in data.items() if key in _CATEGORY_EDITABLE}
    if category is None:
        category = RecordCategory()
    elif "code" in data and data["code"] != category.code and category.records.exists():
        raise ApplicationError.invalid({"code": [_("该类别已有信用记录，代码不能再修改。")]})
    if data.get("code") in RESERVED_CODES:
        raise ApplicationError.invalid({"code": [_("该代码为系统保留，请换一个代码。")]})
    _event_date_check(category, data.get("event_date_field", category.event_date_field))
    return instance_save_audited(actor=actor, instance=category, data=data, ip_address=ip_address)


_FIELD_EDITABLE = (*_FIELD_KEYS, "code", "order")


@transaction.atomic
def category_field_save(
    *,
    actor,
    category: RecordCategory,
    data: dict,
    field: CategoryField | None = None,
    ip_address: str | None = None,
) -> CategoryField:
    """Add (``field`` None) or change a field of ``category``, audited. City officers only.
    A choice field needs its allowed codes; the code and the type cannot change once the
    category has records (stored records hold values keyed by code and parsed by type)."""
    require(credit_category_can_edit, user=actor, obj=category)
    data = {key: value for key, value in data.items() if key in _FIELD_EDITABLE}
    problems: dict[str, list[str]] = {}
    if field is None:
        field = CategoryField(category=category)
    elif category.records.exists():
        for key, label in (("code", _("字段代码")), ("type", _("类型"))):
            if key in data and data[key] != getattr(field, key):
                problems[key] = [
                    _("该类别已有信用记录，“%(label)s”不能再修改。") % {"label": label}
                ]
    code = data.get("code", field.code)
    if code in RESERVED_CODES:
        problems["code"] = [_("该代码为系统保留，请换一个代码。")]
    allowed = data.get("allowed_values", field.allowed_values)
    if isinstance(allowed, str):
        allowed = [v.strip() for v in re.split(r"[,，、\n]", allowed) if v.strip()]
        data["allowed_values"] = allowed
    if data.get("type", field.type) == FieldType.CHOICE and not allowed:
        problems["allowed_values"] = [_("代码类型的字段请填写取值范围（以逗号分隔）。")]
    for value in allowed or []:
        problem = text_problem(str(value))
        if problem:
            problems.setdefault("allowed_values", []).append(problem)
    labels = data.get("value_labels", field.value_labels)
    if isinstance(labels, str):
        labels = value_labels_parse(labels)
        if labels is None:
            problems["value_labels"] = [
                _("代码含义请按“代码=含义”填写，每行一个，如 serious=严重。")
            ]
        else:
            data["value_labels"] = labels
    if labels is not None and "value_labels" not in problems:
        label_problems = value_labels_problems(labels, allowed or [])
        if label_problems:
            problems["value_labels"] = label_problems
    if problems:
        raise ApplicationError.invalid(problems)
    duplicate = category.fields.filter(code=code)
    if field.pk:
        duplicate = duplicate.exclude(pk=field.pk)
    if duplicate.exists():
        raise ApplicationError.invalid(
            {"code": [_("本类别已有代码为“%(code)s”的字段。") % {"code": code}]}
        )
    return instance_save_audited(actor=actor, instance=field, data=data, ip_address=ip_address)
