"""The benchmarks' policies are what they claim: for each of the 200 generated policies the
engine's ids equal the hand-written polars filter's and the per-row interpreter's."""

import pytest

from bench.policies_eval import frame, hand_filter, policy_specs, spec_expression, spec_rule
from kejin.enterprises.eligibility import eligible_ids
from kejin.rules.expressions import evaluate


@pytest.fixture(scope="module")
def generated():
    return frame(2000, seed=11), policy_specs()


def test_the_200_policies_are_varied(generated):
    _df, specs = generated
    assert len(specs) == 200
    kinds = {kind for spec in specs for kind, _args in spec["clauses"]}
    assert kinds == {
        "rd_ratio_min",
        "revenue_min",
        "revenue_band",
        "staff_max",
        "staff_min",
        "age_max",
        "high_tech",
        "rd_min",
        "clean",
    }
    assert any(spec["counties"] for spec in specs)
    assert any(spec["tiers"] for spec in specs)
    assert any(spec["labels"] for spec in specs)


def test_engine_equals_hand_polars_for_every_policy(generated):
    df, specs = generated
    for spec in specs:
        engine = set(eligible_ids(spec_rule(spec), df).to_list())
        hand = set(df.filter(hand_filter(spec))["enterprise_id"].to_list())
        assert engine == hand, spec


def test_engine_equals_the_per_row_interpreter_on_a_sample(generated):
    df, specs = generated
    sample = df.head(150)
    rows = sample.to_dicts()
    for spec in specs:
        engine = set(eligible_ids(spec_rule(spec), sample).to_list())
        looped = {r["enterprise_id"] for r in rows if evaluate(spec_expression(spec), r) is True}
        assert engine == looped, spec
