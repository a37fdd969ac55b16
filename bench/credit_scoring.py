"""Credit scoring of 1,000,000 enterprises with the active points table.

Method (docs/performance.md, "Credit scoring"): a frame of the twelve credit indicators for
1,000,000 enterprises (``--quick``: 20,000), drawn with a fixed seed in the proportions the
demo shows (most clean, some penalties, a few dishonest; a tenth without a tax rating or
social-insurance records), held in memory. The points table is the default Jiaxing expert
scorecard (``kejin/credit/scoring/jiaxing_expert.yaml``).

Cases, each against baselines measured in the same run, in alternating rounds (median):

- ``credit_scoring_engine``: ``score_frame``'s evaluation — the points table compiled by
  ``kejin.rules`` to polars — giving score and grade for every row.
  Baseline ``credit_scoring_numpy``: the same points table written by hand as numpy lookups
  (``searchsorted`` on the band bounds, comparisons for the categories, ``where`` for the
  missing bands) over the same columns already as numpy arrays; its scores and grades must
  equal the engine's on every row (checked). Goal: engine ≤ 2 × numpy.
  Baseline ``credit_scoring_python_loop``: the per-enterprise loop — ``ruleset.explain(row)``
  (the rule set's own one-record path, as the recognition benchmark's loop) for every row —
  timed on a sample of 2,000 rows and extrapolated linearly (said in ``baseline_note``); its
  scores are checked against the engine's. Goal: loop ≥ 50 × engine.
  Baseline ``credit_scoring_tight_loop``: the points table hand-written as a tight Python loop
  (tuples and ``if`` chains, no explanation), on 20,000 sampled rows; reported, no goal.
- ``credit_scoring_with_reasons``: the full ``score_frame`` (score, grade and the top three
  reason codes), as batch scoring runs it, against the same numpy baseline (reported, no
  goal: the baseline computes no reasons).

Needs no database: runs in a child process that only sets Django up.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from bench.child import child_main, child_run
from bench.options import BenchOptions

FULL_SIZE = 1_000_000
QUICK_SIZE = 20_000
LOOP_SAMPLE = 20_000
EXPLAIN_SAMPLE = 2_000  # explain() takes milliseconds a row
ROUNDS = 5
ENGINE_RATIO_GOAL = 2.0
LOOP_RATIO_GOAL = 50.0


def _frame(size: int, seed: int = 20260101):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    ratings = np.array(["A", "B", "M", "C", "D", ""])
    rating = ratings[rng.choice(6, size=size, p=[0.35, 0.3, 0.1, 0.1, 0.05, 0.1])]
    headcount = rng.poisson(30, size).astype(float)
    headcount[rng.random(size) < 0.1] = np.nan
    trend = rng.normal(0.02, 0.15, size)
    trend[np.isnan(headcount) | (rng.random(size) < 0.1)] = np.nan
    return pl.DataFrame(
        {
            "enterprise_id": np.arange(1, size + 1),
            "credit.tax_rating": pl.Series(rating).replace("", None),
            "credit.penalties_3y_serious": rng.choice(3, size=size, p=[0.95, 0.04, 0.01]),
            "credit.penalties_3y_general": rng.choice(5, size=size, p=[0.8, 0.1, 0.05, 0.03, 0.02]),
            "credit.tax_arrears": np.where(
                rng.random(size) < 0.05, rng.lognormal(9, 2, size).round(2), 0.0
            ),
            "credit.on_dishonesty_list": rng.random(size) < 0.01,
            "credit.abnormal_operations": rng.random(size) < 0.03,
            "credit.utility_arrears_12m": rng.choice(5, size=size, p=[0.9, 0.05, 0.02, 0.02, 0.01]),
            "credit.social_insurance_headcount": pl.Series(headcount).fill_nan(None).cast(pl.Int64),
            "credit.social_insurance_trend": pl.Series(trend).fill_nan(None),
            "credit.overdue_loans_24m": rng.choice(3, size=size, p=[0.93, 0.05, 0.02]),
            "credit.patents": rng.choice(15, size=size),
            "credit.honours_3y": rng.choice(3, size=size, p=[0.8, 0.15, 0.05]),
        }
    )


def _numpy_inputs(frame):
    import numpy as np

    arrays = {}
    for name in frame.columns:
        series = frame[name]
        if str(series.dtype) == "String":
            arrays[name] = np.array(series.fill_null("").to_list(), dtype="<U1")
        elif str(series.dtype) == "Boolean":
            arrays[name] = series.to_numpy()
        else:
            arrays[name] = series.cast(float).to_numpy()  # null -> nan
    return arrays


def _hand_numpy(ruleset, a):
    """The points table by hand: per indicator, the band's points by numpy lookups."""
    import numpy as np

    total = np.full(len(a["enterprise_id"]), float(ruleset.base_points))
    for ind in ruleset.indicators:
        values = a[ind.value["var"]]
        rest = next((b.points for b in ind.bands if b.is_rest), 0.0)
        missing = next((b.points for b in ind.bands if b.missing), None)
        bounded = [b for b in ind.bands if b.min is not None]
        categorical = [b for b in ind.bands if b.values is not None]
        if bounded:
            mins = np.array([b.min for b in reversed(bounded)])
            points = np.array([rest] + [b.points for b in reversed(bounded)], dtype=float)
            got = points[np.searchsorted(mins, values, side="right")]
        else:
            got = np.full(len(values), float(rest))
            for band in reversed(categorical):
                hit = np.isin(values, np.array(band.values, dtype=values.dtype))
                got = np.where(hit, band.points, got)
        if missing is not None:
            unknown = values == "" if values.dtype.kind == "U" else np.isnan(values)
            got = np.where(unknown, missing, got)
        total += got
    mins = np.array([g.min for g in reversed(ruleset.grades) if g.min is not None])
    codes = np.array([g.code for g in reversed(ruleset.grades)])
    return total, codes[np.searchsorted(mins, total, side="right")]


def _python_loop(ruleset, rows):
    """Per row, per indicator: the band by an if chain, in plain Python."""
    tables = []
    for ind in ruleset.indicators:
        tables.append(
            (
                ind.value["var"],
                [(b.min, b.values, b.missing, b.points) for b in ind.bands],
            )
        )
    grades = [(g.min, g.code) for g in ruleset.grades]
    base = float(ruleset.base_points)
    out = []
    for row in rows:
        score = base
        for name, bands in tables:
            value = row[name]
            for low, values, missing, points in bands:
                if missing:
                    if value is None:
                        score += points
                        break
                    continue
                if value is None:
                    continue
                if (low is not None and value >= low) or (values is not None and value in values):
                    score += points
                    break
                if low is None and values is None:
                    score += points
                    break
        grade = next(code for low, code in grades if low is None or score >= low)
        out.append((score, grade))
    return out


def measure(size: int, *, log=print) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import numpy as np

    from kejin.credit.scoring.scorecards import expert_document, score_frame
    from kejin.rules.ruleset import RuleSet

    ruleset = RuleSet.from_dict(expert_document())
    log(f"credit_scoring: drawing {size:,} enterprises")
    frame = _frame(size)
    arrays = _numpy_inputs(frame)

    def engine():
        return ruleset.evaluate_frame(frame).select("score", "grade").collect()

    def with_reasons():
        return score_frame(ruleset, frame)

    def hand():
        return _hand_numpy(ruleset, arrays)

    times: dict[str, list[float]] = {"engine": [], "reasons": [], "hand": []}
    for _ in range(ROUNDS):
        for key, fn in (("engine", engine), ("hand", hand), ("reasons", with_reasons)):
            started = time.perf_counter()
            result = fn()
            times[key].append(time.perf_counter() - started)
            if key == "engine":
                engine_out = result
            elif key == "hand":
                hand_out = result
    engine_s, hand_s, reasons_s = (
        statistics.median(times[k]) for k in ("engine", "hand", "reasons")
    )
    scores = engine_out["score"].to_numpy()
    mismatches = int(
        np.sum(~np.isclose(scores, hand_out[0]))
        + np.sum(engine_out["grade"].to_numpy() != hand_out[1])
    )
    sample = frame.sample(min(LOOP_SAMPLE, size), seed=1)
    rows = sample.to_dicts()
    sample_scores = ruleset.evaluate_frame(sample).select("score").collect()["score"].to_list()
    explain_rows = rows[:EXPLAIN_SAMPLE]
    started = time.perf_counter()
    explained = [ruleset.explain(row).score for row in explain_rows]
    loop_sample_s = time.perf_counter() - started
    loop_s = loop_sample_s * size / len(explain_rows)
    loop_mismatches = sum(
        1 for s, e in zip(explained, sample_scores, strict=False) if abs(s - e) > 1e-9
    )
    started = time.perf_counter()
    looped = _python_loop(ruleset, rows)
    tight_sample_s = time.perf_counter() - started
    tight_s = tight_sample_s * size / len(rows)
    tight_mismatches = sum(
        1 for (s, _), e in zip(looped, sample_scores, strict=True) if abs(s - e) > 1e-9
    )
    quick = size < FULL_SIZE
    engine_ratio = engine_s / hand_s
    loop_ratio = loop_s / engine_s
    log(
        f"credit_scoring: engine {engine_s:.3f}s, numpy {hand_s:.3f}s, with reasons "
        f"{reasons_s:.3f}s, explain loop {loop_s:.1f}s, tight loop {tight_s:.1f}s (extrapolated)"
    )
    common = {"size": size, "seconds": engine_s}
    return [
        {
            "name": "credit_scoring_engine",
            **common,
            "baseline": "credit_scoring_numpy",
            "baseline_seconds": hand_s,
            "ratio": engine_ratio,
            "baseline_note": (
                "ratio = engine median seconds / hand-written numpy lookup median seconds, same "
                f"run, {ROUNDS} alternating rounds (lower is better; goal <= {ENGINE_RATIO_GOAL}); "
                f"score/grade mismatches: {mismatches}"
            ),
            "goal": {"ratio_max": ENGINE_RATIO_GOAL, "same_scores_as_numpy": True},
            "passed": None if quick else engine_ratio <= ENGINE_RATIO_GOAL and not mismatches,
        },
        {
            "name": "credit_scoring_engine",
            **common,
            "baseline": "credit_scoring_python_loop",
            "baseline_seconds": loop_s,
            "ratio": loop_ratio,
            "baseline_note": (
                f"explain() loop timed on {len(explain_rows):,} sampled rows ({loop_sample_s:.2f}s) and "
                f"extrapolated to {size:,}; ratio = loop / engine (higher is better; goal >= "
                f"{LOOP_RATIO_GOAL}); score mismatches on the sample: {loop_mismatches}"
            ),
            "goal": {"ratio_min": LOOP_RATIO_GOAL},
            "passed": None if quick else loop_ratio >= LOOP_RATIO_GOAL and not loop_mismatches,
        },
        {
            "name": "credit_scoring_engine",
            **common,
            "baseline": "credit_scoring_tight_loop",
            "baseline_seconds": tight_s,
            "ratio": tight_s / engine_s,
            "baseline_note": (
                f"hand-written tight Python loop timed on {len(rows):,} sampled rows "
                f"({tight_sample_s:.2f}s), extrapolated; ratio = loop / engine; reported, no "
                f"goal; score mismatches on the sample: {tight_mismatches}"
            ),
            "goal": {},
            "passed": None,
        },
        {
            "name": "credit_scoring_with_reasons",
            "size": size,
            "seconds": reasons_s,
            "baseline": "credit_scoring_numpy",
            "baseline_seconds": hand_s,
            "ratio": reasons_s / hand_s,
            "baseline_note": "score_frame as batch scoring runs it (score, grade, top 3 reason "
            "codes) against the numpy score+grade lookup; reported, no goal",
            "goal": {},
            "passed": None,
        },
    ]


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up)."""
    size = QUICK_SIZE if options.quick else FULL_SIZE
    return child_run("bench.credit_scoring", size)


def main(argv: list[str] | None = None) -> int:
    return child_main(
        "bench.credit_scoring", __doc__ or "", measure, full_size=FULL_SIZE, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
