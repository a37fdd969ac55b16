"""Impact simulation of one changed threshold over 100,000 enterprises.

Method: the facts frame of ``bench.financing_fit.frame`` (100,000 enterprises, ``--quick``:
10,000; counties, revenue, R&D expense, staff, dishonesty flag, growth stage and labels,
a few per cent of each fact missing), held in memory as the simulation page holds the
frame it read. The policy is a typical R&D grant: R&D expense at least ``rd_min`` (3 %) of
revenue, revenue at least ``revenue_min`` (500万元), at most 500 staff, not on the
dishonesty list, for growth and mature enterprises; it pays ``rate`` (10 %) of the R&D
expense, at most 50万元 a year. The simulation compares its live version with the same
version whose ``rd_min`` is changed (never saved).

Case ``policies_simulation``: ``kejin.policies.simulation.version_variant`` of the changed
version (the rule compiled: each round changes the threshold to a new value, so no round
reuses a compiled rule) and ``simulate_frame`` against the live version — counts by county
× growth stage, both benefit totals, the entering and leaving enterprises. Median of
``ROUNDS``. Goal: < 1 s. Checked in the same run: the total counts equal a hand-written
polars filter's, and the entering/leaving counts equal the set differences of the two
filters' ids.

Needs no database: runs in a child process that only sets Django up. ``run`` then starts
the end-to-end case of ``bench.policies_simulation_db`` (``version_simulate`` against a
database of 100,000 enterprises: the facts frame read, the simulation and the naming).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from bench.child import child_main, child_run
from bench.options import BenchOptions

FULL_SIZE = 100_000
QUICK_SIZE = 10_000
ROUNDS = 9
GOAL_SECONDS = 1.0
TIERS = ("growth", "mature")
RULE = {
    "title": "研发费用补助准入",
    "indicators": [
        {
            "id": "rd_ratio",
            "label": "研发投入占比",
            "format": "percent",
            "value": {"/": [{"var": "rd_expense"}, {"var": "revenue"}]},
        }
    ],
    "conditions": [
        {
            "id": "rd",
            "label": "研发投入占比达标",
            "test": {">=": [{"var": "value.rd_ratio"}, {"param": "rd_min"}]},
        },
        {
            "id": "revenue",
            "label": "销售收入达标",
            "test": {">=": [{"var": "revenue"}, {"param": "revenue_min"}]},
        },
        {"id": "staff", "label": "职工≤500人", "test": {"<=": [{"var": "employees"}, 500]}},
        {
            "id": "clean",
            "label": "未列入严重违法失信名单",
            "test": {"!": {"var": "serious_dishonesty_list"}},
        },
    ],
}
PARAMETERS = {
    "rd_min": {"value": 0.03, "reference": "第五条第一款", "label": "研发投入占比下限"},
    "revenue_min": {"value": 5000000, "reference": "第五条第二款", "label": "销售收入下限"},
    "rate": {"value": 0.1, "reference": "第七条", "label": "补助比例"},
}
FORMULA = {"*": [{"var": "rd_expense"}, {"param": "rate"}]}
CAP = 500_000


def live_version():
    """The live version (unsaved: the simulation reads only its fields)."""
    from decimal import Decimal

    from kejin.policies.models import PolicyVersion

    return PolicyVersion(
        version="1",
        document=RULE,
        parameters=PARAMETERS,
        tiers=list(TIERS),
        benefit_formula=FORMULA,
        cap_per_enterprise_year=Decimal(CAP),
    )


def hand_ids(df, rd_min: float):
    """The policy by hand as one polars filter (the ratio exact: cross-multiplied integer
    cents, as the rules compare it; unknown is not eligible)."""
    import polars as pl

    def cents(value):
        return (value.cast(pl.Float64) * 100).round(0).cast(pl.Int128)

    numerator, denominator = (
        int(round(rd_min * 1_000_000)),
        1_000_000,
    )
    rd, revenue = pl.col("rd_expense"), pl.col("revenue")
    return set(
        df.filter(
            (revenue != 0)
            & (cents(rd) * denominator >= cents(revenue) * numerator)
            & (revenue >= PARAMETERS["revenue_min"]["value"])
            & (pl.col("employees") <= 500)
            & ~pl.col("serious_dishonesty_list")
            & pl.col("registry_stage").is_in(TIERS)
        )["enterprise_id"].to_list()
    )


def measure(size: int, *, log=print) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from bench.financing_fit import frame
    from kejin.policies.simulation import simulate_frame, version_variant, version_with_parameter

    log(f"policies_simulation: drawing {size:,} enterprises")
    df = frame(size)
    live = live_version()
    current = version_variant(live, counties=[])
    times: list[float] = []
    checked = None
    for index in range(ROUNDS):
        value = round(0.025 - index * 0.0001, 6)
        started = time.perf_counter()
        changed = version_with_parameter(live, "rd_min", value)
        proposed = version_variant(changed, counties=[])
        result = simulate_frame(df, proposed=proposed, current=current)
        times.append(time.perf_counter() - started)
        if checked is None:
            checked = (value, result)
    seconds = statistics.median(times)
    value, result = checked
    old, new = hand_ids(df, 0.03), hand_ids(df, value)
    mismatches = (
        abs(result.current - len(old))
        + abs(result.proposed - len(new))
        + abs(result.entering_count - len(new - old))
        + abs(result.leaving_count - len(old - new))
    )
    log(
        f"policies_simulation: {seconds * 1000:.1f} ms median; {result.current:,} → "
        f"{result.proposed:,} qualify, {result.entering_count:,} enter, "
        f"{result.leaving_count:,} leave; benefit {result.current_benefit:,.0f} → "
        f"{result.proposed_benefit:,.0f} yuan; mismatches {mismatches}"
    )
    quick = size < FULL_SIZE
    return [
        {
            "name": "policies_simulation",
            "size": size,
            "seconds": seconds,
            "baseline": None,
            "baseline_seconds": None,
            "ratio": None,
            "baseline_note": (
                f"one changed threshold (rd_min 0.03 -> {value}) against the live version: "
                f"rule compiled + one pass over the frame + county x stage counts, benefit "
                f"totals, entering/leaving; median of {ROUNDS} rounds (goal < {GOAL_SECONDS} s); "
                f"{result.current:,} -> {result.proposed:,} qualify; count mismatches against "
                f"a hand-written polars filter: {mismatches}"
            ),
            "goal": {"seconds_max": GOAL_SECONDS, "same_counts_as_hand": True},
            "passed": None if quick else seconds < GOAL_SECONDS and not mismatches,
        }
    ]


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up), then the end-to-end case in another
    (it sets Django up for its database)."""
    from bench import policies_simulation_db

    size = QUICK_SIZE if options.quick else FULL_SIZE
    return child_run("bench.policies_simulation", size) + policies_simulation_db.run(options.quick)


def main(argv: list[str] | None = None) -> int:
    return child_main(
        "bench.policies_simulation", __doc__ or "", measure, full_size=FULL_SIZE, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
