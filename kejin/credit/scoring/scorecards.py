"""A scorecard version as a rule set, the default expert scorecard, and scoring a frame.

A version's ``document`` is a points table in the rules engine's form; ``version_ruleset``
compiles it (``kejin.rules.ruleset.RuleSet``, which checks every expression), and
``score_frame`` evaluates it over a frame of credit indicators at once: score (rounded to
the cent of a point), grade and reason codes per enterprise.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from kejin.rules.ruleset import RuleSet
from kejin.rules.scenarios import Scenario, explanation_values, load_scenarios, matches

EXPERT_FILE = Path(__file__).with_name("jiaxing_expert.yaml")
EXPERT_SCENARIOS = Path(__file__).with_name("jiaxing_expert.scenarios.yaml")
EXPERT_CODE = "jiaxing_expert"
SCORE_DECIMALS = 2


def expert_document() -> dict[str, Any]:
    """The default Jiaxing expert scorecard as a JSON-safe document."""
    with EXPERT_FILE.open(encoding="utf-8") as fh:
        return jsonable(yaml.safe_load(fh))


def jsonable(data: Any) -> Any:
    """Dates as ISO strings, recursively (documents are stored as JSON)."""
    if isinstance(data, dict):
        return {k: jsonable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [jsonable(v) for v in data]
    if isinstance(data, datetime.date):
        return data.isoformat()
    return data


def expert_worked_cases() -> list[dict[str, Any]]:
    """The default expert scorecard's worked cases (``jiaxing_expert.scenarios.yaml``: a
    clean enterprise, a dishonest one, one with missing indicators…) as stored cases."""
    _, scenarios = load_scenarios(EXPERT_SCENARIOS)
    return [jsonable({"name": s.name, "facts": s.facts, "expect": s.expect}) for s in scenarios]


#: What a worked case carried over to a new draft still expects (points per indicator and
#: reason codes belong to the table being edited; the officer restates score and grade).
CARRIED_EXPECTATIONS = ("score", "grade")


def carried_worked_cases(base) -> list[dict[str, Any]]:
    """``base``'s worked cases for a draft edited from it: the same facts, expecting only
    the score and grade ``base`` expected (the officer confirms or restates them before the
    draft can be activated). A default expert version without cases lends the shipped ones."""
    cases = base.worked_cases or (expert_worked_cases() if base.code == EXPERT_CODE else [])
    return [
        {
            "name": case["name"],
            "facts": dict(case.get("facts") or {}),
            "expect": {k: v for k, v in case["expect"].items() if k in CARRIED_EXPECTATIONS},
        }
        for case in cases
        if any(k in case["expect"] for k in CARRIED_EXPECTATIONS)
    ]


def worked_case_results(version) -> list[dict[str, Any]]:
    """Each worked case of ``version`` with what the version gives (explanation path):
    ``name``, ``facts``, ``expect``, ``score``, ``grade``, ``passed``."""
    ruleset = version_ruleset(version)
    results = []
    for case in version.worked_cases or []:
        scenario = Scenario(
            str(case.get("name", "")), dict(case.get("facts") or {}), case["expect"]
        )
        actual = explanation_values(ruleset.explain(scenario.facts))
        results.append(
            {
                "name": scenario.name,
                "facts": scenario.facts,
                "expect": scenario.expect,
                "score": actual.get("score"),
                "grade": actual.get("grade"),
                "passed": all(matches(v, actual.get(k)) for k, v in scenario.expect.items()),
            }
        )
    return results


def document_ruleset(document: dict[str, Any]) -> RuleSet:
    """The rule set of a points-table document (RuleError if it is malformed)."""
    return RuleSet.from_dict(document)


def version_ruleset(version) -> RuleSet:
    """A ``ScorecardVersion``'s rule set."""
    return version.rule_set_version()


def score_frame(ruleset: RuleSet, frame: pl.DataFrame) -> pl.DataFrame:
    """``enterprise_id``, ``score``, ``grade`` and ``reasons`` for every row of ``frame``."""
    evaluated = ruleset.evaluate_frame(frame).select(
        "enterprise_id",
        pl.col("score").round(SCORE_DECIMALS).alias("score"),
        pl.col("grade") if ruleset.grades else pl.lit(None, dtype=pl.Utf8).alias("grade"),
        pl.col("reasons")
        if ruleset.reason_count
        else pl.lit([], dtype=pl.List(pl.Utf8)).alias("reasons"),
    )
    return evaluated.collect()


def reason_texts(ruleset: RuleSet, reasons: list[str]) -> list[dict[str, str]]:
    """Each reason code with its words (the indicator's reason, else its label)."""
    by_id = {i.id: i for i in ruleset.indicators}
    return [
        {"code": code, "text": (by_id[code].reason or by_id[code].label) if code in by_id else code}
        for code in reasons
    ]


def points_rows(ruleset: RuleSet) -> list[dict[str, Any]]:
    """The points table for reading and editing: one row per indicator with its bands."""
    return [
        {
            "id": ind.id,
            "label": ind.label,
            "reason": ind.reason,
            "bands": [
                {"index": index, "label": ind.band_label(index), "points": band.points}
                for index, band in enumerate(ind.bands)
            ],
        }
        for ind in ruleset.indicators
        if ind.bands
    ]


def grade_counts(ruleset: RuleSet, scored: pl.DataFrame) -> dict[str, int]:
    """How many rows fall in each grade (every grade listed, in order; unknown apart)."""
    counts = dict.fromkeys([g.code for g in ruleset.grades], 0)
    for grade, n in scored.group_by("grade").len().iter_rows():
        counts[grade if grade is not None else "—"] = int(n)
    return counts
