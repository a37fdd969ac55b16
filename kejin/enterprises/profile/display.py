"""How the profile shows facts, provenance and explanations to people: labels, units, badges.

Pure functions from selector results to plain dicts the templates (and the chart script)
read; no queries.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.core.money import format_yuan
from kejin.enterprises.choices import FactSource, RecognitionStatus
from kejin.enterprises.facts import CATALOGUE
from kejin.enterprises.models import AnnualFacts
from kejin.rules.expressions import variables
from kejin.rules.ruleset import Explanation, Indicator, RuleSet

#: Bootstrap badge class per recognition status.
STATUS_BADGES = {
    RecognitionStatus.QUALIFIED_DIRECT: "text-bg-primary",
    RecognitionStatus.QUALIFIED: "text-bg-success",
    RecognitionStatus.NOT_QUALIFIED: "text-bg-danger",
    RecognitionStatus.UNDETERMINED: "text-bg-secondary",
}
#: The facts table groups the annual facts under these headings, in catalogue order.
FACT_GROUPS = (
    (gettext_lazy("人员"), ("employees", "tech_staff")),
    (
        gettext_lazy("财务"),
        (
            "revenue",
            "total_income",
            "total_assets",
            "total_cost",
            "rd_expense",
            "rd_expense_domestic",
            "high_tech_income",
            "exports",
            "tax_paid",
        ),
    ),
    (gettext_lazy("知识产权与创新"), ("ip_class1", "ip_class2", "key_field", "innovation_score")),
    (
        gettext_lazy("合规记录"),
        (
            "prohibited_industry",
            "major_accident",
            "serious_env_violation",
            "research_misconduct",
            "abnormal_operations_list",
            "serious_dishonesty_list",
        ),
    ),
)


def fact_display(name: str, value) -> str:
    """A fact's value as a reader expects it: amounts in 元/万元/亿元, counts with their unit, 是/否."""
    if value is None:
        return _("未填报")
    fact = CATALOGUE.get(name)
    if fact is None:
        return str(value)
    if fact.dtype.__name__ == "Boolean":
        return _("是") if value else _("否")
    if fact.unit == "元":
        # 元, 万元 or 亿元 by size, each value with its unit (a revenue of 12 亿 is not 120,000 万元).
        return format_yuan(value if isinstance(value, Decimal) else str(value))
    if isinstance(value, float):
        text = f"{value:.1f}" if not value.is_integer() else f"{value:.0f}"
    else:
        text = str(value)
    return f"{text} {fact.unit}".strip()


def provenance_display(origin: dict | None) -> dict | None:
    """``{"source", "label", "detail", "as_of"}`` for one fact's provenance entry (None: none)."""
    if not origin:
        return None
    source = origin.get("source", "")
    label = FactSource(source).label if source in FactSource.values else _("来源未注明")
    as_of = origin.get("as_of")
    try:
        as_of = datetime.date.fromisoformat(as_of) if as_of else None
    except (TypeError, ValueError):
        as_of = None
    return {"source": source, "label": label, "detail": origin.get("detail") or "", "as_of": as_of}


def facts_table(rows: list[AnnualFacts]) -> dict:
    """Facts by year for the profile table: ``years`` (oldest first) and ``groups`` of rows,
    each row a fact with one cell per year holding its display and provenance."""
    groups = []
    for heading, names in FACT_GROUPS:
        facts = []
        for name in names:
            cells = []
            for row in rows:
                value = getattr(row, name)
                cells.append(
                    {
                        "value": value,
                        "display": fact_display(name, value) if value is not None else "—",
                        "provenance": provenance_display((row.provenance or {}).get(name))
                        if value is not None
                        else None,
                    }
                )
            facts.append({"name": name, "label": CATALOGUE[name].label, "cells": cells})
        groups.append({"heading": heading, "facts": facts})
    return {"years": [row.year for row in rows], "groups": groups}


def _wan(value) -> float | None:
    if value is None:
        return None
    return float((Decimal(value) / 10_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def chart_data(rows: list[AnnualFacts]) -> dict:
    """The series the profile charts draw (amounts in 万元, R&D intensity in %), with labels."""
    intensity: list[float | None] = []
    for row in rows:
        if row.rd_expense is not None and row.revenue:
            share = Decimal(row.rd_expense) * 100 / Decimal(row.revenue)
            intensity.append(float(share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))
        else:
            intensity.append(None)
    return {
        "years": [str(row.year) for row in rows],
        "revenue": [_wan(row.revenue) for row in rows],
        "rd_expense": [_wan(row.rd_expense) for row in rows],
        "rd_intensity": intensity,
        "employees": [row.employees for row in rows],
        "tech_staff": [row.tech_staff for row in rows],
        "labels": {
            "money_title": _("销售收入与研发费用"),
            "money_axis": _("万元"),
            "intensity_axis": _("研发强度（%）"),
            "revenue": _("销售收入（万元）"),
            "rd_expense": _("研发费用（万元）"),
            "rd_intensity": _("研发费用占销售收入比例（%）"),
            "staff_title": _("职工与科技人员"),
            "staff_axis": _("人"),
            "employees": _("职工总数（人）"),
            "tech_staff": _("科技人员数（人）"),
        },
    }


# --- recognition ------------------------------------------------------------------------------


def _indicator_max(indicator: Indicator) -> float | None:
    """The most points an indicator can give: its best band, or the best outcome of its
    points expression (an ``if`` chain of literal points)."""
    if indicator.bands:
        return max(band.points for band in indicator.bands)
    expression = indicator.points
    if isinstance(expression, dict) and list(expression) == ["if"]:
        chain = expression["if"]
        outcomes = [chain[i] for i in range(1, len(chain), 2)] + (
            [chain[-1]] if len(chain) % 2 else []
        )
        numbers = [o for o in outcomes if isinstance(o, (int, float)) and not isinstance(o, bool)]
        return max(numbers) if numbers else None
    return None


def _points(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _used_facts(facts: dict) -> list[dict]:
    """The catalogued facts a clause read (stage columns such as the score are left out)."""
    return [
        {
            "name": name,
            "label": CATALOGUE[name].label,
            "display": fact_display(name, value),
            "missing": value is None,
        }
        for name, value in facts.items()
        if name in CATALOGUE
    ]


def _condition(result, definition, explanation: Explanation) -> dict:
    """A condition with what it read — the facts, and for a test on an earlier stage (an
    indicator's value, a component's points, the score) that stage's value and, for an
    indicator, the facts behind it, which the engine's explanation leaves out."""
    indicators = {i.id: i for i in explanation.indicators}
    components = {c.id: c for c in explanation.components}
    used = dict(result.facts)
    shown_indicators = []
    for name in sorted(variables(definition.test)) if definition is not None else []:
        stage, _dot, key = name.partition(".")
        if stage == "value" and key in indicators:
            indicator = indicators[key]
            shown_indicators.append({"label": indicator.label, "display": indicator.display})
            for fact, value in indicator.facts.items():
                used.setdefault(fact, value)
        elif stage == "component" and key in components:
            points = _points(components[key].points)
            shown_indicators.append(
                {"label": components[key].label, "display": _("%(points)s分") % {"points": points}}
            )
        elif name == "score":
            points = _points(explanation.score)
            shown_indicators.append(
                {"label": _("综合得分"), "display": _("%(points)s分") % {"points": points}}
            )
    facts = _used_facts(used)
    defaulted = (
        definition is not None
        and definition.if_missing is not None
        and bool(facts)
        and all(f["missing"] for f in facts)
    )
    return {
        "id": result.id,
        "label": result.label,
        "met": result.met,
        "indicators": shown_indicators,
        "facts": facts,
        # "无记录，视为未发生" and the like: the rule's stated default for missing facts.
        "defaulted": defaulted,
    }


def _missing(explanation: Explanation, clauses: list[dict]) -> list[dict]:
    """The facts whose absence leaves something undecided, in catalogue order."""
    names = set(explanation.missing_facts)
    for clause in clauses:
        if clause["met"] is None:
            names |= {f["name"] for f in clause["facts"] if f["missing"]}
    order = list(CATALOGUE)
    return [
        {"name": name, "label": CATALOGUE[name].label if name in CATALOGUE else name}
        for name in sorted(names, key=lambda n: order.index(n) if n in order else len(order))
    ]


def _ruleset_validity(ruleset: RuleSet) -> str:
    if ruleset.valid_to:
        return _("%(start)s 至 %(end)s") % {
            "start": ruleset.valid_from.isoformat(),
            "end": ruleset.valid_to.isoformat(),
        }
    return _("%(start)s 起施行，现行有效") % {"start": ruleset.valid_from.isoformat()}


def explanation_card(explanation: Explanation) -> dict:
    """One rule set's explanation as the recognition card shows it."""
    ruleset = explanation.ruleset
    definitions = {c.id: c for c in (*ruleset.conditions, *ruleset.direct)}
    indicators_by_id = {i.id: i for i in ruleset.indicators}
    indicators = []
    for result in explanation.indicators:
        maximum = _indicator_max(indicators_by_id[result.id])
        facts = _used_facts(result.facts)
        indicators.append(
            {
                "id": result.id,
                "label": result.label,
                # An indicator scored straight from its facts (e.g. IP counts) shows them as
                # its value; a ratio shows its value with the facts beneath.
                "display": result.display
                if result.display is not None
                else "；".join(f"{f['label']} {f['display']}" for f in facts),
                "band": result.band or "—",
                "points": _points(result.points),
                "max_points": _points(maximum),
                "facts": facts if result.display is not None else [],
                "scored": maximum is not None,
            }
        )
    components = [
        {
            "id": c.id,
            "label": c.label,
            "points": _points(c.points),
            "max_points": _points(c.max_points),
        }
        for c in explanation.components
    ]
    conditions = [_condition(c, definitions.get(c.id), explanation) for c in explanation.conditions]
    direct = [_condition(c, definitions.get(c.id), explanation) for c in explanation.direct]
    status = RecognitionStatus(explanation.status)
    return {
        "id": ruleset.id,
        "title": ruleset.title,
        "reference": ruleset.reference,
        "validity": _ruleset_validity(ruleset),
        "status": status.value,
        "status_label": status.label,
        "badge": STATUS_BADGES[status],
        "score": _points(explanation.score),
        "max_score": _points(sum(c.max_points for c in explanation.components))
        if explanation.components
        else None,
        "indicators": indicators,
        "scored": any(i["scored"] for i in indicators),
        "components": components,
        "conditions": conditions,
        "direct": direct,
        "passed": _condition(explanation.passed, ruleset.pass_test, explanation)
        if explanation.passed
        else None,
        "missing": _missing(explanation, [*conditions, *direct]),
    }
