"""A product's eligibility rule: what its facts are called, its check and its words.

A product's rule is one JSON rule over the facts catalogue (``kejin.facts.catalogue``: the
enterprises' facts, the list's stage and labels, credit) plus each recognition rule set's
result and score — the same names a list rule may read, so an officer reads both alike.
``product_rule_check`` is the engine's validation (``kejin.rules.expressions.validate``) as
(path, message) pairs for the rule editor (``kejin.core.ui.rule_editor``), which shows a
problem beside the condition it concerns; ``product_rule_describe`` is the rule in words
(``kejin.rules.describe``). Evaluation is the engine's, through
``ProductVersion.rule_set_version()`` — never here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kejin.core.ui.rule_editor import RuleEditorField
from kejin.enterprises.choices import RecognitionStatus
from kejin.enterprises.recognition import rulesets
from kejin.facts.catalogue import catalogue
from kejin.registry.models import GrowthStage, Label
from kejin.rules.describe import Clause, FactLabel, rule_describe, rule_describe_lines
from kejin.rules.expressions import RuleError, validate
from kejin.rules.messages import rule_error_message


def tier_choices() -> dict[str, str]:
    """The list's growth stages (a product's ``tiers``), code -> name, in their order."""
    return dict(GrowthStage.objects.order_by("order").values_list("code", "name"))


def label_choices() -> dict[str, str]:
    """The list's labels (a product's ``labels``), code -> name, in their order."""
    return dict(Label.objects.order_by("order", "code").values_list("code", "name"))


def product_rule_facts() -> dict[str, FactLabel]:
    """Every name a product's rule may read, with how it reads."""
    labels: dict[str, FactLabel] = {}
    english = (get_language() or "").startswith("en")
    choices: dict[str, Mapping[str, str]] = {
        "registry_stage": tier_choices(),
        "registry_labels": label_choices(),
    }
    for name, fact in catalogue().items():
        if name in choices:
            kind = "set" if isinstance(fact.dtype, pl.List) else "choice"
        elif fact.dtype is pl.Boolean:
            kind = "flag"
        elif fact.unit == "元":
            kind = "money"
        else:
            kind = "number"
        label = getattr(fact, "label_en", "") if english else ""
        labels[name] = FactLabel(label or fact.label, fact.unit, kind, choices.get(name, {}))
    statuses = {value: str(label) for value, label in RecognitionStatus.choices}
    for ruleset in rulesets():
        labels[f"{ruleset.id}.status"] = FactLabel(
            _("%(ruleset)s结果") % {"ruleset": ruleset.title}, "", "choice", statuses
        )
        if ruleset.components:
            labels[f"{ruleset.id}.score"] = FactLabel(
                _("%(ruleset)s得分") % {"ruleset": ruleset.title}, _("分")
            )
    return labels


def product_rule_check(rule: Any) -> list[tuple[str, str]]:
    """The engine's objections to ``rule`` as (path, message); empty when it compiles."""
    if rule is None or rule is True:
        return []
    try:
        validate(rule, product_rule_facts())
    except RuleError as error:
        return [(error.path or "$", rule_error_message(error))]
    return []


def product_rule_describe(rule: Any, labels: Mapping[str, FactLabel] | None = None) -> Clause:
    """The rule as readable clauses (no rule: every enterprise)."""
    return rule_describe(
        True if rule is None else rule,
        labels=labels if labels is not None else product_rule_facts(),
    )


def product_rule_lines(rule: Any) -> list[str]:
    """The rule in words as indented lines (for the API and exports)."""
    return rule_describe_lines(True if rule is None else rule, labels=product_rule_facts())


def product_rule_field(*, help_text: str = "") -> RuleEditorField:
    """The rule editor for a product's eligibility rule (no condition: no further rule)."""
    return RuleEditorField(
        facts=product_rule_facts(),
        check=product_rule_check,
        empty_value=None,
        required=False,
        label=_("准入规则"),
        help_text=help_text,
    )
