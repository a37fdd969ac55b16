"""The JsonLogic subset: batch (polars) and scalar agree, and agree with a reference
JsonLogic implementation (panzi-json-logic) on complete data."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from json_logic import jsonLogic

from kejin.rules.expressions import RuleError, evaluate, to_polars, validate, variables

EXPRESSIONS = [
    {">=": [{"/": [{"var": "a"}, {"var": "b"}]}, 0.3]},
    {"if": [{">=": [{"var": "a"}, 10]}, 20, {">=": [{"var": "a"}, 5]}, 10, 0]},
    {"and": [{">": [{"var": "a"}, 2]}, {"<=": [{"var": "b"}, 500]}]},
    {"or": [{"<": [{"var": "a"}, 0]}, {"==": [{"var": "b"}, 7]}]},
    {"max": [{"var": "a"}, {"var": "b"}, 3]},
    {"min": [{"var": "a"}, {"var": "b"}]},
    {"+": [{"var": "a"}, {"*": [{"var": "b"}, 2]}]},
    {"-": [{"var": "a"}, {"var": "b"}]},
    {"!": {">": [{"var": "a"}, {"var": "b"}]}},
    {"<": [0, {"var": "a"}, 100]},
    {"<=": [1, {"var": "b"}, 10]},
    {"in": [{"var": "a"}, [1, 2, 3]]},
    {"!=": [{"var": "a"}, {"var": "b"}]},
]

ints = st.integers(min_value=-1000, max_value=1000)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(ints, ints.filter(lambda b: b != 0)), min_size=1, max_size=20))
def test_batch_scalar_and_reference_agree_on_complete_data(rows):
    frame = pl.DataFrame({"a": [r[0] for r in rows], "b": [r[1] for r in rows]})
    for expr in EXPRESSIONS:
        batch = frame.select(to_polars(expr).alias("r"))["r"].to_list()
        for (a, b), got in zip(rows, batch, strict=True):
            facts = {"a": a, "b": b}
            reference = jsonLogic(expr, facts)
            assert evaluate(expr, facts) == pytest.approx(reference), (expr, facts)
            assert got == pytest.approx(reference), (expr, facts)


def test_missing_fact_is_unknown_not_false():
    expr = {">=": [{"var": "a"}, 1]}
    assert evaluate(expr, {}) is None
    assert pl.DataFrame({"a": [None]}, schema={"a": pl.Int64}).select(to_polars(expr))[0, 0] is None


def test_kleene_and_or():
    assert evaluate({"and": [{"var": "x"}, False]}, {"x": None}) is False
    assert evaluate({"and": [{"var": "x"}, True]}, {"x": None}) is None
    assert evaluate({"or": [{"var": "x"}, True]}, {"x": None}) is True
    frame = pl.DataFrame({"x": [None, None]}, schema={"x": pl.Boolean})
    assert frame.select(to_polars({"and": [{"var": "x"}, False]}))[0, 0] is False
    assert frame.select(to_polars({"or": [{"var": "x"}, True]}))[0, 0] is True


def test_division_by_zero_is_missing():
    assert evaluate({"/": [1, {"var": "b"}]}, {"b": 0}) is None
    assert pl.DataFrame({"b": [0]}).select(to_polars({"/": [1, {"var": "b"}]}))[0, 0] is None


def test_ratio_exactly_on_threshold_compares_equal():
    # 0.1 + 0.2 style float error must not move a ratio off its threshold.
    expr = {">=": [{"/": [{"var": "a"}, {"var": "b"}]}, 0.07]}
    assert evaluate(expr, {"a": 7, "b": 100}) is True
    assert pl.DataFrame({"a": [7], "b": [100]}).select(to_polars(expr))[0, 0] is True


def test_if_chain_stops_at_first_true_even_if_later_condition_missing():
    expr = {"if": [{">": [{"var": "a"}, 0]}, "pos", {">": [{"var": "b"}, 0]}, "b", "none"]}
    assert evaluate(expr, {"a": 1, "b": None}) == "pos"
    assert evaluate(expr, {"a": None, "b": 1}) is None
    frame = pl.DataFrame({"a": [1, None], "b": [None, 1]}, schema={"a": pl.Int64, "b": pl.Int64})
    assert frame.select(to_polars(expr).alias("r"))["r"].to_list() == ["pos", None]


def test_validate_names_unknown_fact_and_operator_with_path():
    with pytest.raises(RuleError, match=r"\$: unknown fact\(s\): c"):
        validate({">": [{"var": "c"}, 1]}, known={"a"})
    with pytest.raises(RuleError, match="unknown operator 'regex'"):
        validate({"regex": [1, 2]}, known=set())
    with pytest.raises(RuleError, match="if takes condition, then and else"):
        validate({"if": [True, 1]}, known=set())


def test_variables_lists_every_fact_read():
    assert variables(EXPRESSIONS[2]) == {"a", "b"}


def test_in_a_list_valued_fact_is_membership_in_both_paths_and_unknown_without_the_list():
    rule = {"in": ["high_tech", {"var": "registry_labels"}]}
    validate(rule, {"registry_labels"})
    records = [{"registry_labels": ["high_tech", "tech_sme"]}, {"registry_labels": []}, {}]
    frame = pl.DataFrame(
        {"registry_labels": [r.get("registry_labels") for r in records]},
        schema={"registry_labels": pl.List(pl.Utf8)},
    )

    assert [evaluate(rule, r) for r in records] == [True, False, None]
    assert frame.select(to_polars(rule).alias("r"))["r"].to_list() == [True, False, None]
    with pytest.raises(RuleError) as refused:
        validate({"in": ["high_tech", {"+": [1, 2]}]}, set())
    assert refused.value.code == "in_arity"
