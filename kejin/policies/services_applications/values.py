"""The applicant's field values: each checked by its kind (money, number, date, text), with a
message per field ``inputs.<name>``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.text import text_problem
from kejin.core.values import decimal_parse

INPUT_KINDS = ("money", "number", "text", "date")
MONEY_CEILING = Decimal("1000000000000")  # 1万亿元: beyond any real figure
TEXT_MAX = 2000


# --- inputs ----------------------------------------------------------------------------------


def money_clean(value: Any) -> Decimal:
    """An amount in yuan (to the fen, not negative, below the ceiling), or ``ValueError``."""
    number = decimal_parse(value)
    if number < 0:
        raise ValueError(_("金额不能为负数。"))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("金额最多保留 2 位小数（单位：元）。"))
    if number >= MONEY_CEILING:
        raise ValueError(_("金额过大，请核对（单位：元）。"))
    return number


def date_clean(value: Any) -> datetime.date:
    """A date as 年-月-日, or ``ValueError``."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValueError(_("请按“年-月-日”填写日期，如 2026-03-31。")) from error


def text_clean(value: Any, *, max_length: int = TEXT_MAX) -> str:
    """A (multi-line) text of at most ``max_length`` characters, or ``ValueError``."""
    text = str(value or "").strip()
    if problem := text_problem(text, multiline=True):
        raise ValueError(problem)
    if len(text) > max_length:
        raise ValueError(_("最多 %(max)s 个字。") % {"max": max_length})
    return text


def _clean_one(kind: str, value: Any) -> tuple[Any, Any]:
    """(stored, for the formula) of one field value."""
    if kind == "money":
        number = money_clean(value)
        return str(number), number
    if kind == "number":
        number = decimal_parse(value)
        return str(number), number
    if kind == "date":
        day = date_clean(value)
        return day.isoformat(), day.isoformat()
    text = text_clean(value)
    return text, text


def inputs_clean(
    version, data: Mapping[str, Any], *, fixed: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The version's fields from ``data``: (stored as JSON, values for the formula). Fields
    in ``fixed`` (taken from an insurance policy) are not the applicant's. ``invalid`` with
    a message per field ``inputs.<name>``."""
    fixed = dict(fixed or {})
    stored: dict[str, Any] = {}
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in version.inputs or ():
        name = spec.get("name")
        if not name or name in fixed:
            continue
        kind = spec.get("kind") if spec.get("kind") in INPUT_KINDS else "text"
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.get("required"):
                errors[f"inputs.{name}"] = [
                    _("请填写“%(label)s”。") % {"label": spec.get("label") or name}
                ]
            continue
        try:
            stored[name], values[name] = _clean_one(kind, raw)
        except ValueError as error:
            errors[f"inputs.{name}"] = [
                _("“%(label)s”：%(problem)s")
                % {"label": spec.get("label") or name, "problem": error}
            ]
    if errors:
        raise ApplicationError.invalid(errors)
    for name, value in fixed.items():
        stored[name] = str(value) if isinstance(value, Decimal) else value
        values[name] = value
    return stored, values
