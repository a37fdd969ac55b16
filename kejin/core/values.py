"""Parsers of the values a service's terms take (a page's form or the API's JSON): numbers,
whole numbers, code lists against the allowed choices, county lists, texts and worked cases.

Each returns the typed value or raises ``ValueError`` with a Chinese message saying what is
wrong and what to write; the caller files it under its field (``ApplicationError.invalid``).
Used by the financing products' and the policies' terms (``kejin.financing.services_products``,
``kejin.policies.policy_terms``) and by the policy applications' fields. For amounts and
counts of a model's fields see ``kejin.core.fields`` (other messages, ASCII digits only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kejin.core.choices import RegionLevel
from kejin.core.models import Region
from kejin.core.text import text_problem

#: Whole digits beyond any real figure (10^18: a hundred million 亿元); larger input is refused
#: before any arithmetic, so rounding it to the fen can never overflow Decimal's precision.
DIGITS_MAX = 18


def decimal_parse(value: Any, *, places: int | None = None) -> Decimal:
    """``value`` as a finite Decimal (thousands commas ignored), with at most ``places``
    decimal places when given."""
    if isinstance(value, bool):
        raise ValueError(_("请填写数字。"))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(_("请填写数字。")) from error
    if not number.is_finite():
        raise ValueError(_("请填写数字。"))
    if number and number.adjusted() >= DIGITS_MAX:
        raise ValueError(_("数值过大，请核对。"))
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(_("最多保留 %(places)s 位小数。") % {"places": places})
    return number


def whole_parse(value: Any) -> int:
    """``value`` as a whole number (``"3.0"`` is 3; booleans are not numbers)."""
    if isinstance(value, bool):
        raise ValueError(_("请填写整数。"))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValueError(_("请填写整数。")) from error
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(_("请填写整数。"))
    return int(number)


def codes_parse(value: Any, allowed: Mapping[str, str], what: str) -> list[str]:
    """A list of codes, each one of ``allowed`` (code → name; ``what`` names them in the
    message), without repeats; empty for nothing."""
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("应是代码列表。"))
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValueError(
            _("%(what)s“%(codes)s”不存在。可选：%(choices)s。")
            % {
                "what": what,
                "codes": "、".join(unknown),
                "choices": "、".join(f"{code}（{name}）" for code, name in allowed.items()),
            }
        )
    return list(dict.fromkeys(value))


def counties_parse(value: Any) -> list[Region]:
    """A list of counties (ids or ``Region`` rows) as ``Region`` rows, in the order given,
    without repeats (one query); empty for nothing."""
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(_("应是县(市、区)的编号列表。"))
    try:
        ids = [whole_parse(getattr(item, "pk", item)) for item in value]
    except ValueError as error:
        raise ValueError(_("应是县(市、区)的编号列表。")) from error
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids, level=RegionLevel.COUNTY)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValueError(
            _("编号为 %(ids)s 的县(市、区)不存在。") % {"ids": "、".join(dict.fromkeys(missing))}
        )
    return [found[i] for i in dict.fromkeys(ids)]


def text_parse(value: Any, *, max_length: int, multiline: bool = False) -> str:
    """A text stripped, without control characters (line breaks only if ``multiline``), of
    at most ``max_length`` characters; empty for nothing."""
    text = "" if value is None else str(value).strip()
    problem = text_problem(text, multiline=multiline)
    if problem:
        raise ValueError(problem)
    if len(text) > max_length:
        raise ValueError(_("不能超过 %(max)s 个字。") % {"max": max_length})
    return text


def worked_cases_parse(value: Any, *, malformed: str) -> list[dict]:
    """A rule's worked cases: a list of ``{"name", "facts", "expect"}``; ``malformed`` is the
    message for a case of another shape (``%(n)s``: its number, with an example of
    ``expect`` for the caller's rule)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError(_('算例应是列表，每项形如 {"name", "facts": {...}, "expect": {...}}。'))
    cases = []
    for index, case in enumerate(value, start=1):
        if (
            not isinstance(case, dict)
            or not isinstance(case.get("name"), str)
            or not case["name"].strip()
            or not isinstance(case.get("facts", {}), dict)
            or not isinstance(case.get("expect"), dict)
            or not case["expect"]
        ):
            raise ValueError(malformed % {"n": index})
        cases.append(
            {
                "name": case["name"].strip(),
                "facts": case.get("facts") or {},
                "expect": case["expect"],
            }
        )
    return cases


def field_taker(
    merged: Mapping[str, Any], clean: dict[str, Any], errors: dict[str, list[str]]
) -> Callable[[str, Callable[[Any], Any]], None]:
    """``take(name, parse)`` for a terms checker: ``clean[name] = parse(merged.get(name))``,
    or the parser's ``ValueError`` message added to ``errors[name]``."""

    def take(name: str, parse: Callable[[Any], Any]) -> None:
        try:
            clean[name] = parse(merged.get(name))
        except ValueError as error:
            errors.setdefault(name, []).append(str(error))

    return take
