"""Population stability index: known numbers, numeric and categorical, scores by month."""

import datetime
import math

import polars as pl
import pytest

from kejin.credit.scoring.monitoring import (
    indicators_psi,
    psi_categorical,
    psi_from_shares,
    psi_numeric,
    scores_at_month_ends,
    stability,
)


def test_psi_of_known_shares():
    # (0.6 − 0.5)·ln(0.6/0.5) + (0.4 − 0.5)·ln(0.4/0.5)
    assert psi_from_shares([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.0405465108, abs=1e-9)
    assert psi_from_shares([0.25] * 4, [0.25] * 4) == 0.0
    # An empty bin counts as 0.0001 of the population.
    assert psi_from_shares([0.5, 0.5], [1.0, 0.0]) == pytest.approx(
        0.5 * math.log(2) + (0.0001 - 0.5) * math.log(0.0001 / 0.5), abs=1e-12
    )


def test_psi_numeric_bins_at_the_expected_deciles():
    expected = list(range(100))  # deciles at 9.9, 19.8, … : ten bins of ten
    assert psi_numeric(expected, expected) == 0.0
    shifted = list(range(50, 150))  # half of the values beyond the top bin
    # bins 0-4 empty (0.0001), bins 5-8 hold 0.1 each, the top bin 0.6
    value = 5 * (0.0001 - 0.1) * math.log(0.0001 / 0.1) + (0.6 - 0.1) * math.log(0.6 / 0.1)
    assert psi_numeric(expected, shifted) == pytest.approx(value, abs=1e-9)
    assert psi_numeric([], [1.0]) is None


def test_psi_categorical_counts_unknown_as_a_category():
    expected = ["A"] * 50 + ["B"] * 50
    actual = ["A"] * 60 + ["B"] * 30 + [None] * 10
    value = (
        (0.6 - 0.5) * math.log(0.6 / 0.5)
        + (0.3 - 0.5) * math.log(0.3 / 0.5)
        + (0.1 - 0.0001) * math.log(0.1 / 0.0001)
    )
    assert psi_categorical(expected, actual) == pytest.approx(value, abs=1e-12)
    assert [stability(0.05), stability(0.2), stability(0.3), stability(None)] == [
        "stable",
        "shifted",
        "significant",
        "",
    ]


def test_indicators_psi_per_column():
    before = pl.DataFrame({"enterprise_id": [1, 2], "credit.tax_rating": ["A", "B"], "n": [1, 2]})
    after = pl.DataFrame({"enterprise_id": [1, 2], "credit.tax_rating": ["A", "B"], "n": [1, 2]})
    assert indicators_psi(before, after) == {"credit.tax_rating": 0.0, "n": 0.0}


def test_scores_held_at_month_ends():
    history = pl.DataFrame(
        {
            "enterprise_id": [1, 1, 2],
            "computed_on": [
                datetime.date(2026, 4, 10),
                datetime.date(2026, 5, 3),
                datetime.date(2026, 5, 20),
            ],
            "score": [500.0, 520.0, 610.0],
        }
    )
    held = scores_at_month_ends(history, [datetime.date(2026, 4, 30), datetime.date(2026, 5, 31)])
    assert held[datetime.date(2026, 4, 30)] == [500.0]
    assert sorted(held[datetime.date(2026, 5, 31)]) == [520.0, 610.0]
