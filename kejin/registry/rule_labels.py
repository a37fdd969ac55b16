"""What the facts a stage's or label's rule may read are called and measured in, for the rule
describer (``kejin.rules.describe``) and the rule editor (``kejin.core.ui.rule_editor``).

Every fact of the shared catalogue (``kejin.facts.catalogue``: the enterprises' facts and
the list's own — stage, labels, on the list), plus each recognition rule set's result (one
of the recognition statuses) and score. ``rule_check`` is the engine's validation as (path, message) pairs, so
the editor can show a problem beside the condition it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from kejin.enterprises.choices import RecognitionStatus
from kejin.enterprises.recognition import rulesets
from kejin.facts.catalogue import catalogue
from kejin.rules.describe import Clause, FactLabel, rule_describe
from kejin.rules.expressions import RuleError, validate
from kejin.rules.messages import rule_error_message


def _list_choices() -> dict[str, Mapping[str, str]]:
    """The codes of the list's own facts with their names: stages and labels."""
    from kejin.registry.models import GrowthStage, Label

    return {
        "registry_stage": dict(GrowthStage.objects.order_by("order").values_list("code", "name")),
        "registry_labels": dict(
            Label.objects.order_by("order", "code").values_list("code", "name")
        ),
    }


def rule_fact_labels() -> dict[str, FactLabel]:
    """Every name a stage's or label's rule may read, with how it reads."""
    labels: dict[str, FactLabel] = {}
    english = (get_language() or "").startswith("en")
    choices = _list_choices()
    for name, fact in catalogue().items():
        if name in choices:
            kind = "set" if isinstance(fact.dtype, pl.List) else "choice"
        elif fact.dtype is pl.Boolean:
            kind = "flag"
        elif fact.unit == "元":
            kind = "money"
        else:
            kind = "number"
        # The catalogue's English label where it has one (kejin.facts' Fact.label_en).
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


def registry_rule_describe(rule: Any, labels: dict[str, FactLabel] | None = None) -> Clause:
    """A stage's or label's rule as readable clauses."""
    return rule_describe(rule, labels=labels if labels is not None else rule_fact_labels())


def rule_check(rule: Any) -> list[tuple[str, str]]:
    """The engine's objections to ``rule`` as (path, message); empty when it compiles."""
    try:
        validate(rule, rule_fact_labels())
    except RuleError as error:
        # Built from the error's code, path and parameters; the path finds the condition.
        return [(error.path or "$", rule_error_message(error))]
    return []


def registry_rule_field(*, required: bool, empty_value: Any, help_text: StrOrPromise = "") -> Any:
    """The rule editor for a stage's (``required``, no condition = every enterprise) or a
    label's (no condition = a manual label) rule."""
    from kejin.core.ui.rule_editor import RuleEditorField

    return RuleEditorField(
        facts=rule_fact_labels(),
        check=rule_check,
        empty_value=empty_value,
        required=required,
        label=_("判定规则"),
        help_text=help_text,
    )
