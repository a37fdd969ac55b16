"""The statistical scorecard trainer on real data (German credit, see fixtures/german-credit/
ATTRIBUTION.md): cross-validated AUC, and the saved points table reproducing the model."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from kejin.credit.scoring.training import (
    TrainingError,
    cross_validated_auc,
    scorecard_train,
    target_vector,
    to_polars,
)
from kejin.rules.ruleset import RuleSet

GERMAN = Path(__file__).parent / "fixtures" / "german-credit" / "german_credit.csv"


@pytest.fixture(scope="module")
def german():
    return pd.read_csv(GERMAN)


def test_german_credit_mean_auc_in_5_fold_stratified_cv_is_at_least_077(german):
    aucs = cross_validated_auc(german, target="creditability", folds=5, seed=0)
    assert len(aucs) == 5
    assert np.mean(aucs) >= 0.77, aucs


def test_saved_points_table_reproduces_the_model_scores_on_held_out_rows(german):
    result = scorecard_train(
        german,
        target="creditability",
        code="german_credit",
        title="German credit",
        reference="UCI Statlog German Credit",
        valid_from="2026-01-01",
    )
    y = target_vector(german["creditability"])
    _, held_out, _, _ = train_test_split(german, y, test_size=0.3, stratify=y, random_state=0)
    table = RuleSet.from_dict(result.document)  # the stored JSON form, through kejin.rules
    table_scores = (
        table.evaluate_frame(to_polars(held_out, table.facts)).collect()["score"].to_numpy()
    )
    model_scores = result.fitted.scores(held_out)
    assert len(table_scores) == 300
    assert np.abs(table_scores - model_scores).max() < 0.01
    assert (np.round(table_scores) == np.round(model_scores)).all()
    metrics = result.metrics
    assert metrics["test_rows"] == 300 and metrics["train_rows"] == 700
    assert metrics["auc"] >= 0.77
    assert metrics["gini"] == pytest.approx(2 * metrics["auc"] - 1, abs=2e-4)
    assert 0 < metrics["ks"] < 1
    assert [row["decile"] for row in metrics["calibration"]] == list(range(1, 11))
    assert sum(row["count"] for row in metrics["calibration"]) == 300
    # A categorical variable became categorical bands, a numeric one bounded bands.
    by_id = {i.id: i for i in table.indicators}
    assert by_id["purpose"].bands[0].values is not None
    assert by_id["duration_in_month"].bands[0].min is not None
    assert any(b.missing for b in by_id["duration_in_month"].bands)


def test_target_vector_refuses_one_class_and_unknown_labels():
    with pytest.raises(TrainingError, match="只有一类结果"):
        target_vector(pd.Series([0, 0, 0]))
    with pytest.raises(TrainingError, match="--bad-value"):
        target_vector(pd.Series(["yes", "no"]))
    assert target_vector(pd.Series(["yes", "no"]), bad_value="yes").tolist() == [1, 0]


def test_a_trained_scorecard_carries_held_out_worked_cases_that_pass_its_own_gate(german):
    from kejin.rules.scenarios import Scenario
    from kejin.rules.versions import version_activate, worked_case_failures

    result = scorecard_train(
        german,
        target="creditability",
        code="german_credit",
        title="German credit",
        reference="UCI Statlog German Credit",
        valid_from="2026-01-01",
    )
    cases = result.worked_cases
    assert len(cases) == 3
    y = target_vector(german["creditability"])
    _, held_out, _, _ = train_test_split(german, y, test_size=0.3, stratify=y, random_state=0)
    model_scores = dict(zip(held_out.index, result.fitted.scores(held_out), strict=True))
    tolerance = round(0.0001 * (len(result.fitted.variables) + 2), 4)
    scores = []
    for case in cases:
        row = int(case["name"].split("第")[1].split("行")[0])
        assert row in model_scores  # a held-out row, not a training one
        assert set(case["facts"]) == set(result.document["facts"])
        assert case["expect"]["score"] == {
            "approx": round(float(model_scores[row]), 4),
            "tolerance": tolerance,
        }
        scores.append(model_scores[row])
    assert scores == sorted(scores)  # low, middle and high scores
    table = RuleSet.from_dict(result.document)
    scenarios = [Scenario(c["name"], c["facts"], c["expect"]) for c in cases]
    assert version_activate(version=table, scenarios=scenarios) is table

    # A points table that no longer reproduces the model fails its cases on both paths.
    tampered = {**result.document, "base_points": result.document["base_points"] + 0.01}
    failures = worked_case_failures(RuleSet.from_dict(tampered), scenarios)
    assert {(f["path"], f["key"]) for f in failures} == {("explain", "score"), ("batch", "score")}
    assert len(failures) == 6
