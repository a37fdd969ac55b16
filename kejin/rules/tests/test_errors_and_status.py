"""Rule errors carry a code, a path and parameters; messages are built from them. One set of
statuses serves the engine, stored results and pages."""

import pytest
from django.utils import translation

from kejin.enterprises.choices import RecognitionStatus
from kejin.rules.expressions import RuleError, to_polars, validate
from kejin.rules.messages import rule_error_message
from kejin.rules.ruleset import NOT_QUALIFIED, UNDETERMINED, RuleSet
from kejin.rules.status import RuleStatus


def _error(expr, known=("a",)) -> RuleError:
    with pytest.raises(RuleError) as caught:
        validate(expr, known)
        to_polars(expr)
    return caught.value


@pytest.mark.parametrize(
    ("expr", "code", "path", "params", "message"),
    [
        (
            {"regex": [1, 2]},
            "unknown_operator",
            "$",
            {"op": "regex"},
            None,  # built by _expected from the engine's operator list
        ),
        (
            {"and": [{">": [{"var": "a"}]}]},
            "arity",
            "$.and[0]",
            {"op": ">", "count": 2},
            "运算符“>”需要2个参数（位置 $.and[0]）。",
        ),
        (
            {"!": [1, 2]},
            "arity",
            "$",
            {"op": "!", "count": 1},
            "运算符“!”需要1个参数（位置 $）。",
        ),
        (
            {"if": [True, 1]},
            "if_arity",
            "$",
            {},
            "if 需要条件、成立时的值和不成立时的值（位置 $）。",
        ),
        (
            {">": [{"var": "zz"}, 1]},
            "unknown_facts",
            "$",
            {"facts": ["zz"]},
            "规则引用了未知的数据项：zz。请使用数据目录中的名称。",
        ),
        ({"var": 3}, "var_name", "$", {}, "var 之后应是数据项名称（位置 $）。"),
        (
            {"a": 1, "b": 2},
            "one_operator",
            "$",
            {},
            "规则的每个运算应是只含一个运算符的JSON对象（位置 $）。",
        ),
    ],
)
def test_rule_error_has_code_path_params_and_a_built_message(expr, code, path, params, message):
    error = _error(expr)
    assert (error.code, error.path, error.params) == (code, path, params)
    with translation.override("zh-hans"):
        assert rule_error_message(error) == _expected(message, error)


def _expected(message: str | None, error: RuleError) -> str:
    # The operator list is the engine's, sorted; spelled out once here for unknown_operator.
    if error.code == "unknown_operator":
        from kejin.rules.expressions import OPERATORS

        return (
            f"规则使用了不支持的运算符“{error.params['op']}”（位置 {error.path}）。"
            f"可用的运算符：{' '.join(sorted(OPERATORS))}。"
        )
    return message


def test_english_text_is_built_from_the_code():
    error = RuleError("arity", "$.x", op="<", count=2)
    assert str(error) == "$.x: < takes 2 arguments"
    assert str(RuleError("arity", "", op="!", count=1)) == "! takes 1 argument"


def test_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown rule error code 'nope'"):
        RuleError("nope")


def test_malformed_rule_set_is_a_coded_error():
    with pytest.raises(RuleError) as caught:
        RuleSet.from_dict({"id": "demo"}, source_file="demo.yaml")
    assert (caught.value.code, caught.value.path) == ("malformed_ruleset", "demo.yaml")
    assert caught.value.params["ruleset"] == "demo"


def test_one_set_of_statuses():
    assert RecognitionStatus is RuleStatus
    assert (NOT_QUALIFIED, UNDETERMINED) == ("not_qualified", "undetermined")
    with translation.override("zh-hans"):
        assert [str(label) for label in RuleStatus.labels] == [
            "直接认定",
            "符合",
            "不符合",
            "数据不足",
        ]
