"""Monitoring scorecards: the population stability index (PSI).

``PSI = Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ)`` over bins, with ``eᵢ`` and ``aᵢ`` the expected and actual
shares of bin *i*. A share of 0 is taken as 0.0001 so that an empty bin counts without
dividing by zero. Usual reading: below 0.1 stable, 0.1–0.25 some shift, above 0.25 a
significant shift (the scorecard should be reviewed).

Numeric values are binned at the expected distribution's deciles (``bins`` quantiles,
repeated edges merged); categories (grades, tax ratings, yes/no) are their own bins, an
unknown value one more. Scores are compared between two versions over the same enterprises
and between two months (each enterprise's score held at the end of each month, from the
score history); every indicator between two dates.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

EMPTY_SHARE = 0.0001
STABLE, SHIFTED = 0.1, 0.25


def psi_from_shares(expected: Sequence[float], actual: Sequence[float]) -> float:
    """The PSI of two distributions over the same bins (shares summing to 1)."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, EMPTY_SHARE), max(a, EMPTY_SHARE)
        total += (a - e) * math.log(a / e)
    return total


def psi_numeric(
    expected: Sequence[float], actual: Sequence[float], *, bins: int = 10
) -> float | None:
    """PSI of numeric values, binned at the expected values' quantiles (None without
    values on either side; unknown values are left out)."""
    e = np.asarray([v for v in expected if v is not None], dtype=float)
    a = np.asarray([v for v in actual if v is not None], dtype=float)
    if not len(e) or not len(a):
        return None
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1))[1:-1])
    e_counts = np.bincount(np.searchsorted(edges, e, side="right"), minlength=len(edges) + 1)
    a_counts = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
    return psi_from_shares((e_counts / len(e)).tolist(), (a_counts / len(a)).tolist())


def psi_categorical(expected: Sequence[Any], actual: Sequence[Any]) -> float | None:
    """PSI of categories (unknown values are one category)."""
    if not len(expected) or not len(actual):
        return None
    e, a = Counter(expected), Counter(actual)
    keys = sorted(set(e) | set(a), key=lambda k: (k is None, str(k)))
    return psi_from_shares([e[k] / len(expected) for k in keys], [a[k] / len(actual) for k in keys])


def stability(psi: float | None) -> str:
    """The reading of a PSI: stable / shifted / significant ('' when unknown)."""
    if psi is None:
        return ""
    return "stable" if psi < STABLE else "shifted" if psi < SHIFTED else "significant"


def indicators_psi(expected: pl.DataFrame, actual: pl.DataFrame) -> dict[str, float | None]:
    """Each indicator column's PSI between two frames (numeric columns binned, the others
    by category)."""
    result: dict[str, float | None] = {}
    for name in expected.columns:
        if name == "enterprise_id" or name not in actual.columns:
            continue
        dtype = expected.schema[name]
        if dtype.is_numeric() and dtype != pl.Boolean:
            result[name] = psi_numeric(expected[name].to_list(), actual[name].to_list())
        else:
            result[name] = psi_categorical(expected[name].to_list(), actual[name].to_list())
    return result


def scores_at_month_ends(history: pl.DataFrame, months: Sequence[datetime.date]) -> dict:
    """Each enterprise's score held at the end of each month (``months``: their last days),
    from history rows ``enterprise_id, computed_on, score`` (vectorised)."""
    ordered = history.sort(["enterprise_id", "computed_on"])
    return {
        month: ordered.filter(pl.col("computed_on") <= month)
        .group_by("enterprise_id")
        .agg(pl.col("score").last())["score"]
        .to_list()
        for month in months
    }
