"""A version's rules in words and checked: one JSON rule or a rule set, parameters in place,
the benefit formula with the application's fields by their labels."""

import pytest

from kejin.policies.policy_rules import formula_lines, policy_rule_check, policy_rule_lines

pytestmark = pytest.mark.django_db

RATE = {"rate": {"value": 0.5, "reference": "第五条", "label": "补贴比例"}}
PREMIUM = [{"name": "premium", "label": "实缴保费", "kind": "money"}]


def test_a_formula_reads_with_its_fields_and_parameters_in_place():
    formula = {"*": [{"var": "input.premium"}, {"param": "rate"}]}
    assert formula_lines(formula, RATE, PREMIUM) == ["支持金额（元） = （实缴保费（元） × 0.5）"]
    assert formula_lines(None) == []


def test_a_rule_set_reads_condition_by_condition():
    document = {
        "conditions": [
            {
                "id": "rd",
                "label": "研发强度",
                "test": {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]},
            }
        ]
    }
    assert policy_rule_lines(document) == [
        "全部满足：",
        "  研发强度：研发费用占销售收入的比例 ≥ 3%",
    ]
    assert policy_rule_check(document) == []


def test_a_rule_is_checked_with_its_parameters():
    rule = {">=": [{"var": "employees"}, {"param": "min_staff"}]}
    assert policy_rule_check(rule, {"min_staff": {"value": 10, "reference": "第三条"}}) == []
    assert policy_rule_check(rule, {}) != []
    [(path, message)] = policy_rule_check({">=": [{"var": "nope"}, 1]})
    assert "nope" in message
