"""A policy version's rules for the officers who edit them: what the facts are called, the
checks of the eligibility rule and the benefit formula, and both in words.

The eligibility ``document`` is one JSON rule over the facts catalogue (edited in the rule
editor, ``kejin.core.ui.rule_editor``) or a rule set as in the recognition YAMLs
(``conditions``, ``indicators``…, edited as JSON); either may write ``{"param": name}`` for
one of the version's parameters. ``policy_rule_check`` is the engine's validation as (path,
message) pairs — the editor shows a problem beside its condition; ``policy_rule_describe`` is
the rule in words (``kejin.rules.describe``). The benefit formula is checked by
``kejin.policies.benefits.formula_check`` against the catalogue and the version's inputs.
Evaluation is the engine's, through ``PolicyVersion.rule_set_version()`` — never here.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from kejin.core.ui.rule_editor import RuleEditorField
from kejin.enterprises.eligibility import fact_labels
from kejin.registry.selectors import registry_fact_choices
from kejin.rules.describe import Clause, FactLabel, rule_describe, rule_describe_lines
from kejin.rules.expressions import RuleError, validate
from kejin.rules.messages import rule_error_message
from kejin.rules.ruleset import Parameter, RuleSet, resolve_parameters

#: The keys that make a document a rule set rather than one JSON rule.
RULESET_KEYS = frozenset({"indicators", "conditions", "direct", "pass", "components"})
#: The name the benefit goes by when the formula is described ("支持金额 = …").
BENEFIT = "__benefit__"


def tier_choices() -> dict[str, str]:
    """The list's growth stages (a version's ``tiers``), code -> name, in their order."""
    return registry_fact_choices()["registry_stage"]


def label_choices() -> dict[str, str]:
    """The list's labels (a version's ``labels``), code -> name, in their order."""
    return registry_fact_choices()["registry_labels"]


def policy_rule_facts() -> dict[str, FactLabel]:
    """Every name a policy's rule and formula may read, with how it reads."""
    return fact_labels(registry_fact_choices())


def is_ruleset(document: Any) -> bool:
    return isinstance(document, dict) and bool(RULESET_KEYS & set(document))


def _parameters(parameters: Mapping[str, Any] | None) -> dict[str, Parameter]:
    return {
        name: Parameter(name, spec.get("value"), str(spec.get("reference", "")), "")
        for name, spec in (parameters or {}).items()
        if isinstance(spec, Mapping)
    }


def policy_rule_check(
    document: Any,
    parameters: Mapping[str, Any] | None = None,
    facts: Mapping[str, FactLabel] | None = None,
) -> list[tuple[str, str]]:
    """The engine's objections to ``document`` (with ``parameters``) as (path, message);
    empty when it compiles over the catalogue."""
    if document is None or document is True:
        return []
    known = facts if facts is not None else policy_rule_facts()
    try:
        if is_ruleset(document):
            RuleSet.from_dict(
                {
                    **document,
                    "id": "policy",
                    "title": document.get("title") or "policy",
                    "reference": document.get("reference") or "",
                    "valid_from": datetime.date(2000, 1, 1),
                    "facts": sorted(known),
                    "parameters": {
                        name: {"value": p.value, "reference": p.reference}
                        for name, p in _parameters(parameters).items()
                    },
                }
            )
        else:
            validate(resolve_parameters(document, _parameters(parameters)), known)
    except RuleError as error:
        return [(error.path or "$", rule_error_message(error))]
    return []


def policy_rule_describe(
    document: Any,
    parameters: Mapping[str, Any] | None = None,
    labels: Mapping[str, FactLabel] | None = None,
) -> Clause:
    """The rule in words (no rule: every enterprise in the targeted counties, stages and
    labels); a rule set reads as "全部满足" its conditions, each under its label."""
    labels = labels if labels is not None else policy_rule_facts()
    with contextlib.suppress(RuleError):  # else described as written
        document = resolve_parameters(document, _parameters(parameters))
    if not is_ruleset(document):
        return rule_describe(True if document is None else document, labels=labels)
    children = []
    for index, condition in enumerate(document.get("conditions") or ()):
        inner = rule_describe(condition.get("test"), labels=labels)
        label = condition.get("label") or condition.get("id") or ""
        children.append(
            Clause(
                f"{label}：{inner.text}" if label else inner.text,
                f"$.conditions[{index}]",
                inner.children,
                inner.kind,
            )
        )
    if not children:
        return Clause(_("按规则集判定（详见规则）"), "$")
    return Clause(_("全部满足："), "$", tuple(children), "all")


def policy_rule_lines(document: Any, parameters: Mapping[str, Any] | None = None) -> list[str]:
    """The rule in words as indented lines (for the API and exports)."""
    clause = policy_rule_describe(document, parameters)
    lines: list[str] = []

    def walk(node: Clause, depth: int) -> None:
        lines.append("  " * depth + node.text)
        for child in node.children:
            walk(child, depth + 1)

    walk(clause, 0)
    return lines


def formula_lines(
    formula: Any,
    parameters: Mapping[str, Any] | None = None,
    inputs: list[Mapping[str, Any]] | None = None,
) -> list[str]:
    """The benefit formula in words, "支持金额 = …" (the engine's describer reads an
    expression too), the application's fields by their labels."""
    if formula in (None, {}, ""):
        return []
    with contextlib.suppress(RuleError):  # else described as written
        formula = resolve_parameters(formula, _parameters(parameters))
    labels = dict(policy_rule_facts())
    # Plain numbers (a rate after a money field must not read as 元): units in the labels.
    labels[BENEFIT] = FactLabel(_("支持金额（元）"))
    for spec in inputs or ():
        label = str(spec.get("label") or spec.get("name"))
        if spec.get("kind") == "money":
            label = _("%(label)s（元）") % {"label": label}
        labels[f"input.{spec.get('name')}"] = FactLabel(label)
    return rule_describe_lines({"==": [{"var": BENEFIT}, formula]}, labels=labels)


def _params_as_zero(expression: Any) -> Any:
    """``{"param": x}`` placeholders as 0 (the editor checks the shape; the service checks
    the rule again with the version's parameters)."""
    if isinstance(expression, list):
        return [_params_as_zero(e) for e in expression]
    if isinstance(expression, dict):
        if set(expression) == {"param"}:
            return 0
        return {k: _params_as_zero(v) for k, v in expression.items()}
    return expression


def policy_rule_field(*, help_text: str = "") -> RuleEditorField:
    """The rule editor for a version's eligibility rule (no condition: no further rule)."""
    return RuleEditorField(
        facts=policy_rule_facts(),
        check=lambda rule: policy_rule_check(_params_as_zero(rule)),
        empty_value=None,
        required=False,
        label=_("申报条件"),
        help_text=help_text,
    )
