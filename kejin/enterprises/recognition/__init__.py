"""Recognition rule sets (tech SME, high-tech enterprise criteria) and their evaluation.

The rule sets are YAML beside this module, one file per dated version (``version``,
validity, named ``parameters`` each citing its clause), with worked cases in
``*.scenarios.yaml`` that must pass before a version is activated.
``recognition_evaluate_frame`` evaluates every rule set valid on a date over a facts frame
at once; ``recognition_explain`` explains one enterprise's result clause by clause.
"""

from __future__ import annotations

import datetime
from functools import cache
from pathlib import Path

import polars as pl

from kejin.rules.ruleset import Explanation, RuleSet
from kejin.rules.versions import versions_check

RULES_DIR = Path(__file__).resolve().parent


@cache
def rulesets() -> tuple[RuleSet, ...]:
    """Every recognition rule set version, loaded and checked once per process (no two
    versions of one rule set valid on the same day). Their worked cases are run by
    ``kejin.rules.versions.version_activate`` in the tests before a version ships."""
    loaded = tuple(
        RuleSet.from_file(path)
        for path in sorted(RULES_DIR.glob("*.yaml"))
        if not path.name.endswith(".scenarios.yaml")
    )
    versions_check(loaded)
    return loaded


def rulesets_on(day: datetime.date) -> tuple[RuleSet, ...]:
    """The rule sets in force on ``day``."""
    return tuple(r for r in rulesets() if r.is_valid_on(day))


def ruleset_by_id(ruleset_id: str) -> RuleSet:
    for ruleset in rulesets():
        if ruleset.id == ruleset_id:
            return ruleset
    raise KeyError(ruleset_id)


def recognition_evaluate_frame(
    facts: pl.DataFrame | pl.LazyFrame, *, on: datetime.date
) -> pl.DataFrame:
    """``enterprise_id`` plus ``<ruleset>.status`` and ``<ruleset>.score`` for every rule set in force."""
    lazy = facts.lazy()
    outputs = []
    for ruleset in rulesets_on(on):
        evaluated = ruleset.evaluate_frame(lazy)
        columns = [pl.col("status").alias(f"{ruleset.id}.status")]
        if ruleset.components:
            columns.append(pl.col("score").alias(f"{ruleset.id}.score"))
        outputs.append(evaluated.select(columns))
    # Each rule set only adds columns, so its rows line up with the frame's: no join needed.
    return pl.concat([lazy.select("enterprise_id"), *outputs], how="horizontal").collect()


def recognition_explain(facts: dict, *, on: datetime.date) -> list[Explanation]:
    """Every rule set in force, explained for one enterprise's facts (a facts-frame row)."""
    return [ruleset.explain(facts) for ruleset in rulesets_on(on)]
