"""Points tables (scorecards): categorical, missing-value and rest bands, base points, grades
and reason codes, through the worked cases and the refusals of malformed tables."""

from pathlib import Path

import polars as pl
import pytest
import yaml

from kejin.rules.expressions import RuleError
from kejin.rules.ruleset import RuleSet
from kejin.rules.scenarios import load_scenarios
from kejin.rules.versions import version_activate_file, worked_case_failures

CASES = Path(__file__).parent / "cases"


def test_worked_cases_pass_through_explanation_and_batch():
    version, scenarios = load_scenarios(CASES / "points_table.scenarios.yaml")
    assert len(scenarios) == 9
    assert worked_case_failures(version, scenarios) == []
    assert version_activate_file(CASES / "points_table.scenarios.yaml").id == "points_table_example"


def test_a_wrong_expected_grade_fails_on_both_paths():
    version, scenarios = load_scenarios(CASES / "points_table.scenarios.yaml")
    wrong = [type(scenarios[0])(scenarios[0].name, scenarios[0].facts, {"grade": "AA"})]
    assert worked_case_failures(version, wrong) == [
        {"case": scenarios[0].name, "path": p, "key": "grade", "expected": "AA", "actual": "AAA"}
        for p in ("explain", "batch")
    ]


def test_explanation_names_the_bands():
    version = RuleSet.from_file(CASES / "points_table.yaml")
    explanation = version.explain({"rating": None, "penalties": 4, "listed": False, "trend": -0.2})
    bands = {i.id: i.band for i in explanation.indicators}
    assert bands == {"rating": "缺失", "penalties": "≥3", "listed": "<1", "trend": "<0%"}
    assert (explanation.score, explanation.grade) == (450.0, "B")
    assert explanation.reasons == ["penalties", "rating"]
    assert explanation.as_dict()["grade"] == "B"
    b_and_m = version.explain({"rating": "B", "penalties": 0, "listed": False, "trend": 0.2})
    assert b_and_m.indicators[0].band == "B、M"
    other = version.explain({"rating": "D", "penalties": 0, "listed": False, "trend": 0.2})
    assert other.indicators[0].band == "其他"


def test_batch_reasons_are_a_list_column():
    version = RuleSet.from_file(CASES / "points_table.yaml")
    frame = pl.DataFrame(
        {
            "rating": ["A", "D", None],
            "penalties": [0, 5, 1],
            "listed": [False, True, False],
            "trend": [0.5, None, -0.1],
        }
    )
    out = version.evaluate_frame(frame).collect()
    assert out["score"].to_list() == [580.0, 245.0, 490.0]
    assert out["grade"].to_list() == ["AAA", "C", "B"]
    assert out["reasons"].to_list() == [[], ["listed", "rating"], ["rating", "penalties"]]


def _table(**changes):
    with (CASES / "points_table.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"grades": [{"code": "B", "min": 400}, {"code": "A", "min": 520}]}, "grades go from"),
        ({"grades": [{"code": "C"}, {"code": "A", "min": 520}]}, "grades go from"),
        (
            {"components": [{"id": "x", "label": "x", "points": 1, "max_points": 1}]},
            "has no components",
        ),
        ({"base_points": None}, "grades need a score"),
    ],
)
def test_malformed_points_tables_are_refused(changes, detail):
    with pytest.raises(RuleError, match=detail) as caught:
        RuleSet.from_dict(_table(**changes))
    assert caught.value.code == "malformed_ruleset"


def test_two_missing_bands_are_refused():
    data = _table()
    data["indicators"][0]["bands"].insert(0, {"missing": True, "points": 1})
    with pytest.raises(RuleError, match="two missing bands"):
        RuleSet.from_dict(data)


def test_json_documents_carry_iso_dates():
    data = _table(valid_from="2026-01-01", valid_to="2026-12-31")
    version = RuleSet.from_dict(data)
    assert (version.valid_from.isoformat(), version.valid_to.isoformat()) == (
        "2026-01-01",
        "2026-12-31",
    )
