"""Scenario tables for rule sets: facts in, expected stage values out (OpenFisca-style).

A scenario file (``<rules>.scenarios.yaml``) names its rule set, gives ``defaults`` (the facts
every case starts from) and ``cases``: each with a ``name``, the ``facts`` that differ from the
defaults and ``expect``: stage columns (``points.x``, ``component.x``, ``score``,
``condition.x``, ``direct.x``, ``pass``, ``status``) and optionally ``missing_facts`` and
``label.<indicator>`` (the indicator's label as explained, e.g. the years a sum covers);
points tables add ``grade`` and ``reasons`` (reason codes, worst first);
those two exist only in the explanation, not in the batch frame (``EXPLANATION_ONLY``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from kejin.rules.ruleset import Explanation, RuleSet


def explanation_only(key: str) -> bool:
    """Whether an ``expect`` key is checked only against the explanation."""
    return key == "missing_facts" or key.startswith("label.")


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: dict[str, Any]
    expect: dict[str, Any]


def load_scenarios(path: str | Path) -> tuple[RuleSet, list[Scenario]]:
    """The rule set a scenario file names (relative to the file) and its cases."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    ruleset = RuleSet.from_file(path.parent / doc["ruleset"])
    defaults = doc.get("defaults", {})
    cases = [
        Scenario(c["name"], {**defaults, **c.get("facts", {})}, c["expect"]) for c in doc["cases"]
    ]
    return ruleset, cases


def explanation_values(explanation: Explanation) -> dict[str, Any]:
    """An explanation flattened to the stage-column names used in ``expect``."""
    values: dict[str, Any] = {"status": explanation.status, "score": explanation.score}
    values["grade"] = explanation.grade
    values["reasons"] = explanation.reasons
    values["missing_facts"] = explanation.missing_facts
    for ind in explanation.indicators:
        values[f"points.{ind.id}"] = ind.points
        values[f"value.{ind.id}"] = ind.value
        values[f"label.{ind.id}"] = ind.label
    for comp in explanation.components:
        values[f"component.{comp.id}"] = comp.points
    for cond in explanation.conditions:
        values[f"condition.{cond.id}"] = cond.met
    for cond in explanation.direct:
        values[f"direct.{cond.id}"] = cond.met
    if explanation.passed is not None:
        values["pass"] = explanation.passed.met
    return values


def mismatches(expect: dict[str, Any], actual: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Expected keys whose actual value differs: {key: (expected, actual)}. An expected
    ``{"approx": x, "tolerance": t}`` matches a number within ``t`` of ``x`` (a trained
    scorecard's points are rounded, so its score reproduces the model's within a bound)."""
    return {k: (v, actual.get(k)) for k, v in expect.items() if not matches(v, actual.get(k))}


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` is what a worked case expects (see ``mismatches``)."""
    if isinstance(expected, dict) and "approx" in expected:
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return abs(actual - expected["approx"]) <= expected.get("tolerance", 0)
    return actual == expected


def batch_values(ruleset: RuleSet, scenarios: list[Scenario]) -> list[dict[str, Any]]:
    """All scenarios evaluated at once through the vectorised path, one dict per case."""
    facts = [{name: s.facts.get(name) for name in ruleset.facts} for s in scenarios]
    schema = {name: _dtype(facts, name) for name in ruleset.facts}
    frame = pl.DataFrame(facts, schema=schema)
    return ruleset.evaluate_frame(frame).collect().to_dicts()


def _dtype(rows: list[dict], name: str) -> pl.DataType | type[pl.DataType]:
    values = [r[name] for r in rows if r[name] is not None]
    if values and all(isinstance(v, str) for v in values):
        return pl.Utf8
    if values and all(isinstance(v, bool) for v in values):
        return pl.Boolean
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pl.Int64
    if values and all(isinstance(v, str) for v in values):
        return pl.Utf8  # a code, e.g. a recognition status or a stage
    if values and all(isinstance(v, list) for v in values):
        return pl.List(pl.Utf8)  # a set of codes, e.g. the list's labels
    return pl.Float64
