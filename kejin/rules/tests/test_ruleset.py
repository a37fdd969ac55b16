"""Staged rule sets: loading checks expressions; batch and explanation agree."""

import datetime

import polars as pl
import pytest

from kejin.rules.expressions import RuleError
from kejin.rules.ruleset import RuleSet

MINIMAL = {
    "id": "demo",
    "title": "示例",
    "reference": "测试用",
    "valid_from": datetime.date(2020, 1, 1),
    "valid_to": datetime.date(2022, 12, 31),
    "facts": ["staff", "rd"],
    "indicators": [
        {
            "id": "staff",
            "label": "人数",
            "value": {"var": "staff"},
            "bands": [{"min": 10, "points": 5}, {"min": 5, "points": 2}, {"points": 0}],
        }
    ],
    "components": [
        {"id": "staff", "label": "人数", "points": {"var": "points.staff"}, "max_points": 5}
    ],
    "conditions": [{"id": "rd", "label": "有研发", "test": {">": [{"var": "rd"}, 0]}}],
    "pass": {"label": "至少2分", "test": {">=": [{"var": "score"}, 2]}},
}


def test_batch_and_explanation_agree():
    ruleset = RuleSet.from_dict(MINIMAL)
    rows = [
        {"staff": 12, "rd": 1},
        {"staff": 6, "rd": 1},
        {"staff": 1, "rd": 1},
        {"staff": 12, "rd": 0},
    ]
    batch = ruleset.evaluate_frame(pl.DataFrame(rows)).collect()
    assert batch["status"].to_list() == ["qualified", "qualified", "not_qualified", "not_qualified"]
    assert batch["score"].to_list() == [5, 2, 0, 5]
    for row, status in zip(rows, batch["status"].to_list(), strict=True):
        assert ruleset.explain(row).status == status


def test_explanation_names_band_and_points():
    explanation = RuleSet.from_dict(MINIMAL).explain({"staff": 7, "rd": 1})
    (indicator,) = explanation.indicators
    assert (indicator.value, indicator.band, indicator.points) == (7, "5–10", 2)
    assert explanation.as_dict()["ruleset"]["valid_to"] == "2022-12-31"


def test_validity_dates():
    ruleset = RuleSet.from_dict(MINIMAL)
    assert ruleset.is_valid_on(datetime.date(2021, 6, 1))
    assert not ruleset.is_valid_on(datetime.date(2023, 1, 1))


def test_unknown_fact_in_a_condition_is_refused_at_load():
    bad = {**MINIMAL, "conditions": [{"id": "x", "label": "x", "test": {"var": "nope"}}]}
    with pytest.raises(RuleError, match="demo.conditions.x: unknown fact"):
        RuleSet.from_dict(bad)


def test_missing_key_is_a_rule_error():
    with pytest.raises(RuleError, match="malformed rule set demo"):
        RuleSet.from_dict({k: v for k, v in MINIMAL.items() if k != "facts"})


RATIO = {
    "id": "ratio",
    "title": "比例",
    "reference": "测试用",
    "valid_from": datetime.date(2020, 1, 1),
    "facts": ["staff", "employees"],
    "indicators": [
        {
            "id": "share",
            "label": "占比",
            "value": {"/": [{"var": "staff"}, {"var": "employees"}]},
            "format": "percent",
        }
    ],
    "conditions": [{"id": "share", "label": "≥30%", "test": {">=": [{"var": "value.share"}, 0.3]}}],
}


@pytest.mark.parametrize(
    ("staff", "employees", "status"),
    [
        (3, 10, "qualified"),
        (2_999_999, 10_000_000, "not_qualified"),
        # Beyond what Int64 products hold: the comparison stays in Int128.
        (3 * 10**17, 10**18, "qualified"),
        (29 * 10**16, 10**18, "not_qualified"),
    ],
)
def test_ratio_comparison_is_exact_at_any_size(staff, employees, status):
    ruleset = RuleSet.from_dict(RATIO)
    frame = pl.DataFrame({"staff": [staff], "employees": [employees]})
    assert ruleset.evaluate_frame(frame).collect()["status"].to_list() == [status]
    assert ruleset.explain({"staff": staff, "employees": employees}).status == status
