"""Every RuleError code has its own officer-facing message, built from its path and parameters
(``kejin.rules.messages``): each code raised where the engine raises it, the exact message
asserted in Chinese and in English."""

import datetime

import pytest
from django.utils import translation

from kejin.rules.expressions import RULE_ERROR_TEMPLATES, RuleError, to_polars, validate
from kejin.rules.messages import rule_error_message
from kejin.rules.ruleset import RuleSet
from kejin.rules.scenarios import Scenario
from kejin.rules.versions import version_activate, versions_check

VERSION = {
    "id": "demo",
    "title": "示例",
    "reference": "示例办法第三条",
    "version": "2024",
    "valid_from": datetime.date(2024, 1, 1),
    "valid_to": None,
    "facts": ["staff", "employees"],
    "parameters": {"min_share": {"value": 0.1, "reference": "示例办法第三条（二）"}},
    "conditions": [
        {
            "id": "share",
            "label": "占比不低于10%",
            "test": {
                ">=": [{"/": [{"var": "staff"}, {"var": "employees"}]}, {"param": "min_share"}]
            },
        }
    ],
}
CASES = [
    Scenario("恰为10%", {"staff": 10, "employees": 100}, {"status": "qualified"}),
    Scenario("9.99%", {"staff": 999, "employees": 10000}, {"status": "not_qualified"}),
    Scenario("5%", {"staff": 5, "employees": 100}, {"status": "not_qualified"}),
]


def _compile(expr):
    validate(expr, {"a"})
    to_polars(expr)


def _raise_in_arity():
    _compile({"in": [{"var": "a"}]})


def _raise_list_place():
    _compile({"==": [[1, 2], 1]})


def _raise_malformed_ruleset():
    RuleSet.from_dict({k: v for k, v in VERSION.items() if k != "facts"}, source_file="demo.yaml")


def _raise_unknown_parameter():
    RuleSet.from_dict({**VERSION, "parameters": {}})


def _raise_worked_cases_fail():
    # The parameter mistyped as 0.01: two cases now come out qualified (each failing in the
    # explanation and in the batch: counted once).
    data = {**VERSION, "parameters": {"min_share": {"value": 0.01, "reference": "x"}}}
    version_activate(version=RuleSet.from_dict(data), scenarios=CASES)


def _raise_worked_cases_missing():
    version_activate(version=RuleSet.from_dict(VERSION), scenarios=[])


def _raise_versions_overlap():
    first = RuleSet.from_dict({**VERSION, "valid_to": datetime.date(2024, 12, 31)})
    overlapping = RuleSet.from_dict(
        {**VERSION, "version": "2024b", "valid_from": datetime.date(2024, 6, 1)}
    )
    versions_check([first, overlapping])


# (raise it, code, Chinese message, English message) for the codes the other tests of
# test_errors_and_status.py do not already pin.
CASES_BY_CODE = [
    (
        _raise_in_arity,
        "in_arity",
        'in 需要一个值和一个值列表，如 {"in": [{"var": "x"}, ["a", "b"]]}（位置 $）。',
        'in needs a value and a list of values, e.g. {"in": [{"var": "x"}, ["a", "b"]]} (at $).',
    ),
    (
        _raise_list_place,
        "list_place",
        "值列表只能作为 in 的第二个参数（位置 $.==[0]）。",
        "A list of values can only be the second argument of in (at $.==[0]).",
    ),
    (
        _raise_malformed_ruleset,
        "malformed_ruleset",
        "规则集“demo”的格式有误（demo.yaml），问题出在：'facts'。请对照规则集文件的格式改正。",
        "The rule set “demo” is malformed (demo.yaml); the problem is at: 'facts'. "
        "Please correct it following the rule set file format.",
    ),
    (
        _raise_unknown_parameter,
        "unknown_parameter",
        "规则引用了未定义的参数“min_share”（位置 demo.conditions[0].test.>=[1]）。"
        "请在规则集的参数表中定义它，或改正名称。",
        "The rule refers to the undefined parameter “min_share” (at demo.conditions[0].test.>=[1]). "
        "Define it in the rule set's parameter table, or correct the name.",
    ),
    (
        _raise_worked_cases_fail,
        "worked_cases_fail",
        "规则集版本 demo 有 2 个算例未通过：9.99%、5%。算例全部通过后才能启用该版本。",
        "2 worked case(s) of rule set version demo fail: 9.99%、5%. "
        "The version can only be activated once all worked cases pass.",
    ),
    (
        _raise_worked_cases_missing,
        "worked_cases_fail",
        "规则集版本 demo 没有算例：至少要有一个算例且全部通过，才能启用。",
        "Rule set version demo has no worked cases: it can only be activated with at least "
        "one worked case, all passing.",
    ),
    (
        _raise_versions_overlap,
        "versions_overlap",
        "规则集“demo”的版本 2024 和 2024b 在 2024-06-01 同时有效。请调整有效期，使各版本互不重叠。",
        "Versions 2024 and 2024b of the rule set “demo” are both valid on 2024-06-01. "
        "Please adjust their validity periods so that the versions do not overlap.",
    ),
]


@pytest.mark.parametrize(("raise_it", "code", "chinese", "english"), CASES_BY_CODE)
def test_each_code_has_its_own_message_in_chinese_and_english(raise_it, code, chinese, english):
    with pytest.raises(RuleError) as caught:
        raise_it()

    assert caught.value.code == code
    with translation.override("zh-hans"):
        assert rule_error_message(caught.value) == chinese
    with translation.override("en"):
        assert rule_error_message(caught.value) == english


# Codes pinned by test_errors_and_status.py's parametrized test.
CODES_TESTED_ELSEWHERE = {
    "unknown_operator",
    "arity",
    "if_arity",
    "unknown_facts",
    "var_name",
    "one_operator",
}


def test_every_code_is_tested_with_its_own_message():
    tested = {code for _, code, _, _ in CASES_BY_CODE} | CODES_TESTED_ELSEWHERE

    assert tested == set(RULE_ERROR_TEMPLATES)
