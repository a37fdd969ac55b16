"""Rules in words: every worked case of describe.cases.yaml, every operator of the engine."""

from pathlib import Path

import pytest
import yaml
from django.utils import translation

from kejin.rules.describe import FactLabel, rule_describe, rule_describe_lines
from kejin.rules.expressions import OPERATORS

CASES_FILE = Path(__file__).resolve().parent.parent / "describe.cases.yaml"
DOC = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
LABELS = {name: FactLabel(**spec) for name, spec in DOC["labels"].items()}


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_worked_case(case):
    with translation.override("zh-hans"):
        assert rule_describe_lines(case["rule"], labels=LABELS) == case["lines"]


def _operators(expr) -> set[str]:
    if isinstance(expr, list):
        return set().union(*(_operators(e) for e in expr)) if expr else set()
    if not isinstance(expr, dict):
        return set()
    ((op, args),) = expr.items()
    return {op} | _operators(args)


def test_the_cases_cover_every_operator_of_the_engine():
    used = set().union(*(_operators(c["rule"]) for c in DOC["cases"]))
    assert OPERATORS - used == set()


def test_clauses_carry_the_engine_path_of_what_they_describe():
    rule = {"and": [{">=": [{"var": "employees"}, 10]}, {"or": [{"var": "key_field"}]}]}
    clause = rule_describe(rule, labels=LABELS)
    assert (clause.kind, clause.path) == ("all", "$")
    assert [c.path for c in clause.children] == ["$.and[0]", "$.and[1]"]
    assert clause.children[1].children[0].path == "$.and[1].or[0]"


def test_english():
    rule = {"and": [{"<=": [{"var": "years_registered"}, 5]}, {"var": "key_field"}]}
    with translation.override("en"):
        lines = rule_describe_lines(rule, labels=LABELS)
    assert lines == ["All of the following", "  成立年限 ≤ 5 年", "  属于重点支持领域: yes"]


def test_malformed_rules_are_still_described():
    with translation.override("zh-hans"):
        assert rule_describe_lines({"a": 1, "b": 2}, labels=LABELS) == ['{"a": 1, "b": 2}']
        assert rule_describe_lines({"nope": [1]}, labels=LABELS) == ['{"nope": [1]}']
