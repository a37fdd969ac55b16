"""Eligibility: a targeted rule over the enterprises' facts frame, batch and explained.

Shared by product eligibility (financing) and policy eligibility (policies). An eligibility
rule is one rule set of ``kejin.rules`` (never a second evaluator): a rule version's
``document`` (a rule set as in the recognition YAMLs, or one JsonLogic condition,
or nothing) with the version's terms added as conditions over the frame — the counties it
serves (``county_id``), the growth stages (``registry_stage``) and list labels
(``registry_labels``: at least one of them) it is for. ``eligibility_rule`` compiles it once
per distinct (document, parameters, terms) and keeps it (an active version never changes:
a change is a new version).

- Batch: ``eligibility_frame`` evaluates the rule over a whole facts frame at once
  (``RuleSet.evaluate_frame``, polars), for "enterprises that fit this product / qualify for this policy".
- One enterprise: ``eligibility_explain`` runs ``RuleSet.explain`` and says clause by clause
  what holds and what is missing, with the gap ("研发费用占销售收入的比例 2.1%，需 ≥ 3%",
  ``kejin.rules.describe.rule_gaps``).

An enterprise is eligible when the rule set's status is qualified (or qualified directly),
not eligible when it is not qualified, and ``unknown`` when facts it needs are missing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.enterprises.models import AnnualFacts
from kejin.facts.catalogue import catalogue
from kejin.facts.frame import iter_frames
from kejin.rules.describe import FactLabel, rule_gaps
from kejin.rules.expressions import variables
from kejin.rules.ruleset import NOT_QUALIFIED, QUALIFIED, QUALIFIED_DIRECT, Explanation, RuleSet

ELIGIBLE = "eligible"
INELIGIBLE = "ineligible"
UNKNOWN = "unknown"

#: Columns of the facts frame the terms read (``county_id`` is the enterprises' rows' own).
COUNTY = "county_id"
STAGE = "registry_stage"
LABELS = "registry_labels"
#: The credit grade fact (the credit module's; absent or empty without it).
CREDIT_GRADE = "credit.grade"
TERMS_IDS = ("terms_county", "terms_tiers", "terms_labels")
_STAGE_COLUMNS = ("value.", "points.", "component.", "band.", "condition.", "direct.")
_RULESET_KEYS = frozenset({"indicators", "conditions", "direct", "pass", "components"})


def _parse(text: str | None) -> Any:
    return json.loads(text) if text else None


def _facts_read(data: Mapping[str, Any]) -> set[str]:
    """The facts a rule set's document reads (not its own stage columns)."""
    expressions: list[Any] = []
    for indicator in data.get("indicators") or ():
        expressions += [indicator.get("value"), indicator.get("points")]
    for key in ("conditions", "direct"):
        expressions += [c.get("test") for c in data.get(key) or ()]
    expressions += [c.get("points") for c in data.get("components") or ()]
    if data.get("pass"):
        expressions.append(data["pass"].get("test"))
    names: set[str] = set()
    for expression in expressions:
        if isinstance(expression, (dict, list)):
            names |= variables(_without_params(expression))
    return {n for n in names if n != "score" and not n.startswith(_STAGE_COLUMNS)}


def _without_params(expression: Any) -> Any:
    """``{"param": x}`` placeholders as literals (only the facts are wanted here)."""
    if isinstance(expression, list):
        return [_without_params(e) for e in expression]
    if isinstance(expression, dict):
        if set(expression) == {"param"}:
            return 0
        return {k: _without_params(v) for k, v in expression.items()}
    return expression


@lru_cache(maxsize=4096)
def eligibility_rule(
    document: str | None,
    parameters: str | None = None,
    counties: tuple[int, ...] = (),
    tiers: tuple[str, ...] = (),
    labels: tuple[str, ...] = (),
) -> RuleSet:
    """The eligibility rule set of a version: its document (JSON text) with ``parameters``
    (JSON text) and the terms as conditions. Compiled once per distinct argument list."""
    data = _parse(document)
    if data is None:
        base: dict[str, Any] = {}
    elif isinstance(data, dict) and _RULESET_KEYS & set(data):
        base = dict(data)
    else:  # one JsonLogic condition
        base = {"conditions": [{"id": "rule", "label": _("准入条件"), "test": data}]}
    terms: list[dict[str, Any]] = []
    if counties:
        terms.append(
            {
                "id": "terms_county",
                "label": _("服务区域"),
                "test": {"in": [{"var": COUNTY}, list(counties)]},
            }
        )
    if tiers:
        terms.append(
            {
                "id": "terms_tiers",
                "label": _("适用成长阶段"),
                "test": {"in": [{"var": STAGE}, list(tiers)]},
                "if_missing": False,
            }
        )
    if labels:
        test = {"or": [{"in": [code, {"var": LABELS}]} for code in labels]}
        terms.append(
            {"id": "terms_labels", "label": _("适用名单标签"), "test": test, "if_missing": False}
        )
    facts = set(base.get("facts") or ()) | _facts_read(base)
    facts |= {COUNTY} if counties else set()
    facts |= {STAGE} if tiers else set()
    facts |= {LABELS} if labels else set()
    return RuleSet.from_dict(
        {
            **base,
            "id": "eligibility",
            "title": base.get("title") or _("准入条件"),
            "reference": base.get("reference") or "",
            "valid_from": datetime.date(2000, 1, 1),
            "valid_to": None,
            "facts": sorted(facts),
            "conditions": [*terms, *(base.get("conditions") or ())],
            "parameters": _parse(parameters) or base.get("parameters") or {},
        }
    )


def rule_facts(rules: Iterable[RuleSet]) -> set[str]:
    """Every fact the rules read (what to put in the frame)."""
    return {name for rule in rules for name in rule.facts}


# --- batch ----------------------------------------------------------------------------------


def eligibility_frame(rule: RuleSet, frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """``enterprise_id`` and ``status`` (eligible / ineligible / unknown) of every row of a
    facts frame, in one vectorised evaluation."""
    status = pl.col("status")
    return (
        rule.evaluate_frame(frame)
        .select(
            "enterprise_id",
            pl.when(status.is_in([QUALIFIED, QUALIFIED_DIRECT]))
            .then(pl.lit(ELIGIBLE))
            .when(status == NOT_QUALIFIED)
            .then(pl.lit(INELIGIBLE))
            .otherwise(pl.lit(UNKNOWN))
            .alias("status"),
        )
        .collect()
    )


def eligible_ids(rule: RuleSet, frame: pl.DataFrame | pl.LazyFrame) -> pl.Series:
    """The ids of the rows of ``frame`` that the rule finds eligible: one filter when the
    rule is conditions only (``RuleSet.qualified_expr``), else the full evaluation."""
    fast = rule.qualified_expr()
    if fast is None:
        passed = pl.col("status").is_in([QUALIFIED, QUALIFIED_DIRECT])
        selected = rule.evaluate_frame(frame).filter(passed)
    else:
        lazy = frame.lazy()
        present = set(lazy.collect_schema().names())
        absent = [pl.lit(None).alias(name) for name in rule.facts if name not in present]
        selected = (lazy.with_columns(absent) if absent else lazy).filter(fast)
    return selected.select("enterprise_id").collect().to_series()


# --- one enterprise ---------------------------------------------------------------------------


def facts_data_year() -> int:
    """The latest year with facts for most enterprises (as the list's re-evaluation picks):
    the year batch eligibility reads (last year when there are no facts at all)."""
    counts = dict(
        AnnualFacts.objects.values_list("year").annotate(n=Count("enterprise_id")).order_by()
    )
    if not counts:
        return timezone.localdate().year - 1
    best = max(counts.values())
    return max(year for year, n in counts.items() if n * 2 >= best)


def latest_year(enterprise_id: int) -> int:
    """The latest year of the enterprise's annual facts (last year when it has none)."""
    year = AnnualFacts.objects.filter(enterprise_id=enterprise_id).aggregate(y=Max("year"))["y"]
    return year or timezone.localdate().year - 1


def enterprise_facts(enterprise_id: int, facts: Iterable[str]) -> dict[str, Any]:
    """One enterprise's facts (its latest year's) from the facts frame: only the sources
    that have one of ``facts``; the county and identity always. Empty if it does not exist."""
    year = latest_year(enterprise_id)
    wanted = set(facts)
    for frame in iter_frames(year=year, enterprise_id=enterprise_id, facts=wanted):
        if frame.height:
            return frame.row(0, named=True)
    return {}


@dataclass(frozen=True)
class Clause:
    """One condition for one enterprise: the text with its value and the gap, and whether
    it holds (None: facts missing)."""

    text: str
    met: bool | None


@dataclass
class Eligibility:
    """An enterprise against an eligibility rule: the status and every clause."""

    status: str
    clauses: list[Clause] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.status == ELIGIBLE

    @property
    def failing(self) -> list[Clause]:
        """The clauses that do not hold or cannot be judged."""
        return [c for c in self.clauses if c.met is not True]

    @property
    def holding(self) -> list[Clause]:
        return [c for c in self.clauses if c.met is True]


def fact_labels(choices: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, FactLabel]:
    """How the catalogue's facts read in a clause; ``choices`` names coded facts' values
    (the list's growth stages and labels: ``kejin.registry.selectors.registry_fact_choices``,
    a layer above this one)."""
    choices = choices or {}
    labels: dict[str, FactLabel] = {}
    for name, fact in catalogue().items():
        if name in choices:
            kind = "set" if isinstance(fact.dtype, pl.List) else "choice"
        elif fact.dtype is pl.Boolean:
            kind = "flag"
        elif fact.unit == "元":
            kind = "money"
        else:
            kind = "number"
        labels[name] = FactLabel(fact.label, fact.unit, kind, choices.get(name, {}))
    return labels


def eligibility_explain(
    rule: RuleSet,
    facts: Mapping[str, Any],
    *,
    labels: Mapping[str, FactLabel],
    county_names: Mapping[int, str] | None = None,
    explanation: Explanation | None = None,
) -> Eligibility:
    """The enterprise (``facts``: a row of the facts frame) against ``rule``, clause by
    clause, each with its value and what the rule needs (``explanation``: the rule's own
    ``explain`` of these facts, when the caller has it already)."""
    if not facts:
        return Eligibility(UNKNOWN, [Clause(_("企业尚无可用于判断的数据"), None)])
    explanation = explanation or rule.explain(dict(facts))
    status = {
        QUALIFIED: ELIGIBLE,
        QUALIFIED_DIRECT: ELIGIBLE,
        NOT_QUALIFIED: INELIGIBLE,
    }.get(explanation.status, UNKNOWN)
    row = dict(facts)
    row_labels = dict(labels)
    for indicator, shown in zip(rule.indicators, explanation.indicators, strict=True):
        row[f"value.{indicator.id}"] = shown.value
        row[f"points.{indicator.id}"] = shown.points
        row_labels[f"value.{indicator.id}"] = FactLabel(
            indicator.label, "", "percent" if indicator.format == "percent" else "number"
        )
    for component in explanation.components:
        row[f"component.{component.id}"] = component.points
    row["score"] = explanation.score
    row_labels["score"] = FactLabel(_("综合评价得分"), _("分"))
    clauses: list[Clause] = []
    for condition, result in zip(rule.conditions, explanation.conditions, strict=True):
        if condition.id in TERMS_IDS:
            clauses.append(
                _terms_clause(condition.id, rule, facts, result.met, labels, county_names)
            )
            continue
        gaps = rule_gaps(condition.test, row, labels=row_labels)
        if len(gaps) == 1 or result.met is not True:
            failing = [g for g in gaps if g.met is not True] if result.met is not True else gaps
            clauses += [Clause(g.text, g.met) for g in failing or gaps]
        else:
            clauses += [Clause(g.text, g.met) for g in gaps if g.met is True]
    direct_met = [d for d in explanation.direct if d.met]
    for direct in direct_met:
        clauses.append(Clause(_("直接符合：%(label)s") % {"label": direct.label}, True))
    if explanation.passed is not None and not direct_met:
        for gap in rule_gaps(rule.pass_test.test, row, labels=row_labels):  # type: ignore[union-attr]
            clauses.append(Clause(gap.text, explanation.passed.met))
    return Eligibility(status, clauses, explanation.missing_facts)


def _terms_clause(
    kind: str,
    rule: RuleSet,
    facts: Mapping[str, Any],
    met: bool | None,
    labels: Mapping[str, FactLabel],
    county_names: Mapping[int, str] | None,
) -> Clause:
    condition = next(c for c in rule.conditions if c.id == kind)
    if kind == "terms_county":
        names = county_names or {}
        listed = condition.test["in"][1]
        county = facts.get(COUNTY)
        text = _("所在地 %(county)s，产品服务区域：%(counties)s") % {
            "county": names.get(county, "—") if county is not None else _("缺失"),
            "counties": "、".join(names.get(c, str(c)) for c in listed),
        }
        return Clause(text, met)
    if kind == "terms_tiers":
        choices = _choices(labels, STAGE)
        listed = condition.test["in"][1]
        stage = facts.get(STAGE)
        text = _("成长阶段 %(stage)s，需为：%(stages)s") % {
            "stage": choices.get(stage, stage) if stage else _("未评价"),
            "stages": "、".join(choices.get(c, c) for c in listed),
        }
        return Clause(text, met)
    choices = _choices(labels, LABELS)
    listed = [part["in"][0] for part in condition.test["or"]]
    held = facts.get(LABELS) or []
    text = _("名单标签 %(held)s，需具备其一：%(labels)s") % {
        "held": "、".join(choices.get(c, c) for c in held) if held else _("无"),
        "labels": "、".join(choices.get(c, c) for c in listed),
    }
    return Clause(text, met)


def _choices(labels: Mapping[str, FactLabel], name: str) -> Mapping[str, str]:
    label = labels.get(name)
    return label.choices if label is not None else {}
