"""Clauses with the record's own value and what the rule needs (``rule_gaps``)."""

import pytest

from kejin.rules.describe import FactLabel, Gap, rule_gaps

LABELS = {
    "rd_expense": FactLabel("研发费用", "元", "money"),
    "revenue": FactLabel("销售收入", "元", "money"),
    "employees": FactLabel("职工总数", "人"),
    "key_field": FactLabel("属于重点支持领域", "", "flag"),
    "value.rd": FactLabel("研发投入占比", "", "percent"),
    "registry_labels": FactLabel("名单标签", "", "set", {"high_tech": "高新技术企业"}),
    "registry_stage": FactLabel(
        "成长阶段", "", "choice", {"growth": "成长期", "startup": "初创期"}
    ),
}
RULE = {
    "and": [
        {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]},
        {">=": [{"var": "value.rd"}, 0.03]},
        {"<=": [{"var": "revenue"}, 20000000]},
        {"var": "key_field"},
        {"in": ["high_tech", {"var": "registry_labels"}]},
        {"in": [{"var": "registry_stage"}, ["growth"]]},
        {">": [500, {"var": "employees"}]},
    ]
}
FACTS = {
    "rd_expense": 210000.0,
    "revenue": 10000000.0,
    "value.rd": 0.021,
    "key_field": False,
    "registry_labels": [],
    "registry_stage": "startup",
    "employees": 120,
}


def test_each_leaf_with_its_value_and_the_threshold():
    assert rule_gaps(RULE, FACTS, labels=LABELS) == [
        Gap("研发费用占销售收入的比例 2.1%，需 ≥ 3%", False, "$.and[0]"),
        Gap("研发投入占比 2.1%，需 ≥ 3%", False, "$.and[1]"),
        Gap("销售收入 1000万元，需 ≤ 2000万元", True, "$.and[2]"),
        Gap("属于重点支持领域：是（当前：否）", False, "$.and[3]"),
        Gap("名单标签包含：高新技术企业（当前：无）", False, "$.and[4]"),
        Gap("成长阶段为以下之一：成长期（当前：初创期）", False, "$.and[5]"),
        Gap("职工总数 120 人，需 < 500 人", True, "$.and[6]"),
    ]


def test_only_unmet_and_unknown_values():
    gaps = rule_gaps(RULE, {**FACTS, "rd_expense": None}, labels=LABELS, only_unmet=True)
    assert [g.text for g in gaps][:2] == [
        "研发费用占销售收入的比例 缺失，需 ≥ 3%",
        "研发投入占比 2.1%，需 ≥ 3%",
    ]
    assert gaps[0].met is None
    assert all(g.met is not True for g in gaps)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0299999, "研发投入占比 3%，需 ≥ 3%"), (0.03, "研发投入占比 3%，需 ≥ 3%")],
)
def test_values_are_rounded_for_reading_but_judged_exactly(value, text):
    (gap,) = rule_gaps({">=": [{"var": "value.rd"}, 0.03]}, {"value.rd": value}, labels=LABELS)
    assert gap.text == text
    assert gap.met is (value >= 0.03)
