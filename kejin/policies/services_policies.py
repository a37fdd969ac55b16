"""Writes of policies: drafting, versions with their rules, publication, expiry,
attachments, subscriptions and the notices of a publication.

Officers (``policy_can_manage``: city officers any policy, county officers their county's)
draft a policy with its first version (``policy_create``), edit the draft
(``policy_update``), draft a new version of a published policy (``policy_revise``: a copy
of the live one, which stays in force), publish (``policy_publish``: the version is
activated through ``kejin.facts.rule_versions.rule_version_activate`` — its worked cases
must pass — and becomes ``live_version``) and expire it (``policy_expire``). Every move is
checked against ``kejin.policies.policy_workflow`` under the policy's row lock (409
``policy_state_conflict``, nothing changed), audited and recorded as a ``PolicyEvent``.

A publication queues the Celery task ``policies.notify_publication`` on commit; it runs
``policy_publication_notify``: the users of enterprises subscribed to one of the policy's
categories and of enterprises that qualify (``kejin.policies.evaluation.qualifying_ids``)
are told once per version — ``PolicyNotice`` is unique per (version, enterprise), so a
second run finds nobody new.

A version's terms are validated here with a message per field: the rule by the engine over
the facts catalogue (with the version's parameters), the benefit formula by
``kejin.policies.benefits.formula_check`` over the catalogue and the version's inputs,
amounts, codes and working-day limits.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kejin.core.attachments import attachments_check
from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction, RegionLevel
from kejin.core.errors import ApplicationError
from kejin.core.models import Region
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import rule_version_activate
from kejin.notifications.services import notification_send
from kejin.policies.benefits import formula_check
from kejin.policies.choices import (
    ApplicationPeriod,
    ApplicationStep,
    PolicyAction,
    PolicyScheme,
    PolicyStatus,
)
from kejin.policies.models import (
    Policy,
    PolicyAttachment,
    PolicyCategory,
    PolicyEvent,
    PolicyNotice,
    PolicySubscription,
    PolicyVersion,
)
from kejin.policies.permissions import policy_can_manage, policy_can_subscribe
from kejin.policies.policy_rules import (
    label_choices,
    policy_rule_check,
    policy_rule_facts,
    tier_choices,
)
from kejin.policies.policy_workflow import policy_state, policy_transition_check
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
POLICY_AUDITED = [
    "title",
    "doc_number",
    "issuers",
    "region",
    "summary",
    "full_text",
    "scheme",
    "valid_from",
    "valid_to",
    "status",
    "live_version",
    "published_at",
]
VERSION_AUDITED = [
    "version",
    "valid_from",
    "document",
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
    "notes",
    "status",
]


# --- parsing ------------------------------------------------------------------------------


def _text(value: Any, *, max_length: int, multiline: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    problem = text_problem(text, multiline=multiline)
    if problem:
        raise ValueError(problem)
    if len(text) > max_length:
        raise ValueError(_("不能超过 %(max)s 个字。") % {"max": max_length})
    return text


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
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(_("请填写金额（元）。")) from error
    if not number.is_finite():
        raise ValueError(_("请填写金额（元）。"))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("金额最多保留 2 位小数。"))
    if not (Decimal(0) < number <= AMOUNT_CEILING):
        raise ValueError(_("金额应大于 0 元且不超过 100 亿元。"))
    return number


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("请填写整数。"))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValueError(_("请填写整数。")) from error
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(_("请填写整数。"))
    return int(number)


def _codes(value: Any, allowed: Mapping[str, str], what: str) -> list[str]:
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


def _region_ids(value: Any) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(_("应是县(市、区)的编号列表。"))
    try:
        ids = [_whole(getattr(item, "pk", item)) for item in value]
    except ValueError as error:
        raise ValueError(_("应是县(市、区)的编号列表。")) from error
    found = set(
        Region.objects.filter(pk__in=ids, level=RegionLevel.COUNTY).values_list("pk", flat=True)
    )
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValueError(
            _("编号为 %(ids)s 的县(市、区)不存在。") % {"ids": "、".join(dict.fromkeys(missing))}
        )
    return list(dict.fromkeys(ids))


def _region(value: Any) -> int | None:
    if value in (None, ""):
        return None
    ids = _region_ids([value])
    return ids[0]


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


def _categories(value: Any) -> list[PolicyCategory]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(_("应是政策类别代码的列表。"))
    codes = [getattr(item, "code", item) for item in value]
    if not all(isinstance(code, str) for code in codes):
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
        reference = _text(spec.get("reference"), max_length=255)
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
            "label": _text(spec.get("label"), max_length=64),
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
        label = _text(spec.get("label"), max_length=64)
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
        number = _whole(days)
        if not (1 <= number <= DEADLINE_MAX):
            raise ValueError(
                _("“%(step)s”时限应在 1 至 %(max)s 个工作日之间。")
                % {"step": steps[step], "max": DEADLINE_MAX}
            )
        clean[step] = number
    return clean


def _worked_cases(value: Any) -> list[dict]:
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
            raise ValueError(
                _(
                    '第 %(n)s 个算例格式有误：应有名称 name、企业数据 facts 和预期结果 expect，如 {"status": "qualified"}。'
                )
                % {"n": index}
            )
        cases.append(
            {
                "name": case["name"].strip(),
                "facts": case.get("facts") or {},
                "expect": case["expect"],
            }
        )
    return cases


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

    def take(name: str, parse) -> None:
        try:
            clean[name] = parse(merged.get(name))
        except ValueError as error:
            errors.setdefault(name, []).append(str(error))

    take("title", lambda v: _text(v, max_length=200))
    if "title" in clean and not clean["title"]:
        errors["title"] = [_("请填写政策名称。")]
    take("doc_number", lambda v: _text(v, max_length=64))
    take("issuers", _issuers)
    if "issuers" in clean and not clean["issuers"]:
        errors["issuers"] = [_("请填写至少一个发文部门，如“嘉兴市科学技术局”。")]
    take("region", _region)
    take("summary", lambda v: _text(v, max_length=2000, multiline=True))
    take("full_text", lambda v: _text(v, max_length=FULL_TEXT_MAX, multiline=True))
    take("categories", _categories)
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

    def take(name: str, parse) -> None:
        try:
            clean[name] = parse(merged.get(name))
        except ValueError as error:
            errors.setdefault(name, []).append(str(error))

    take("counties", _region_ids)
    take("tiers", lambda v: _codes(v, tier_choices(), str(_("成长阶段"))))
    take("labels", lambda v: _codes(v, label_choices(), str(_("名单标签"))))
    take("parameters", _parameters)
    take("inputs", _inputs)
    take("deadline_days", _deadline_days)
    take("worked_cases", _worked_cases)
    take("benefit_reference", lambda v: _text(v, max_length=255))
    take("reference", lambda v: _text(v, max_length=255))
    take("notes", lambda v: _text(v, max_length=4000, multiline=True))
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


def _only_editable(data: Mapping[str, Any]) -> None:
    refused = sorted(set(data) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError.invalid({name: [_("该项不能修改。")] for name in refused})


# --- helpers ------------------------------------------------------------------------------


def _require_manage(actor, policy: Policy) -> None:
    """403 unless ``actor`` manages ``policy`` (a county officer: their county's)."""
    message = None
    if getattr(actor, "is_county_officer", False):
        message = _("县(市、区)工作人员只能管理本县(市、区)发布的政策。")
    require(policy_can_manage, user=actor, obj=policy, message=message)


def _draft(policy: Policy) -> PolicyVersion | None:
    """The policy's draft version (at most one), or None."""
    return policy.versions.filter(status=RuleVersionStatus.DRAFT).order_by("-pk").first()


def _state(policy: Policy, draft: PolicyVersion | None) -> str:
    return policy_state(status=policy.status, has_draft=draft is not None)


def _locked(policy: Policy) -> tuple[Policy, PolicyVersion | None]:
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    return locked, _draft(locked)


def _event(
    *, policy: Policy, version, action: str, from_status: str, actor, comment: str = "", at
) -> PolicyEvent:
    return PolicyEvent.objects.create(
        policy=policy,
        version=version,
        action=action,
        from_status=from_status,
        to_status=policy.status,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
        at=at,
    )


def _policy_snapshot(policy: Policy) -> dict:
    snapshot = model_snapshot(policy, POLICY_AUDITED)
    snapshot["categories"] = sorted(policy.categories.values_list("code", flat=True))
    return snapshot


def _version_snapshot(version: PolicyVersion) -> dict:
    snapshot = model_snapshot(version, VERSION_AUDITED)
    snapshot["counties"] = sorted(version.counties.values_list("pk", flat=True))
    return snapshot


def _audit(*, actor, instance, before: dict | None, after: dict, ip_address) -> None:
    if before is not None:
        keys = [k for k in after if before.get(k) != after.get(k)]
        if not keys:
            return
        before, after = {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=instance,
        before=before,
        after=after,
        ip_address=ip_address,
    )


def _write_policy(policy: Policy, fields: dict[str, Any]) -> None:
    fields = dict(fields)
    categories = fields.pop("categories", None)
    if "region" in fields:
        policy.region_id = fields.pop("region")
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    if categories is not None:
        policy.categories.set(categories)


def _write_version(version: PolicyVersion, terms: dict[str, Any], *, default_from) -> None:
    terms = dict(terms)
    counties = terms.pop("counties")
    effective = terms.pop("effective_from", None)
    version.valid_from = effective or default_from
    for name, value in terms.items():
        setattr(version, name, value)
    version.save()
    version.counties.set(counties)


def _terms_of(version: PolicyVersion) -> dict[str, Any]:
    """A version's terms as ``version_terms_clean`` takes them (the base of an edit)."""
    terms = {
        name: getattr(version, name)
        for name in VERSION_FIELDS
        if name not in ("counties", "effective_from")
    }
    terms["counties"] = list(version.counties.values_list("pk", flat=True))
    terms["effective_from"] = version.valid_from
    return terms


def _fields_of(policy: Policy) -> dict[str, Any]:
    fields = {name: getattr(policy, name) for name in POLICY_FIELDS if name != "categories"}
    fields["region"] = policy.region_id
    fields["categories"] = list(policy.categories.values_list("code", flat=True))
    return fields


def _comment(comment: Any) -> str:
    try:
        return _text(comment, max_length=COMMENT_MAX, multiline=True)
    except ValueError as error:
        raise ApplicationError.invalid({"comment": [str(error)]}) from error


# --- policies -----------------------------------------------------------------------------


@transaction.atomic
def policy_create(*, actor, data: Mapping[str, Any], ip_address: str | None = None) -> Policy:
    """Draft a policy with its version 1 (officers; a county officer only for their own
    county: ``region`` is then theirs by default). ``data``: ``POLICY_FIELDS`` and the
    version's terms (``VERSION_FIELDS``). Audited."""
    require(policy_can_manage, user=actor)
    _only_editable(data)
    data = dict(data)
    if getattr(actor, "is_county_officer", False) and data.get("region") in (None, ""):
        data["region"] = actor.county_id
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    terms: dict[str, Any] = {}
    try:
        fields = policy_fields_clean(data)
    except ApplicationError as error:
        errors.update(error.fields)
    try:
        terms = version_terms_clean(data)
    except ApplicationError as error:
        errors.update(error.fields)
    if "region" in fields:
        _require_manage(actor, Policy(region_id=fields["region"]))
    if errors:
        raise ApplicationError.invalid(errors)
    now = timezone.now()
    policy = Policy(status=PolicyStatus.DRAFT, created_by=actor)
    _write_policy(policy, fields)
    version = PolicyVersion(policy=policy, version="1", created_by=actor)
    _write_version(version, terms, default_from=policy.valid_from)
    _audit(
        actor=actor,
        instance=policy,
        before=None,
        after=_policy_snapshot(policy),
        ip_address=ip_address,
    )
    _audit(
        actor=actor,
        instance=version,
        before=None,
        after=_version_snapshot(version),
        ip_address=ip_address,
    )
    _event(
        policy=policy,
        version=version,
        action=PolicyAction.CREATE,
        from_status="",
        actor=actor,
        at=now,
    )
    return policy


@transaction.atomic
def policy_update(
    *, actor, policy: Policy, data: Mapping[str, Any], ip_address: str | None = None
) -> PolicyVersion:
    """Change a policy's draft (officers who manage it): before the first publication the
    policy's own fields and its draft version; after it (a new version being drafted) the
    version's terms only — the published document is not rewritten. Only the given fields
    change. Returns the draft version. Audited."""
    _require_manage(actor, policy)
    _only_editable(data)
    policy, draft = _locked(policy)
    policy_transition_check(action=PolicyAction.EDIT, state=_state(policy, draft))
    assert draft is not None
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    given = {k: v for k, v in data.items() if k in POLICY_FIELDS}
    if given and policy.published_at is not None:
        errors.update(
            {
                name: [_("已发布的政策不能修改政策文本和基本信息；如需变更，请另行起草新政策。")]
                for name in given
            }
        )
    elif given:
        try:
            fields = policy_fields_clean(given, base=_fields_of(policy))
        except ApplicationError as error:
            errors.update(error.fields)
        if "region" in fields and fields["region"] != policy.region_id:
            _require_manage(actor, Policy(region_id=fields["region"]))
    try:
        terms = version_terms_clean(data, base=_terms_of(draft))
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError.invalid(errors)
    now = timezone.now()
    if fields:
        before = _policy_snapshot(policy)
        _write_policy(policy, {k: v for k, v in fields.items() if k in given})
        _audit(
            actor=actor,
            instance=policy,
            before=before,
            after=_policy_snapshot(policy),
            ip_address=ip_address,
        )
    before = _version_snapshot(draft)
    default_from = policy.valid_from if policy.published_at is None else timezone.localdate()
    _write_version(draft, terms, default_from=default_from)
    _audit(
        actor=actor,
        instance=draft,
        before=before,
        after=_version_snapshot(draft),
        ip_address=ip_address,
    )
    _event(
        policy=policy,
        version=draft,
        action=PolicyAction.EDIT,
        from_status=policy.status,
        actor=actor,
        at=now,
    )
    return draft


@transaction.atomic
def policy_revise(*, actor, policy: Policy, ip_address: str | None = None) -> PolicyVersion:
    """Draft a new version of a published policy: a copy of the live one (rule, targeting,
    parameters, formula, caps, inputs, worked cases) taking effect from today unless edited;
    the live version stays in force until the new one is published. Audited."""
    _require_manage(actor, policy)
    policy, draft = _locked(policy)
    policy_transition_check(action=PolicyAction.REVISE, state=_state(policy, draft))
    live = policy.live_version
    assert live is not None
    terms = _terms_of(live)
    terms["effective_from"] = max(timezone.localdate(), live.valid_from)
    version = PolicyVersion(
        policy=policy, version=str(policy.versions.count() + 1), created_by=actor
    )
    _write_version(version, terms, default_from=timezone.localdate())
    _audit(
        actor=actor,
        instance=version,
        before=None,
        after=_version_snapshot(version),
        ip_address=ip_address,
    )
    _event(
        policy=policy,
        version=version,
        action=PolicyAction.REVISE,
        from_status=policy.status,
        actor=actor,
        at=timezone.now(),
    )
    return version


@transaction.atomic
def policy_publish(
    *, actor, policy: Policy, comment: str = "", ip_address: str | None = None
) -> Policy:
    """Publish the draft version (officers who manage the policy): it is activated — its
    worked cases must pass (``worked_cases_fail``, 400) when it has a rule — and becomes the
    live version, retiring the one before; the policy is published. On commit the task
    ``policies.notify_publication`` tells the subscribed and the qualifying enterprises,
    once per version. Audited."""
    _require_manage(actor, policy)
    policy, draft = _locked(policy)
    policy_transition_check(action=PolicyAction.PUBLISH, state=_state(policy, draft))
    assert draft is not None
    comment = _comment(comment)
    today = timezone.localdate()
    if policy.valid_to is not None and policy.valid_to < today:
        raise ApplicationError.invalid(
            {"valid_to": [_("政策有效期已于 %(day)s 截止，不能发布。") % {"day": policy.valid_to}]}
        )
    now = timezone.now()
    from_status = policy.status
    before = _policy_snapshot(policy)
    version = rule_version_activate(version=draft, actor=actor, ip_address=ip_address)
    policy.status = PolicyStatus.PUBLISHED
    policy.live_version = version
    if policy.published_at is None:
        policy.published_at = now
    policy.save(update_fields=["status", "live_version", "published_at", "updated_at"])
    _audit(
        actor=actor,
        instance=policy,
        before=before,
        after=_policy_snapshot(policy),
        ip_address=ip_address,
    )
    _event(
        policy=policy,
        version=version,
        action=PolicyAction.PUBLISH,
        from_status=from_status,
        actor=actor,
        comment=comment,
        at=now,
    )
    version_id = version.pk

    def notify_publication() -> None:
        from kejin.policies.tasks_publishing import policy_notify_publication_task

        policy_notify_publication_task.delay(version_id=version_id)

    # robust: a failed notice run is logged (and may be run again); the publication stands.
    transaction.on_commit(notify_publication, robust=True)
    return policy


@transaction.atomic
def policy_expire(
    *, actor, policy: Policy, comment: str = "", ip_address: str | None = None
) -> Policy:
    """End a published policy for good (officers who manage it): its status becomes expired
    (the public still reads it, marked 已失效); a draft version pending is left as it is,
    never to be published. Audited."""
    _require_manage(actor, policy)
    policy, draft = _locked(policy)
    policy_transition_check(action=PolicyAction.EXPIRE, state=_state(policy, draft))
    comment = _comment(comment)
    now = timezone.now()
    from_status = policy.status
    before = _policy_snapshot(policy)
    policy.status = PolicyStatus.EXPIRED
    policy.save(update_fields=["status", "updated_at"])
    _audit(
        actor=actor,
        instance=policy,
        before=before,
        after=_policy_snapshot(policy),
        ip_address=ip_address,
    )
    _event(
        policy=policy,
        version=policy.live_version,
        action=PolicyAction.EXPIRE,
        from_status=from_status,
        actor=actor,
        comment=comment,
        at=now,
    )
    return policy


@transaction.atomic
def policy_attachments_add(
    *, actor, policy: Policy, files: Sequence, ip_address: str | None = None
) -> list[PolicyAttachment]:
    """Attach files (the signed document, forms) to a policy that is not expired (officers
    who manage it): each a PDF, JPG or PNG of at most 10 MB
    (``kejin.core.attachments.attachments_check``), nothing stored if one is refused.
    Audited."""
    _require_manage(actor, policy)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.status == PolicyStatus.EXPIRED:
        policy_transition_check(action=PolicyAction.EDIT, state=_state(policy, None))
    checked = attachments_check(files)
    if not checked:
        raise ApplicationError.invalid({"attachments": [_("请选择要上传的文件。")]})
    rows = []
    for item in checked:
        row = PolicyAttachment.objects.create(
            policy=policy,
            file=item.file,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=row,
            after={"policy": policy.pk, "name": row.name, "size": row.size, "sha256": row.sha256},
            ip_address=ip_address,
        )
        rows.append(row)
    return rows


# --- subscriptions ------------------------------------------------------------------------


@transaction.atomic
def policy_subscriptions_set(
    *, actor, categories: Sequence[str], ip_address: str | None = None
) -> list[str]:
    """Set the categories the actor's enterprise subscribes to (enterprise users): those
    not given are unsubscribed. Returns the codes subscribed, in the categories' order.
    Audited when something changed."""
    require(policy_can_subscribe, user=actor)
    try:
        wanted = _categories(list(categories or []))
    except ValueError as error:
        raise ApplicationError.invalid({"categories": [str(error)]}) from error
    enterprise_id = actor.enterprise_id
    current = set(
        PolicySubscription.objects.filter(enterprise_id=enterprise_id).values_list(
            "category__code", flat=True
        )
    )
    codes = {c.code for c in wanted}
    PolicySubscription.objects.filter(enterprise_id=enterprise_id).exclude(
        category__code__in=codes
    ).delete()
    PolicySubscription.objects.bulk_create(
        [
            PolicySubscription(enterprise_id=enterprise_id, category=c)
            for c in wanted
            if c.code not in current
        ],
        ignore_conflicts=True,
    )
    if current != codes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=actor.enterprise,
            before={"policy_subscriptions": sorted(current)},
            after={"policy_subscriptions": sorted(codes)},
            ip_address=ip_address,
        )
    return [code for code in PolicyCategory.objects.values_list("code", flat=True) if code in codes]


def policy_subscribe(*, actor, category: str, ip_address: str | None = None) -> list[str]:
    """Subscribe the actor's enterprise to one more category (enterprise users)."""
    require(policy_can_subscribe, user=actor)
    current = list(
        PolicySubscription.objects.filter(enterprise_id=actor.enterprise_id).values_list(
            "category__code", flat=True
        )
    )
    return policy_subscriptions_set(
        actor=actor, categories=[*current, category], ip_address=ip_address
    )


def policy_unsubscribe(*, actor, category: str, ip_address: str | None = None) -> list[str]:
    """Unsubscribe the actor's enterprise from one category (enterprise users)."""
    require(policy_can_subscribe, user=actor)
    current = PolicySubscription.objects.filter(enterprise_id=actor.enterprise_id).values_list(
        "category__code", flat=True
    )
    return policy_subscriptions_set(
        actor=actor, categories=[c for c in current if c != category], ip_address=ip_address
    )


# --- notices of a publication ---------------------------------------------------------------


def _subscribed_ids(policy: Policy) -> set[int]:
    """Enterprises subscribed to one of the policy's categories (a county's policy: only
    that county's)."""
    subscriptions = PolicySubscription.objects.filter(category__in=policy.categories.all())
    if policy.region_id is not None:
        subscriptions = subscriptions.filter(enterprise__county_id=policy.region_id)
    return set(subscriptions.values_list("enterprise_id", flat=True))


def policy_publication_notify(*, version_id: int) -> int:
    """Tell the users of the enterprises subscribed to one of the policy's categories and of
    those that qualify under version ``version_id`` that it is published, each enterprise
    once per version (``PolicyNotice``'s unique key; the notification key too). Returns how
    many enterprises were newly told (0 on a re-run). Nothing for a version no longer live."""
    with transaction.atomic():
        version = (
            PolicyVersion.objects.select_for_update()
            .select_related("policy")
            .filter(pk=version_id)
            .first()
        )
        if version is None:
            return 0
        policy = version.policy
        if policy.status != PolicyStatus.PUBLISHED or policy.live_version_id != version.pk:
            return 0
        subscribed = _subscribed_ids(policy)
        qualifying = set(qualifying_enterprise_ids(version))
        reasons = dict.fromkeys(qualifying, PolicyNotice.Reason.QUALIFIES)
        reasons.update(dict.fromkeys(subscribed, PolicyNotice.Reason.SUBSCRIBED))
        if not reasons:
            return 0
        told = set(
            PolicyNotice.objects.filter(
                version=version, enterprise_id__in=list(reasons)
            ).values_list("enterprise_id", flat=True)
        )
        new = sorted(set(reasons) - told)
        PolicyNotice.objects.bulk_create(
            [PolicyNotice(version=version, enterprise_id=pk, reason=reasons[pk]) for pk in new],
            ignore_conflicts=True,
        )
        if new:
            users = get_user_model().objects.filter(enterprise_id__in=new, is_active=True)
            notification_send(
                recipients=list(users),
                kind="policy_published",
                key=f"policy:{policy.pk}:v{version.pk}:published",
                title=_("新政策发布：%(title)s") % {"title": policy.title},
                body=policy.summary[:500],
                url=reverse("policies:policy_detail", args=[policy.pk]),
            )
        return len(new)


def qualifying_enterprise_ids(version: PolicyVersion) -> list[int]:
    """The enterprises ``version``'s rule finds eligible (``kejin.policies.evaluation``); an
    empty facts frame qualifies nobody."""
    from kejin.policies.evaluation import qualifying_ids

    return qualifying_ids(version)


def deadline_defaults() -> dict[str, int]:
    """The working-day limits a version without its own uses (settings)."""
    return {step: int(settings.KEJIN_POLICY_DEADLINES[step]) for step in ApplicationStep.values}
