"""Training data from the platform itself: loan repayment outcomes against the indicators.

An enterprise with a loan repayment record in the performance window (the 12 months after
the observation date) is a sample; it is bad when a record of the window says the loan
defaulted (``status`` default) or was 90 days or more overdue. Its variables are its credit
indicators as of the observation date (what was known then). Booleans enter as 0/1, so the
trained points table reads them with ``{"if": [fact, 1, 0]}``.
"""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd
import polars as pl

from kejin.credit.indicators import INDICATOR_SCHEMA, iter_indicator_frames
from kejin.credit.models import CreditRecord
from kejin.facts.catalogue import catalogue
from kejin.facts.periods import shift_years

TARGET = "default"
SERIOUS_OVERDUE_DAYS = 90


def loan_outcomes_frame(*, observation: datetime.date) -> pd.DataFrame:
    """One row per enterprise with a repayment record in the window: indicators + target."""
    window_end = shift_years(observation, 1)
    rows = list(
        CreditRecord.objects.current()
        .filter(
            category__code="loan_repayment",
            enterprise__isnull=False,
            event_date__gt=observation,
            event_date__lte=window_end,
        )
        .values_list("enterprise_id", "data")
    )
    outcomes = pl.DataFrame(
        {
            "enterprise_id": [r[0] for r in rows],
            "bad": [
                r[1].get("status") == "default"
                or int(r[1].get("overdue_days") or 0) >= SERIOUS_OVERDUE_DAYS
                for r in rows
            ],
        },
        schema={"enterprise_id": pl.Int64, "bad": pl.Boolean},
    )
    targets = outcomes.group_by("enterprise_id").agg(pl.col("bad").any().cast(pl.Int64))
    ids = targets["enterprise_id"].to_list()
    frames = list(iter_indicator_frames(as_of=observation, enterprise_ids=ids)) if ids else []
    return indicators_training_frame(frames, targets)


def indicators_training_frame(frames: list[pl.DataFrame], targets: pl.DataFrame) -> pd.DataFrame:
    """Indicator frames joined with ``enterprise_id, bad`` as a pandas frame for training."""
    schema: dict[str, Any] = {"enterprise_id": pl.Int64, **INDICATOR_SCHEMA}
    indicators = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
    joined = indicators.join(targets, on="enterprise_id").sort("enterprise_id")
    booleans = [n for n, t in INDICATOR_SCHEMA.items() if t == pl.Boolean]
    joined = joined.with_columns([pl.col(n).cast(pl.Int64) for n in booleans])
    data: dict[str, Any] = {}
    for name in INDICATOR_SCHEMA:
        values = joined[name].to_list()
        if INDICATOR_SCHEMA[name] == pl.Utf8:
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series([float("nan") if v is None else v for v in values], dtype=float)
    data[TARGET] = joined["bad"].to_list()
    return pd.DataFrame(data)


def indicator_training_options() -> dict[str, Any]:
    """Labels, reason texts and value expressions for a scorecard over the indicators."""
    facts = catalogue()
    booleans = [n for n, t in INDICATOR_SCHEMA.items() if t == pl.Boolean]
    return {
        "labels": {n: facts[n].label for n in INDICATOR_SCHEMA},
        "reasons": {n: f"{facts[n].label}不利" for n in INDICATOR_SCHEMA},
        "values": {n: {"if": [{"var": n}, 1, 0]} for n in booleans},
        "booleans": booleans,
    }
