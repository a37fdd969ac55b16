"""Every recognition rule set agrees with its worked cases, one by one and in batch."""

from pathlib import Path

import pytest

from kejin.rules.scenarios import (
    batch_values,
    explanation_only,
    explanation_values,
    load_scenarios,
    mismatches,
)

RECOGNITION = Path(__file__).resolve().parent.parent / "recognition"
SCENARIO_FILES = sorted(RECOGNITION.glob("*.scenarios.yaml"))


def _cases():
    for path in SCENARIO_FILES:
        ruleset, scenarios = load_scenarios(path)
        for scenario in scenarios:
            yield pytest.param(ruleset, scenario, id=f"{path.stem}:{scenario.name}")


def test_tech_sme_has_at_least_40_worked_cases():
    _, scenarios = load_scenarios(RECOGNITION / "tech_sme_2017.scenarios.yaml")
    assert len(scenarios) >= 40


@pytest.mark.parametrize(("ruleset", "scenario"), list(_cases()))
def test_explanation_matches_worked_case(ruleset, scenario):
    actual = explanation_values(ruleset.explain(scenario.facts))
    assert mismatches(scenario.expect, actual) == {}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_batch_matches_worked_cases(path):
    ruleset, scenarios = load_scenarios(path)
    rows = batch_values(ruleset, scenarios)
    failures = {
        s.name: mismatches({k: v for k, v in s.expect.items() if not explanation_only(k)}, row)
        for s, row in zip(scenarios, rows, strict=True)
    }
    assert {name: diff for name, diff in failures.items() if diff} == {}
