"""A policy's text and a version's terms, checked and typed before a service writes them.

``policy_fields_clean`` and ``version_terms_clean`` take what was posted (a page's form, the
API's JSON) over the values being edited and return them typed, or raise ``invalid`` (400)
with a Chinese message per field saying what is wrong and what to write: codes that exist,
amounts in yuan within range, dates, parameters each citing its clause, application fields,
working-day limits, worked cases; the eligibility rule checked by the engine over the facts
catalogue with the version's parameters (``kejin.policies.policy_rules``), the benefit
formula by ``kejin.policies.benefits.formula_check`` over the catalogue and the version's
application fields. Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.core.text import text_problem
from kejin.core.values import (
    codes_parse,
    counties_parse,
    decimal_parse,
    field_taker,
    text_parse,
    whole_parse,
    worked_cases_parse,
)
from kejin.policies.benefits import formula_check
from kejin.policies.choices import ApplicationPeriod, ApplicationStep, PolicyScheme
from kejin.policies.models import PolicyCategory
from kejin.policies.policy_rules import (
    label_choices,
    policy_rule_check,
    policy_rule_facts,
    tier_choices,
)
from kejin.rules.expressions import RuleError
from kejin.rules.messages import rule_error_message

#: The policy's own fields (the document); changeable until it is first published.
POLICY_FIELDS = (
    "title",
    "doc_number",
    "issuers",
    "region",
    "summary",
    "full_text",
    "categories",
    "scheme",
    "valid_from",
    "valid_to",
)
#: A version's terms, as a service takes them (``effective_from``: the version's first day).
VERSION_FIELDS = (
    "document",
    "counties",
    "tiers",
    "labels",
    "parameters",
    "benefit_formula",
    "benefit_reference",
    "cap_per_enterprise_year",
    "cap_per_loan",
    "cap_per_institution_year",
    "budget",
    "inputs",
    "period",
    "deadline_days",
    "worked_cases",
    "reference",
    "effective_from",
    "notes",
)
#: The terms stored in the version's own columns (not ``counties``, a relation, nor
#: ``effective_from``, stored as ``valid_from``).
VERSION_COLUMNS = tuple(f for f in VERSION_FIELDS if f not in ("counties", "effective_from"))
EDITABLE_FIELDS = frozenset(POLICY_FIELDS + VERSION_FIELDS)
MONEY_FIELDS = ("cap_per_enterprise_year", "cap_per_loan", "cap_per_institution_year", "budget")
AMOUNT_CEILING = Decimal("10000000000")  # 100亿元
INPUT_KINDS = ("money", "number", "text", "date")
INPUTS_MAX = 20
ISSUERS_MAX = 10
DEADLINE_MAX = 60
COMMENT_MAX = 2000
FULL_TEXT_MAX = 100_000
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# --- parsing ------------------------------------------------------------------------------


def _date(value: Any, *, required: bool) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValueError(_("请填写日期，格式如 2026-01-01。"))
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(_("日期格式应如 2026-01-01。"))
    return parsed


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = decimal_parse(value)
    except ValueError as error:
        raise ValueError(_("请填写金额（元）。")) from error
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("金额最多保留 2 位小数。"))
    if not (Decimal(0) < number <= AMOUNT_CEILING):
        raise ValueError(_("金额应大于 0 元且不超过 100 亿元。"))
    return number


def _region(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return counties_parse([value])[0].pk


def _issuers(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = re.split(r"[\n、,，;；]", value)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("应是发文部门名称的列表。"))
    items = [v.strip() for v in value if v.strip()]
    if len(items) > ISSUERS_MAX:
        raise ValueError(_("发文部门最多 %(max)s 个。") % {"max": ISSUERS_MAX})
    for item in items:
        problem = text_problem(item)
        if problem or len(item) > 64:
            raise ValueError(
                _("发文部门“%(item)s”：%(problem)s")
                % {"item": item[:20], "problem": problem or _("不能超过 64 个字。")}
            )
    return list(dict.fromkeys(items))


def categories_clean(value: Any) -> list[PolicyCategory]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(_("应是政策类别代码的列表。"))
    given = [getattr(item, "code", item) for item in value]
    codes = [code for code in given if isinstance(code, str)]
    if len(codes) != len(given):
        raise ValueError(_("应是政策类别代码的列表。"))
    found = {c.code: c for c in PolicyCategory.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        allowed = PolicyCategory.objects.values_list("code", "name")
        raise ValueError(
            _("政策类别“%(codes)s”不存在。可选：%(choices)s。")
            % {
                "codes": "、".join(unknown),
                "choices": "、".join(f"{code}（{name}）" for code, name in allowed),
            }
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _parameters(value: Any) -> dict[str, dict]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(
            _('参数应形如 {"rate": {"value": 0.5, "reference": "第五条", "label": "补助比例"}}。')
        )
    clean: dict[str, dict] = {}
    for name, spec in value.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(
                _("参数名“%(name)s”应以小写字母开头，只含小写字母、数字和下划线。") % {"name": name}
            )
        if not isinstance(spec, Mapping) or "value" not in spec:
            raise ValueError(
                _("参数“%(name)s”应有取值 value、依据条款 reference 和名称 label。")
                % {"name": name}
            )
        reference = text_parse(spec.get("reference"), max_length=255)
        if not reference:
            raise ValueError(
                _("参数“%(name)s”须写明依据条款 reference，如《某某办法》第五条。") % {"name": name}
            )
        item = spec["value"]
        if isinstance(item, bool) or not isinstance(item, (int, float, str, list)):
            raise ValueError(_("参数“%(name)s”的取值应是数字、文字或列表。") % {"name": name})
        clean[name] = {
            "value": item,
            "reference": reference,
            "label": text_parse(spec.get("label"), max_length=64),
        }
    return clean


def _inputs(value: Any) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError(
            _('申报字段应是列表，每项形如 {"name": "premium", "label": "保费", "kind": "money"}。')
        )
    if len(value) > INPUTS_MAX:
        raise ValueError(_("申报字段最多 %(max)s 个。") % {"max": INPUTS_MAX})
    clean: list[dict] = []
    seen: set[str] = set()
    for index, spec in enumerate(value, start=1):
        if not isinstance(spec, Mapping):
            raise ValueError(_("第 %(n)s 个申报字段格式有误。") % {"n": index})
        name = spec.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(
                _("第 %(n)s 个申报字段的名称 name 应以小写字母开头，只含小写字母、数字和下划线。")
                % {"n": index}
            )
        if name in seen:
            raise ValueError(_("申报字段“%(name)s”重复。") % {"name": name})
        seen.add(name)
        label = text_parse(spec.get("label"), max_length=64)
        if not label:
            raise ValueError(_("申报字段“%(name)s”须有显示名称 label。") % {"name": name})
        kind = spec.get("kind") or "text"
        if kind not in INPUT_KINDS:
            raise ValueError(
                _("申报字段“%(name)s”的类型应是 money、number、text 或 date 之一。")
                % {"name": name}
            )
        typical = spec.get("typical")
        if typical not in (None, "") and kind in ("money", "number"):
            try:
                typical_number = Decimal(str(typical))
            except (InvalidOperation, ValueError):
                typical_number = None
            if typical_number is None or not typical_number.is_finite():
                raise ValueError(
                    _("申报字段“%(name)s”的典型值 typical 应是数字。") % {"name": name}
                )
            typical = float(typical_number) if "." in str(typical) else int(typical_number)
        clean.append(
            {
                "name": name,
                "label": label,
                "kind": kind,
                "required": bool(spec.get("required", False)),
                "typical": None if typical in (None, "") else typical,
            }
        )
    return clean


def _deadline_days(value: Any) -> dict[str, int]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(_('办理时限应形如 {"accept": 3, "decide": 10, "pay": 10}。'))
    clean: dict[str, int] = {}
    steps = dict(ApplicationStep.choices)
    for step, days in value.items():
        if step not in steps:
            raise ValueError(
                _("办理环节“%(step)s”不存在。可选：%(choices)s。")
                % {
                    "step": step,
                    "choices": "、".join(f"{code}（{label}）" for code, label in steps.items()),
                }
            )
        if days in (None, ""):
            continue
        number = whole_parse(days)
        if not (1 <= number <= DEADLINE_MAX):
            raise ValueError(
                _("“%(step)s”时限应在 1 至 %(max)s 个工作日之间。")
                % {"step": steps[step], "max": DEADLINE_MAX}
            )
        clean[step] = number
    return clean


def _worked_cases(value: Any) -> list[dict]:
    return worked_cases_parse(
        value,
        malformed=_(
            '第 %(n)s 个算例格式有误：应有名称 name、企业数据 facts 和预期结果 expect，如 {"status": "qualified"}。'
        ),
    )


# --- validation ---------------------------------------------------------------------------


def policy_fields_clean(
    data: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The policy's own fields of ``data`` (over ``base``) checked and typed; ``invalid``
    (400) with a message per field otherwise. ``region`` is an id, ``categories`` come back
    as ``PolicyCategory`` rows."""
    merged = {**(base or {}), **{k: v for k, v in data.items() if k in POLICY_FIELDS}}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    take = field_taker(merged, clean, errors)

    take("title", lambda v: text_parse(v, max_length=200))
    if "title" in clean and not clean["title"]:
        errors["title"] = [_("请填写政策名称。")]
    take("doc_number", lambda v: text_parse(v, max_length=64))
    take("issuers", _issuers)
    if "issuers" in clean and not clean["issuers"]:
        errors["issuers"] = [_("请填写至少一个发文部门，如“嘉兴市科学技术局”。")]
    take("region", _region)
    take("summary", lambda v: text_parse(v, max_length=2000, multiline=True))
    take("full_text", lambda v: text_parse(v, max_length=FULL_TEXT_MAX, multiline=True))
    take("categories", categories_clean)
    scheme = merged.get("scheme") or PolicyScheme.GRANT
    if scheme not in PolicyScheme.values:
        errors["scheme"] = [
            _("请选择兑现方式：%(choices)s。")
            % {"choices": "、".join(f"{c}（{label}）" for c, label in PolicyScheme.choices)}
        ]
    clean["scheme"] = scheme
    take("valid_from", lambda v: _date(v, required=True))
    take("valid_to", lambda v: _date(v, required=False))
    if (
        clean.get("valid_from")
        and clean.get("valid_to")
        and clean["valid_to"] < clean["valid_from"]
    ):
        errors["valid_to"] = [_("有效期止不能早于有效期起。")]
    if errors:
        raise ApplicationError.invalid(errors)
    return clean


def version_terms_clean(
    data: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A version's terms of ``data`` (over ``base``: the terms being edited) checked and
    typed; ``invalid`` (400) with a message per field otherwise. The keys are
    ``VERSION_FIELDS``; the rule and the formula are checked by the engine."""
    merged = {**(base or {}), **{k: v for k, v in data.items() if k in VERSION_FIELDS}}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    take = field_taker(merged, clean, errors)

    take("counties", lambda v: [r.pk for r in counties_parse(v)])
    take("tiers", lambda v: codes_parse(v, tier_choices(), str(_("成长阶段"))))
    take("labels", lambda v: codes_parse(v, label_choices(), str(_("名单标签"))))
    take("parameters", _parameters)
    take("inputs", _inputs)
    take("deadline_days", _deadline_days)
    take("worked_cases", _worked_cases)
    take("benefit_reference", lambda v: text_parse(v, max_length=255))
    take("reference", lambda v: text_parse(v, max_length=255))
    take("notes", lambda v: text_parse(v, max_length=4000, multiline=True))
    take("effective_from", lambda v: _date(v, required=False))
    for name in MONEY_FIELDS:
        take(name, _money)
    period = merged.get("period") or ApplicationPeriod.YEAR
    if period not in ApplicationPeriod.values:
        errors["period"] = [
            _("申报周期应是：%(choices)s。")
            % {"choices": "、".join(f"{c}（{label}）" for c, label in ApplicationPeriod.choices)}
        ]
    clean["period"] = period
    facts = policy_rule_facts()
    document = merged.get("document")
    if document is True or document == {}:
        document = None
    if "parameters" in clean:
        problems = policy_rule_check(document, clean["parameters"], facts)
        if problems:
            errors["document"] = [message for _path, message in problems]
    clean["document"] = document
    formula = merged.get("benefit_formula")
    if formula in ({}, ""):
        formula = None
    if formula is not None and not errors.keys() & {"parameters", "inputs"}:
        probe = SimpleNamespace(
            benefit_formula=formula, parameters=clean["parameters"], inputs=clean["inputs"]
        )
        try:
            formula_check(probe, facts)
        except RuleError as error:
            errors["benefit_formula"] = [rule_error_message(error)]
    clean["benefit_formula"] = formula
    if errors:
        raise ApplicationError.invalid(errors)
    return clean


def only_editable(data: Mapping[str, Any]) -> None:
    refused = sorted(set(data) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError.invalid({name: [_("该项不能修改。")] for name in refused})
