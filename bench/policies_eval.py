"""Evaluating 200 policies over 100,000 enterprises.

Method: a facts frame of 100,000 enterprises (``--quick``: 10,000), the columns of
``bench.financing_fit.frame`` (counties, revenue, R&D expense, staff, dishonesty flag,
growth stage, list labels, a few per cent of each fact missing) plus the years since
registration and a valid high-tech certificate, drawn with a fixed seed. 200 policies are
drawn (fixed seed) from six templates as a city's policies are (a template, several
thresholds and targets): R&D intensity grants (ratio ≥ 2–6 %, revenue ≥ 100–2000万元, staff
≤ 200–1000), start-up support (registered ≤ 3–8 years, revenue in a band, start-up stage),
scale-up awards (revenue band, staff ≥ 20–300, growth or mature), high-tech rewards (a valid
certificate or the label, R&D ≥ 50–500万元), county schemes (one to three counties, tech SME
or high-tech label), and listing support (revenue ≥ 5000万–2亿元, mature, listing labels);
each may also exclude the dishonesty list. Every policy is a spec, turned independently
into (a) an eligibility rule (``kejin.enterprises.eligibility.eligibility_rule``: the
document with indicators and parameters, the terms) and (b) a hand-written polars filter.

Cases (same run, alternating rounds, median of ``ROUNDS``):

- ``policies_eval_engine``: for each distinct rule, ``eligible_ids(rule, frame)`` — what
  ``kejin.policies.evaluation.qualifying_ids`` runs per frame chunk — all 200 in turn.
  Baseline ``policies_eval_hand_polars``: the 200 hand-written filters in turn (ratios
  compared exactly in integer cents, cross-multiplied, as the rules do). The ids must be
  equal for every policy (checked). Goal: engine ≤ 2 × hand.
  Baseline ``policies_eval_python_loop``: ``kejin.rules.expressions.evaluate`` of each
  policy's rule as one JsonLogic expression, per row, over ``LOOP_SAMPLE`` sampled rows ×
  200 policies, extrapolated to the full frame; its verdicts are checked against the
  engine's on the sample. Goal: loop ≥ 30 × engine.

Needs no database: runs in a child process that only sets Django up.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from fractions import Fraction

from bench.child import child_main, child_run, engine_rows
from bench.options import BenchOptions

FULL_SIZE = 100_000
QUICK_SIZE = 10_000
POLICIES = 200
LOOP_SAMPLE = 500
ROUNDS = 5
ENGINE_RATIO_GOAL = 2.0
LOOP_RATIO_GOAL = 30.0
SEED = 20261206
COUNTIES = (1, 2, 3, 4, 5, 6, 7)
RD_RATIO = {"/": [{"var": "rd_expense"}, {"var": "revenue"}]}


def frame(size: int, seed: int = SEED):
    """The facts frame (see the module docstring)."""
    import numpy as np
    import polars as pl

    from bench.financing_fit import frame as fit_frame

    base = fit_frame(size, seed=seed)
    rng = np.random.default_rng(seed + 1)
    years = rng.integers(0, 30, size=size).tolist()
    for index in np.flatnonzero(rng.random(size) < 0.02):
        years[index] = None
    certificate = (rng.random(size) < 0.2).tolist()
    return base.with_columns(
        pl.Series("years_registered", years, dtype=pl.Int64),
        pl.Series("high_tech_certificate_valid", certificate, dtype=pl.Boolean),
    )


# --- the 200 policies ----------------------------------------------------------------------------


def _pick(rng: random.Random, values):
    return values[rng.randrange(len(values))]


def policy_specs(count: int = POLICIES, seed: int = SEED) -> list[dict]:
    """``count`` policy specs: a template's clauses with drawn thresholds and targets.

    A spec has ``clauses`` (each ``(kind, args)``), ``counties``, ``tiers``, ``labels``."""
    rng = random.Random(seed)
    specs = []
    for index in range(count):
        template = index % 6
        clauses: list[tuple[str, tuple]] = []
        counties: tuple[int, ...] = ()
        tiers: tuple[str, ...] = ()
        labels: tuple[str, ...] = ()
        if template == 0:  # R&D intensity grant
            clauses += [
                ("rd_ratio_min", (_pick(rng, ("0.02", "0.025", "0.03", "0.04", "0.05", "0.06")),)),
                ("revenue_min", (_pick(rng, (1_000_000, 3_000_000, 5_000_000, 20_000_000)),)),
                ("staff_max", (_pick(rng, (200, 300, 500, 1000)),)),
            ]
        elif template == 1:  # start-up support
            low = _pick(rng, (0, 500_000, 1_000_000))
            clauses += [
                ("age_max", (_pick(rng, (3, 5, 8)),)),
                ("revenue_band", (low, low + _pick(rng, (5_000_000, 20_000_000, 50_000_000)))),
            ]
            tiers = ("startup",)
        elif template == 2:  # scale-up award
            low = _pick(rng, (5_000_000, 10_000_000, 20_000_000))
            clauses += [
                ("revenue_band", (low, low * _pick(rng, (5, 10, 20)))),
                ("staff_min", (_pick(rng, (20, 50, 100, 300)),)),
            ]
            tiers = ("growth", "mature")
        elif template == 3:  # high-tech reward
            clauses += [
                ("high_tech", ()),
                ("rd_min", (_pick(rng, (500_000, 1_000_000, 2_000_000, 5_000_000)),)),
            ]
        elif template == 4:  # county scheme
            counties = tuple(sorted(rng.sample(COUNTIES, rng.randint(1, 3))))
            labels = ("tech_sme", "high_tech")
            clauses += [("rd_ratio_min", (_pick(rng, ("0.01", "0.015", "0.02", "0.03")),))]
        else:  # listing support
            clauses += [("revenue_min", (_pick(rng, (50_000_000, 100_000_000, 200_000_000)),))]
            tiers = ("mature",)
            labels = _pick(rng, (("high_tech",), ("high_tech", "eaglet"), ("tech_sme",)))
        if rng.random() < 0.6:
            clauses.append(("clean", ()))
        specs.append({"clauses": clauses, "counties": counties, "tiers": tiers, "labels": labels})
    return specs


def _clause_logic(kind: str, args: tuple, ratio) -> dict:
    """One clause as JsonLogic (``ratio``: how the R&D ratio is read)."""
    if kind == "rd_ratio_min":
        return {">=": [ratio, {"param": "rd_ratio_min"}]}
    if kind == "revenue_min":
        return {">=": [{"var": "revenue"}, {"param": "revenue_min"}]}
    if kind == "revenue_band":
        return {
            "and": [
                {">=": [{"var": "revenue"}, args[0]]},
                {"<": [{"var": "revenue"}, args[1]]},
            ]
        }
    if kind == "staff_max":
        return {"<=": [{"var": "employees"}, args[0]]}
    if kind == "staff_min":
        return {">=": [{"var": "employees"}, args[0]]}
    if kind == "age_max":
        return {"<=": [{"var": "years_registered"}, args[0]]}
    if kind == "high_tech":
        return {
            "or": [
                {"var": "high_tech_certificate_valid"},
                {"in": ["high_tech", {"var": "registry_labels"}]},
            ]
        }
    if kind == "rd_min":
        return {">=": [{"var": "rd_expense"}, args[0]]}
    if kind == "clean":
        return {"!": {"var": "serious_dishonesty_list"}}
    raise ValueError(kind)


def _parameters(spec: dict) -> dict:
    parameters = {}
    for kind, args in spec["clauses"]:
        if kind in ("rd_ratio_min", "revenue_min"):
            value = float(args[0]) if kind == "rd_ratio_min" else args[0]
            parameters[kind] = {"value": value, "reference": "第三条", "label": kind}
    return parameters


def spec_document(spec: dict) -> dict:
    """The policy's eligibility document: the R&D ratio an indicator, a condition a clause."""
    return {
        "title": "政策准入条件",
        "indicators": [
            {"id": "rd_ratio", "label": "研发投入占比", "format": "percent", "value": RD_RATIO}
        ],
        "conditions": [
            {
                "id": f"c{number}",
                "label": kind,
                "test": _clause_logic(kind, args, {"var": "value.rd_ratio"}),
            }
            for number, (kind, args) in enumerate(spec["clauses"])
        ],
    }


def spec_rule(spec: dict):
    from kejin.enterprises.eligibility import eligibility_rule

    return eligibility_rule(
        json.dumps(spec_document(spec), sort_keys=True),
        json.dumps(_parameters(spec), sort_keys=True),
        spec["counties"],
        spec["tiers"],
        spec["labels"],
    )


def spec_expression(spec: dict) -> dict:
    """The policy as one JsonLogic expression, parameters in place (the per-row input)."""
    parameters = _parameters(spec)

    def resolve(expr):
        if isinstance(expr, list):
            return [resolve(e) for e in expr]
        if isinstance(expr, dict):
            if set(expr) == {"param"}:
                return parameters[expr["param"]]["value"]
            return {k: resolve(v) for k, v in expr.items()}
        return expr

    parts = [resolve(_clause_logic(kind, args, RD_RATIO)) for kind, args in spec["clauses"]]
    if spec["counties"]:
        parts.append({"in": [{"var": "county_id"}, list(spec["counties"])]})
    if spec["tiers"]:
        parts.append({"in": [{"var": "registry_stage"}, list(spec["tiers"])]})
    if spec["labels"]:
        parts.append(
            {"or": [{"in": [code, {"var": "registry_labels"}]} for code in spec["labels"]]}
        )
    return {"and": parts}


def hand_filter(spec: dict):
    """The policy written by hand as one polars predicate (null is not eligible)."""
    import polars as pl

    def cents(column):
        return (pl.col(column).cast(pl.Float64) * 100).round(0).cast(pl.Int128)

    revenue, employees = pl.col("revenue"), pl.col("employees")
    parts = []
    for kind, args in spec["clauses"]:
        if kind == "rd_ratio_min":
            ratio = Fraction(args[0])
            parts += [
                revenue != 0,
                cents("rd_expense") * ratio.denominator >= cents("revenue") * ratio.numerator,
            ]
        elif kind == "revenue_min":
            parts.append(revenue >= args[0])
        elif kind == "revenue_band":
            parts.append((revenue >= args[0]) & (revenue < args[1]))
        elif kind == "staff_max":
            parts.append(employees <= args[0])
        elif kind == "staff_min":
            parts.append(employees >= args[0])
        elif kind == "age_max":
            parts.append(pl.col("years_registered") <= args[0])
        elif kind == "high_tech":
            parts.append(
                pl.col("high_tech_certificate_valid")
                | pl.col("registry_labels").list.contains("high_tech")
            )
        elif kind == "rd_min":
            parts.append(pl.col("rd_expense") >= args[0])
        elif kind == "clean":
            parts.append(~pl.col("serious_dishonesty_list"))
    if spec["counties"]:
        parts.append(pl.col("county_id").is_in(spec["counties"]))
    if spec["tiers"]:
        parts.append(pl.col("registry_stage").is_in(spec["tiers"]))
    if spec["labels"]:
        parts.append(
            pl.any_horizontal(
                [pl.col("registry_labels").list.contains(code) for code in spec["labels"]]
            )
        )
    return pl.all_horizontal(parts).fill_null(False)


# --- measuring -----------------------------------------------------------------------------------


def measure(size: int, *, log=print) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from kejin.enterprises.eligibility import eligible_ids
    from kejin.rules.expressions import evaluate

    log(f"policies_eval: drawing {size:,} enterprises and {POLICIES} policies")
    df = frame(size)
    specs = policy_specs()
    rules = [spec_rule(spec) for spec in specs]
    distinct = list({id(rule): rule for rule in rules}.values())
    hands = [hand_filter(spec) for spec in specs]

    def engine():
        return {id(rule): eligible_ids(rule, df) for rule in distinct}

    def hand():
        return [df.filter(predicate)["enterprise_id"] for predicate in hands]

    def engine_each():
        return [eligible_ids(rule, df) for rule in rules]

    engine()  # warm: compiled expressions cached by polars, as in a running process
    times: dict[str, list[float]] = {"engine": [], "hand": [], "each": []}
    for _ in range(ROUNDS):
        for key, fn in (("engine", engine), ("hand", hand), ("each", engine_each)):
            started = time.perf_counter()
            result = fn()
            times[key].append(time.perf_counter() - started)
            if key == "engine":
                engine_ids = result
            elif key == "hand":
                hand_ids = result
    engine_s, hand_s = statistics.median(times["engine"]), statistics.median(times["hand"])
    each_s = statistics.median(times["each"])
    mismatches = sum(
        len(set(engine_ids[id(rule)].to_list()) ^ set(ids.to_list()))
        for rule, ids in zip(rules, hand_ids, strict=True)
    )
    qualifying = sum(len(ids) for ids in hand_ids)
    sample = df.sample(min(LOOP_SAMPLE, size), seed=1)
    rows = sample.to_dicts()
    expressions = [spec_expression(spec) for spec in specs]
    started = time.perf_counter()
    looped = [
        {row["enterprise_id"] for row in rows if evaluate(expression, row) is True}
        for expression in expressions
    ]
    loop_sample_s = time.perf_counter() - started
    loop_s = loop_sample_s * size / len(rows)
    loop_mismatches = sum(
        len(found ^ set(eligible_ids(rule, sample).to_list()))
        for found, rule in zip(looped, rules, strict=True)
    )
    quick = size < FULL_SIZE
    log(
        f"policies_eval: engine {engine_s * 1000:.0f} ms, hand {hand_s * 1000:.0f} ms, loop "
        f"{loop_s:.0f} s (extrapolated from {len(rows)} rows x {POLICIES}); "
        f"{len(distinct)} distinct rules (all {POLICIES} without sharing: "
        f"{each_s * 1000:.0f} ms); {qualifying:,} (policy, enterprise) pairs qualify; "
        f"mismatches {mismatches}, loop mismatches {loop_mismatches}"
    )
    return engine_rows(
        name="policies_eval",
        size=size,
        engine_s=engine_s,
        hand_s=hand_s,
        loop_s=loop_s,
        hand_note=(
            f"{POLICIES} policies ({len(distinct)} distinct rules), eligible_ids per "
            f"distinct rule vs {POLICIES} hand-written polars filters; ratio = engine "
            f"median / hand median, {ROUNDS} alternating rounds (goal <= "
            f"{ENGINE_RATIO_GOAL}); without sharing rules (eligible_ids for each of the "
            f"{POLICIES}) {each_s * 1000:.0f} ms, ratio {each_s / hand_s:.2f}; "
            f"{qualifying:,} qualifying pairs; id mismatches: {mismatches}"
        ),
        loop_note=(
            f"kejin.rules.expressions.evaluate per row and policy, timed on "
            f"{len(rows):,} sampled rows x {POLICIES} policies ({loop_sample_s:.2f}s) and "
            f"extrapolated to {size:,} rows; ratio = loop / engine (goal >= "
            f"{LOOP_RATIO_GOAL}); verdict mismatches on the sample: {loop_mismatches}"
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
    return child_run("bench.policies_eval", size)


def main(argv: list[str] | None = None) -> int:
    return child_main("bench.policies_eval", __doc__ or "", measure, full_size=FULL_SIZE, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
