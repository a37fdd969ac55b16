""" "Enterprises that fit this product" over 100,000 enterprises.

Method (docs/performance.md, "Financing: enterprises that fit a product"): a facts frame of
100,000 enterprises (``--quick``: 10,000), drawn with a fixed seed (counties, revenue,
R&D expense, staff, intellectual property, growth stage and list labels in plausible
proportions, a few per cent of each fact missing), held in memory. The product is a
typical science-and-technology credit loan: R&D expense at least 3 % of revenue (a ratio
indicator), revenue at least 500万元, at most 500 employees, not on the dishonesty list,
for three of the seven counties, growth or mature stage, holding the tech SME or high-tech
label — ``kejin.enterprises.eligibility.eligibility_rule`` of that version.

Cases, each against baselines measured in the same run, in alternating rounds (median):

- ``financing_fit_engine``: ``eligible_ids(rule, frame)`` — the rule set compiled by
  ``kejin.rules`` to polars, evaluated over the frame, the fitting ids selected (what
  ``product_fit_enterprises`` runs on each chunk of the facts frame).
  Baseline ``financing_fit_hand_polars``: the same rule written by hand as one polars
  ``filter``, with the conventions the rules share (the ratio compared exactly in integer
  cents, cross-multiplied, as the recognition benchmark's hand-written baseline does); the
  ids must be the same (checked). Goal: engine ≤ 2 × hand.
  Baseline ``financing_fit_python_loop``: ``kejin.rules.expressions.evaluate`` of the same
  rule (one JsonLogic expression) per row over ``frame.to_dicts()``, timed on a sample of
  10,000 rows and extrapolated; its verdicts are checked against the engine's. Goal: loop ≥
  30 × engine.

Needs no database: runs in a child process that only sets Django up.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

from bench.child import child_main, child_run, engine_rows
from bench.options import BenchOptions

FULL_SIZE = 100_000
QUICK_SIZE = 10_000
LOOP_SAMPLE = 10_000
ROUNDS = 7
ENGINE_RATIO_GOAL = 2.0
LOOP_RATIO_GOAL = 30.0
COUNTIES = (1, 2, 3, 4, 5, 6, 7)
FIT_COUNTIES = (2, 3, 5)

RULE = {
    "title": "科技信用贷准入",
    "indicators": [
        {
            "id": "rd_ratio",
            "label": "研发投入占比",
            "format": "percent",
            "value": {"/": [{"var": "rd_expense"}, {"var": "revenue"}]},
        }
    ],
    "conditions": [
        {"id": "rd", "label": "研发投入占比≥3%", "test": {">=": [{"var": "value.rd_ratio"}, 0.03]}},
        {
            "id": "revenue",
            "label": "销售收入≥500万元",
            "test": {">=": [{"var": "revenue"}, 5000000]},
        },
        {"id": "staff", "label": "职工≤500人", "test": {"<=": [{"var": "employees"}, 500]}},
        {
            "id": "clean",
            "label": "未列入严重违法失信名单",
            "test": {"!": {"var": "serious_dishonesty_list"}},
        },
    ],
}
TIERS = ("growth", "mature")
LABELS = ("tech_sme", "high_tech")


def frame(size: int, seed: int = 20261206):
    """The facts frame the cases run over (see the module docstring)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)

    def missing(values, share):
        values = values.tolist()
        for index in np.flatnonzero(rng.random(size) < share):
            values[index] = None
        return values

    revenue = rng.lognormal(mean=16.5, sigma=1.2, size=size).round(2)
    rd = (revenue * rng.beta(2, 40, size=size)).round(2)
    stages = np.array(["startup", "growth", "mature", None], dtype=object)
    label_sets = [[], ["tech_sme"], ["high_tech"], ["tech_sme", "high_tech"], ["eaglet"]]
    labels = [label_sets[i] for i in rng.choice(5, size=size, p=[0.4, 0.3, 0.1, 0.15, 0.05])]
    return pl.DataFrame(
        {
            "enterprise_id": np.arange(1, size + 1),
            "county_id": rng.choice(COUNTIES, size=size),
            "revenue": pl.Series(missing(revenue, 0.03), dtype=pl.Float64),
            "rd_expense": pl.Series(missing(rd, 0.05), dtype=pl.Float64),
            "employees": pl.Series(missing(rng.integers(3, 900, size=size), 0.02), dtype=pl.Int64),
            "serious_dishonesty_list": pl.Series(
                missing(rng.random(size) < 0.01, 0.01), dtype=pl.Boolean
            ),
            "registry_stage": pl.Series(
                stages[rng.choice(4, size=size, p=[0.35, 0.35, 0.2, 0.1])].tolist(), dtype=pl.Utf8
            ),
            "registry_labels": pl.Series(labels, dtype=pl.List(pl.Utf8)),
        }
    )


def product_rule_for_bench():
    from kejin.enterprises.eligibility import eligibility_rule

    return eligibility_rule(json.dumps(RULE), None, FIT_COUNTIES, TIERS, LABELS)


def hand_polars(df):
    """The rule by hand: one polars filter (null comparisons are false, as unknown is not
    eligible). The conventions the engine's rules share are kept, as in the recognition
    benchmark's hand-written baseline: the ratio is compared exactly, in integer cents
    cross-multiplied, and a zero revenue makes it unknown."""
    import polars as pl

    def cents(value):
        return (value.cast(pl.Float64) * 100).round(0).cast(pl.Int128)

    rd, revenue = pl.col("rd_expense"), pl.col("revenue")
    return df.filter(
        (revenue != 0)
        & (cents(rd) * 100 >= cents(revenue) * 3)
        & (revenue >= 5_000_000)
        & (pl.col("employees") <= 500)
        & ~pl.col("serious_dishonesty_list")
        & pl.col("county_id").is_in(FIT_COUNTIES)
        & pl.col("registry_stage").is_in(TIERS)
        & pl.col("registry_labels").list.eval(pl.element().is_in(LABELS)).list.any()
    )["enterprise_id"]


def loop_expression() -> dict:
    """The same rule as one JsonLogic expression (the per-row interpreter's input)."""
    ratio = {"/": [{"var": "rd_expense"}, {"var": "revenue"}]}
    return {
        "and": [
            {">=": [ratio, 0.03]},
            *(c["test"] for c in RULE["conditions"][1:]),
            {"in": [{"var": "county_id"}, list(FIT_COUNTIES)]},
            {"in": [{"var": "registry_stage"}, list(TIERS)]},
            {"or": [{"in": [code, {"var": "registry_labels"}]} for code in LABELS]},
        ]
    }


def python_loop(rows) -> list[int]:
    from kejin.rules.expressions import evaluate

    expression = loop_expression()
    return [row["enterprise_id"] for row in rows if evaluate(expression, row) is True]


def measure(size: int, *, log=print) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from kejin.enterprises.eligibility import eligible_ids

    rule = product_rule_for_bench()
    log(f"financing_fit: drawing {size:,} enterprises")
    df = frame(size)
    times: dict[str, list[float]] = {"engine": [], "hand": []}
    for _ in range(ROUNDS):
        for key, fn in (
            ("engine", lambda: eligible_ids(rule, df)),
            ("hand", lambda: hand_polars(df)),
        ):
            started = time.perf_counter()
            result = fn()
            times[key].append(time.perf_counter() - started)
            if key == "engine":
                engine_ids = result
            else:
                hand_ids = result
    engine_s, hand_s = statistics.median(times["engine"]), statistics.median(times["hand"])
    mismatches = len(set(engine_ids.to_list()) ^ set(hand_ids.to_list()))
    sample = df.sample(min(LOOP_SAMPLE, size), seed=1)
    rows = sample.to_dicts()
    started = time.perf_counter()
    looped = python_loop(rows)
    loop_sample_s = time.perf_counter() - started
    loop_s = loop_sample_s * size / len(rows)
    sample_engine = set(eligible_ids(rule, sample).to_list())
    loop_mismatches = len(set(looped) ^ sample_engine)
    quick = size < FULL_SIZE
    log(
        f"financing_fit: engine {engine_s * 1000:.1f} ms, hand {hand_s * 1000:.1f} ms, loop "
        f"{loop_s:.2f} s (extrapolated); {len(engine_ids):,} fit"
    )
    return engine_rows(
        name="financing_fit",
        size=size,
        engine_s=engine_s,
        hand_s=hand_s,
        loop_s=loop_s,
        hand_note=(
            f"ratio = engine median / hand-written polars filter median, same run, {ROUNDS} "
            f"alternating rounds (lower is better; goal <= {ENGINE_RATIO_GOAL}); "
            f"{len(engine_ids):,} enterprises fit; id mismatches: {mismatches}"
        ),
        loop_note=(
            f"kejin.rules.expressions.evaluate per row, timed on {len(rows):,} sampled rows "
            f"({loop_sample_s:.2f}s) and extrapolated to {size:,}; ratio = loop / engine "
            f"(higher is better; goal >= {LOOP_RATIO_GOAL}); verdict mismatches on the "
            f"sample: {loop_mismatches}"
        ),
        mismatches=mismatches,
        loop_mismatches=loop_mismatches,
        quick=quick,
        engine_goal=ENGINE_RATIO_GOAL,
        loop_goal=LOOP_RATIO_GOAL,
    )


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up)."""
    size = QUICK_SIZE if options.quick else FULL_SIZE
    return child_run("bench.financing_fit", size)


def main(argv: list[str] | None = None) -> int:
    return child_main("bench.financing_fit", __doc__ or "", measure, full_size=FULL_SIZE, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
