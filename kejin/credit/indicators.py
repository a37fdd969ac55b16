"""Credit indicators (信用指标): derived per enterprise, as of a date, from its current records.

The definitions are those of the shared catalogue spec (``credit.<name>`` in the facts
catalogue). They are computed for a range of enterprise ids at once: two queries (the
enterprises in the range, their current records of the categories that feed an indicator)
and polars over the records — never an ORM loop per enterprise. A record counts only once
its event date is on or before ``as_of``. "Within the last N years" counts from the same
calendar day N years earlier (``kejin.facts.periods``), that day included.

Every enterprise of the range gets a row: counts are 0 and list memberships false without
records; the latest tax rating, the social-insurance headcount and its trend are unknown
(null) without them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import polars as pl

from kejin.credit.models import CreditRecord
from kejin.enterprises.models import Enterprise
from kejin.facts.periods import years_before

PENALTY_CATEGORIES = ("penalty_market", "penalty_environment", "penalty_safety", "penalty_quality")
DISHONESTY_CATEGORIES = ("serious_dishonesty", "dishonest_debtor")
UTILITY_CATEGORIES = ("electricity_arrears", "water_arrears", "gas_arrears")
#: Every category an indicator reads.
INDICATOR_CATEGORIES = (
    "tax_rating",
    "tax_payment",
    *PENALTY_CATEGORIES,
    "abnormal_operations",
    *DISHONESTY_CATEGORIES,
    *UTILITY_CATEGORIES,
    "social_insurance",
    "loan_repayment",
    "patent",
    "honour",
)
#: The record fields the indicators read (from ``CreditRecord.data``), with their type.
_FIELDS: dict[str, type[pl.DataType]] = {
    "rating": pl.Utf8,
    "severity": pl.Utf8,
    "arrears": pl.Float64,
    "removed_date": pl.Date,
    "insured_headcount": pl.Int64,
    "loan_no": pl.Utf8,
    "overdue_days": pl.Int64,
    "status": pl.Utf8,
}
#: How far from "12 months before the latest period" an earlier headcount may lie.
TREND_TOLERANCE_DAYS = 45

#: The indicator columns, in order, with their polars types.
INDICATOR_SCHEMA: dict[str, type[pl.DataType]] = {
    "credit.tax_rating": pl.Utf8,
    "credit.penalties_3y_serious": pl.Int64,
    "credit.penalties_3y_general": pl.Int64,
    "credit.tax_arrears": pl.Float64,
    "credit.on_dishonesty_list": pl.Boolean,
    "credit.abnormal_operations": pl.Boolean,
    "credit.utility_arrears_12m": pl.Int64,
    "credit.social_insurance_headcount": pl.Int64,
    "credit.social_insurance_trend": pl.Float64,
    "credit.overdue_loans_24m": pl.Int64,
    "credit.patents": pl.Int64,
    "credit.honours_3y": pl.Int64,
}
_ZERO_WITHOUT_RECORDS = {
    name: (False if dtype == pl.Boolean else 0)
    for name, dtype in INDICATOR_SCHEMA.items()
    if name not in ("credit.tax_rating", "credit.social_insurance_headcount")
    and name != "credit.social_insurance_trend"
}


def credit_indicators_frame(*, first_id: int, last_id: int, as_of: datetime.date) -> pl.DataFrame:
    """One row per enterprise with id in [first_id, last_id], a column per indicator."""
    ids = list(
        Enterprise.objects.filter(pk__range=(first_id, last_id))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = (
        CreditRecord.objects.current()
        .filter(
            enterprise__pk__range=(first_id, last_id),
            category__code__in=INDICATOR_CATEGORIES,
            event_date__lte=as_of,
        )
        .values_list("pk", "enterprise_id", "category__code", "event_date", "data")
    )
    return indicators_from_records(
        enterprise_ids=ids, records=records_frame(list(rows)), as_of=as_of
    )


def records_frame(rows: list[tuple]) -> pl.DataFrame:
    """Records ``(id, enterprise_id, category, event_date, data)`` as a frame with the fields
    the indicators read."""
    columns: dict[str, list] = {name: [] for name in _FIELDS}
    for *_, data in rows:
        for name in _FIELDS:
            columns[name].append(data.get(name))
    frame = pl.DataFrame(
        {
            "record_id": [r[0] for r in rows],
            "enterprise_id": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "event_date": [r[3] for r in rows],
        },
        schema={
            "record_id": pl.Int64,
            "enterprise_id": pl.Int64,
            "category": pl.Utf8,
            "event_date": pl.Date,
        },
    )
    parsed = []
    for name, dtype in _FIELDS.items():
        values = columns[name]
        if dtype == pl.Date:
            series = pl.Series(name, [None if v in (None, "") else str(v) for v in values])
            parsed.append(series.cast(pl.Utf8).str.to_date(strict=False))
        elif dtype == pl.Float64:
            # Amounts travel as strings of Decimal yuan.
            parsed.append(
                pl.Series(
                    name,
                    [None if v in (None, "") else float(Decimal(str(v))) for v in values],
                    dtype=pl.Float64,
                )
            )
        elif dtype == pl.Int64:
            parsed.append(
                pl.Series(name, [None if v in (None, "") else int(v) for v in values], pl.Int64)
            )
        else:
            parsed.append(pl.Series(name, [None if v is None else str(v) for v in values], pl.Utf8))
    return frame.with_columns(parsed)


def indicators_from_records(
    *, enterprise_ids: list[int], records: pl.DataFrame, as_of: datetime.date
) -> pl.DataFrame:
    """The indicators of ``enterprise_ids`` from their records (see ``records_frame``)."""
    three_years = years_before(as_of, 3)
    two_years = years_before(as_of, 2)
    one_year = years_before(as_of, 1)
    by_category = records.sort(["enterprise_id", "event_date", "record_id"])
    cat = pl.col("category")
    date = pl.col("event_date")

    def latest(category: str, column: str, alias: str) -> pl.DataFrame:
        return (
            by_category.filter(cat == category)
            .group_by("enterprise_id", maintain_order=True)
            .agg(pl.col(column).last().alias(alias))
        )

    def count(condition: pl.Expr, alias: str, expr: pl.Expr | None = None) -> pl.DataFrame:
        agg = (expr if expr is not None else pl.len()).alias(alias)
        return records.filter(condition).group_by("enterprise_id").agg(agg)

    listed_now = pl.col("removed_date").is_null() | (pl.col("removed_date") > as_of)
    parts = [
        latest("tax_rating", "rating", "credit.tax_rating"),
        count(
            cat.is_in(PENALTY_CATEGORIES) & (date >= three_years),
            "credit.penalties_3y_serious",
            (pl.col("severity") == "serious").sum(),
        ),
        count(
            cat.is_in(PENALTY_CATEGORIES) & (date >= three_years),
            "credit.penalties_3y_general",
            (pl.col("severity") == "general").sum(),
        ),
        latest("tax_payment", "arrears", "credit.tax_arrears"),
        count(
            cat.is_in(DISHONESTY_CATEGORIES) & listed_now,
            "credit.on_dishonesty_list",
            pl.lit(True),
        ),
        count(
            (cat == "abnormal_operations") & listed_now,
            "credit.abnormal_operations",
            pl.lit(True),
        ),
        count(cat.is_in(UTILITY_CATEGORIES) & (date >= one_year), "credit.utility_arrears_12m"),
        latest("social_insurance", "insured_headcount", "credit.social_insurance_headcount"),
        _headcount_trend(by_category.filter(cat == "social_insurance")),
        count(
            (cat == "loan_repayment") & (date >= two_years) & (pl.col("overdue_days") > 0),
            "credit.overdue_loans_24m",
            pl.col("loan_no").n_unique(),
        ),
        count((cat == "patent") & (pl.col("status") == "valid"), "credit.patents"),
        count((cat == "honour") & (date >= three_years), "credit.honours_3y"),
    ]
    frame = pl.DataFrame({"enterprise_id": enterprise_ids}, schema={"enterprise_id": pl.Int64})
    for part in parts:
        frame = frame.join(
            part.with_columns(pl.col("enterprise_id").cast(pl.Int64)),
            on="enterprise_id",
            how="left",
            maintain_order="left",
        )
    return frame.with_columns(
        [
            pl.col(name).fill_null(default).cast(INDICATOR_SCHEMA[name])
            for name, default in _ZERO_WITHOUT_RECORDS.items()
        ]
        + [
            pl.col(name).cast(dtype)
            for name, dtype in INDICATOR_SCHEMA.items()
            if name not in _ZERO_WITHOUT_RECORDS
        ]
    ).select("enterprise_id", *INDICATOR_SCHEMA)


def _headcount_trend(social: pl.DataFrame) -> pl.DataFrame:
    """Latest headcount ÷ the headcount about 12 months before it − 1: the earlier record is
    the one closest to the latest period end one year back (within ±45 days; the later one
    on a tie); unknown without one or when it was 0."""
    name = "credit.social_insurance_trend"
    if social.height == 0:
        return pl.DataFrame(schema={"enterprise_id": pl.Int64, name: pl.Float64})
    latest = social.group_by("enterprise_id", maintain_order=True).agg(
        pl.col("event_date").last().alias("latest_date"),
        pl.col("insured_headcount").last().alias("latest_headcount"),
    )
    latest = latest.with_columns(
        pl.col("latest_date").dt.offset_by("-1y").alias("target")  # 29 Feb -> 28 Feb
    )
    candidates = (
        social.join(latest, on="enterprise_id")
        .with_columns((pl.col("event_date") - pl.col("target")).dt.total_days().abs().alias("gap"))
        .filter(
            (pl.col("gap") <= TREND_TOLERANCE_DAYS) & (pl.col("event_date") < pl.col("latest_date"))
        )
        .sort(["enterprise_id", "gap", "event_date"], descending=[False, False, True])
        .group_by("enterprise_id", maintain_order=True)
        .first()
    )
    return candidates.select(
        "enterprise_id",
        pl.when(pl.col("insured_headcount") > 0)
        .then(pl.col("latest_headcount") / pl.col("insured_headcount") - 1)
        .otherwise(None)
        .alias(name),
    )


def iter_indicator_frames(
    *, as_of: datetime.date, chunk_size: int = 50_000, enterprise_ids: list[int] | None = None
) -> Iterator[pl.DataFrame]:
    """Every enterprise's indicators (or only ``enterprise_ids``'), a chunk of ids at a time
    (keyset pagination: one id query per chunk plus the two of each frame)."""
    base = Enterprise.objects.order_by("pk")
    if enterprise_ids is not None:
        base = base.filter(pk__in=enterprise_ids)
    after = 0
    while True:
        ids = list(base.filter(pk__gt=after).values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return
        frame = credit_indicators_frame(first_id=ids[0], last_id=ids[-1], as_of=as_of)
        if enterprise_ids is not None:
            frame = frame.filter(pl.col("enterprise_id").is_in(ids))
        yield frame
        after = ids[-1]
        if len(ids) < chunk_size:
            return
