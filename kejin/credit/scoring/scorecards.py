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


def document_ruleset(document: dict[str, Any]) -> RuleSet:
    """The rule set of a points-table document (RuleError if it is malformed)."""
    return RuleSet.from_dict(document)


def version_ruleset(version) -> RuleSet:
    """A ``ScorecardVersion``'s rule set."""
    return document_ruleset(version.document)


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
