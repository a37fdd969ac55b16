"""Registry recognition over 100,000 enterprises × 3 years, and building the facts frame.

Method (docs/performance.md, "Registry recognition"): a dedicated SQLite database
``var/bench/registry_100k.sqlite3`` (``--quick``: 5,000 enterprises in
``registry_5k.sqlite3``), migrated, then filled by raw ``executemany`` in one transaction:
enterprises distributed like the demo's (counties, industries, founding years — up to 2021,
so each has all three years: 300,000 rows of facts —, sizes) and, for each, the demo's own
generator (``kejin.enterprises.demo_facts``) gives its facts for
2022–2024 and its certificates — the same distributions ``manage.py demo_data`` shows. It is
reused while its meta file matches the size, the generator version and the row counts.

Cases, each against baselines measured in the same run, in alternating rounds:

- ``recognition_rules_engine``: ``recognition_evaluate_frame`` (the YAML rule sets compiled
  to polars) over the three facts frames (one per year), built beforehand and held in memory.
  Baseline ``recognition_hand_polars``: the same rules (RULES.md) written by hand as one
  polars ``select`` per frame; its statuses and scores must equal the engine's on every row
  (checked; a mismatch fails the case). Goal: engine ≤ 2 × hand.
  Baseline ``recognition_python_loop``: ``ruleset.explain(row)`` for every rule set in force
  over ``frame.to_dicts()`` — the per-enterprise loop — timed on a random sample of rows of
  the three frames and extrapolated linearly to all rows (said in ``baseline_note``); its
  statuses are checked against the engine's too. Goal: loop ≥ 30 × engine.
- ``facts_frame_build``: ``build_facts_frame(year=2024)`` from the database. Baseline
  ``raw_sqlite3_fetch``: the very statements the build executes (captured from one build),
  replayed through a plain stdlib ``sqlite3`` connection with ``fetchall()`` and no frame.
  Goal: build ≤ 1.5 × fetch.

Runs in a child process (``python -m bench.recognition --size N``), which sets Django up for
the benchmark database and prints the result rows as one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu import cpu_busy_fraction
from bench.data import org_body
from bench.options import BenchOptions

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = BASE_DIR / "var" / "bench"
FULL_SIZE = 100_000
QUICK_SIZE = 5_000
YEARS = (2022, 2023, 2024)
FRAME_YEAR = 2024
# Bump when the generated rows change (here or in kejin/enterprises/demo_facts.py's
# distributions), so that stale databases are rebuilt.
GENERATOR_VERSION = 2
SEED = 20170503  # the tech SME evaluation rules' date
# Certificates "expiring within 90 days of today" are dated from this day, not the real
# today, so that the data (and the results) do not move with the calendar.
TODAY = datetime.date(2026, 11, 30)
CHUNK = 10_000
LOOP_SAMPLE = 5_000
ROUNDS = 7
ENGINE_RATIO_GOAL = 2.0
LOOP_RATIO_GOAL = 30.0
FRAME_RATIO_GOAL = 1.5
QUIET = 0.25  # CPU share used by others above which a measurement is flagged as noisy

# Enterprise size by age (years), as kejin.enterprises.demo draws it.
_SIZE_BY_AGE = (
    (3, (("micro", 75), ("small", 25))),
    (8, (("micro", 40), ("small", 50), ("medium", 10))),
    (15, (("micro", 15), ("small", 55), ("medium", 25), ("large", 5))),
    (99, (("micro", 5), ("small", 45), ("medium", 38), ("large", 12))),
)
_CAPITAL_WAN = {
    "micro": (10, 50, 100, 200),
    "small": (100, 200, 300, 500, 1000),
    "medium": (1000, 2000, 3000, 5000),
    "large": (5000, 10000, 20000, 50000),
}


def database_path(size: int) -> Path:
    label = f"{size // 1000}k" if size % 1000 == 0 else str(size)
    return BENCH_VAR_DIR / f"registry_{label}.sqlite3"


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    _meta_path(path).unlink(missing_ok=True)


def _setup_django(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("KEJIN_DEV", "1")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


# --- data --------------------------------------------------------------------------------


def _enterprises(size: int, counties: dict[str, int], industries: dict[str, int]):
    """Yield ``(row, subject)``: the enterprise's column values and what the facts
    generator needs, reproducibly."""
    from kejin.core.demo import COUNTIES
    from kejin.core.uscc import uscc_build
    from kejin.enterprises.demo import DIVISIONS
    from kejin.enterprises.demo_facts import DemoSubject

    rng = random.Random(SEED)
    county_cum = list(itertools.accumulate(c.weight for c in COUNTIES))
    division_cum = {
        county.code: list(
            itertools.accumulate(d.weight * county.specialities.get(d.code, 1.0) for d in DIVISIONS)
        )
        for county in COUNTIES
    }
    # Founded by 2021, so that every enterprise has all three years of facts (3 rows each).
    founding_years = list(range(1995, YEARS[0]))
    year_cum = list(itertools.accumulate(1.09 ** (y - 1995) for y in founding_years))
    stamp = "2026-01-01 00:00:00"
    for n in range(size):
        county = rng.choices(COUNTIES, cum_weights=county_cum)[0]
        division = rng.choices(DIVISIONS, cum_weights=division_cum[county.code])[0]
        year = rng.choices(founding_years, cum_weights=year_cum)[0]
        founded_on = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        sizes = next(pairs for below, pairs in _SIZE_BY_AGE if 2026 - year < below)
        size_class = rng.choices([s for s, _ in sizes], weights=[w for _, w in sizes])[0]
        capital = rng.choice(_CAPITAL_WAN[size_class]) * 10_000
        uscc = uscc_build(region_code=county.code, org_body=org_body(n))
        name = f"{rng.choice(county.places)}{n:06d}{rng.choice(division.words)}有限公司"
        row = (
            stamp,
            stamp,
            uscc,
            name,
            founded_on.isoformat(),
            size_class,
            capital,
            "",
            "",
            "",
            division.scope,
            counties[county.code],
            industries[division.code],
            None,
        )
        yield (
            row,
            DemoSubject(
                key=uscc,
                founded_on=founded_on,
                size=size_class,
                division=division.code,
                registered_capital=float(capital),
            ),
        )


def _load(path: Path, size: int, *, log) -> dict:
    """Insert enterprises, their facts and certificates in one raw transaction; row counts."""
    from kejin.core.demo import demo_regions
    from kejin.enterprises.demo import demo_industries
    from kejin.enterprises.demo_facts import FACT_NAMES, demo_enterprise_facts, demo_provenance

    counties = {code: region.pk for code, region in demo_regions().items()}
    industries = {code: industry.pk for code, industry in demo_industries().items()}
    from django.db import connection

    connection.close()
    stamp = "2026-01-01 00:00:00"
    raw = sqlite3.connect(path, isolation_level=None)
    counts = {"enterprises": 0, "annual_facts": 0, "certificates": 0}
    try:
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("BEGIN")
        generated = _enterprises(size, counties, industries)
        while True:
            chunk = list(itertools.islice(generated, CHUNK))
            if not chunk:
                break
            first_id = counts["enterprises"] + 1  # a fresh table numbers rows 1, 2, …
            raw.executemany(
                "INSERT INTO enterprises_enterprise (created_at, updated_at, uscc, name,"
                " founded_on, size, registered_capital, legal_representative, address,"
                " contact_phone, business_scope, county_id, industry_id, zone_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [row for row, _ in chunk],
            )
            facts_rows, certificate_rows = [], []
            for offset, (_, subject) in enumerate(chunk):
                enterprise_id = first_id + offset
                demo = demo_enterprise_facts(subject, rng_seed=SEED, years=YEARS, today=TODAY)
                for year, values in demo.years.items():
                    facts_rows.append(
                        (
                            stamp,
                            stamp,
                            year,
                            *(values[name] for name in FACT_NAMES),
                            json.dumps(demo_provenance(values, year=year)),
                            enterprise_id,
                        )
                    )
                for c in demo.certificates:
                    certificate_rows.append(
                        (
                            stamp,
                            stamp,
                            str(c["kind"]),
                            c["number"],
                            c["issuer"],
                            c["valid_from"].isoformat(),
                            c["valid_to"].isoformat() if c["valid_to"] else None,
                            enterprise_id,
                        )
                    )
            columns = ", ".join(FACT_NAMES)
            raw.executemany(
                f"INSERT INTO enterprises_annualfacts (created_at, updated_at, year, {columns},"
                f" provenance, enterprise_id) VALUES ({', '.join('?' * (len(FACT_NAMES) + 5))})",
                facts_rows,
            )
            raw.executemany(
                "INSERT INTO enterprises_certificate (created_at, updated_at, kind, number,"
                " issuer, valid_from, valid_to, enterprise_id) VALUES (?,?,?,?,?,?,?,?)",
                certificate_rows,
            )
            counts["enterprises"] += len(chunk)
            counts["annual_facts"] += len(facts_rows)
            counts["certificates"] += len(certificate_rows)
            log(f"bench: {counts['enterprises']:,} enterprises …")
        raw.execute("COMMIT")
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return counts


def _table_counts() -> dict:
    from kejin.enterprises.models import AnnualFacts, Certificate, Enterprise

    return {
        "enterprises": Enterprise.objects.count(),
        "annual_facts": AnnualFacts.objects.count(),
        "certificates": Certificate.objects.count(),
    }


def ensure_database(size: int, *, log) -> dict:
    """Build or reuse the database of ``size`` enterprises and set Django up for it."""
    path = database_path(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta_file = _meta_path(path)
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    reusable = (
        path.exists()
        and meta.get("size") == size
        and meta.get("generator_version") == GENERATOR_VERSION
    )
    if not reusable:
        _remove_database(path)
    _setup_django(path)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if reusable and _table_counts() != meta.get("counts"):
        log(f"bench: rebuilding {path.name}: its rows are not the ones recorded (incomplete?)")
        connection.close()
        _remove_database(path)
        call_command("migrate", interactive=False, verbosity=0)
        reusable = False
    if not reusable:
        log(f"bench: generating {size:,} enterprises × {len(YEARS)} years into {path.name} …")
        counts = _load(path, size, log=log)
        meta = {"size": size, "generator_version": GENERATOR_VERSION, "counts": counts}
        meta_file.write_text(json.dumps(meta))
    seconds = time.perf_counter() - started
    if not reusable:
        log(f"bench: generated in {seconds:.0f} s: {meta['counts']}")
    return {"database": path, "built": not reusable, "build_seconds": round(seconds, 1), **meta}


# --- the hand-written baseline -----------------------------------------------------------


def hand_recognition(facts):
    """Tech SME status and score and high-tech status, written straight from RULES.md.

    Independent of the YAML rule sets and the engine; only the conventions they share are
    the same: a missing fact makes what depends on it unknown (three-valued logic) unless no
    value of it could change the result, a ratio with a zero or missing denominator is
    unknown, ratios are compared exactly (in integer cents, cross-multiplied), a company
    without employees has 0 % tech staff, and the exclusions count as absent when nothing is
    on record.
    """
    import polars as pl

    c = pl.col

    def cents(value):
        return (value.cast(pl.Float64) * 100).round(0).cast(pl.Int128)

    def at_least(numerator, denominator, percent):  # numerator / denominator ≥ percent %
        return pl.when(denominator != 0).then(
            cents(numerator) * 100 >= cents(denominator) * percent
        )

    def banded(numerator, denominator, bands):  # [(lower bound %, points), …] highest first
        expr = pl.when(numerator.is_null() | denominator.is_null()).then(None)
        for lower, points in bands:
            expr = expr.when(at_least(numerator, denominator, lower)).then(points)
        return expr.otherwise(0)

    def banded_unless_no_base(numerator, base, bands):  # no sales (or costs): 0 points
        return (
            pl.when(base > 0).then(banded(numerator, base, bands)).when(base.is_not_null()).then(0)
        )

    tech = (
        pl.when(c("employees") == 0)
        .then(0)
        .otherwise(
            banded(
                c("tech_staff"), c("employees"), [(30, 20), (25, 16), (20, 12), (15, 8), (10, 4)]
            )
        )
    )
    by_revenue = banded_unless_no_base(
        c("rd_expense"), c("revenue"), [(6, 50), (5, 40), (4, 30), (3, 20), (2, 10)]
    )
    by_cost = banded_unless_no_base(
        c("rd_expense"), c("total_cost"), [(30, 50), (25, 40), (20, 30), (15, 20), (10, 10)]
    )
    rd = (
        pl.when(by_revenue.is_null() | by_cost.is_null())
        .then(None)
        .otherwise(pl.max_horizontal(by_revenue, by_cost))
    )
    ip = (
        pl.when(c("ip_class1").is_null())
        .then(None)
        .when(c("ip_class1") >= 1)
        .then(30)
        .when(c("ip_class2").is_null())
        .then(None)
        .when(c("ip_class2") >= 4)
        .then(24)
        .when(c("ip_class2") >= 3)
        .then(18)
        .when(c("ip_class2") >= 2)
        .then(12)
        .when(c("ip_class2") >= 1)
        .then(6)
        .otherwise(0)
    )

    def absent(flag):
        return ~c(flag).fill_null(False)

    eligible = (
        c("resident_enterprise")
        & (c("employees") <= 500)
        & (c("revenue") <= 200_000_000)
        & (c("total_assets") <= 200_000_000)
        & absent("prohibited_industry")
        & absent("major_accident")
        & absent("serious_env_violation")
        & absent("research_misconduct")
        & absent("abnormal_operations_list")
        & absent("serious_dishonesty_list")
    )
    direct = (
        c("high_tech_certificate_valid").fill_null(False)
        | c("national_st_award_5y").fill_null(False)
        | c("provincial_rd_institution").fill_null(False)
        | c("led_standard_5y").fill_null(False)
    )

    revenue = c("revenue")
    rd_5, rd_4, rd_3 = (at_least(c("rd_expense_3y"), c("revenue_3y"), p) for p in (5, 4, 3))
    rd_intensity = (
        pl.when(revenue.is_null())
        # Unknown band: known only if the ratio meets the strictest or fails the mildest.
        .then(pl.when(rd_5).then(True).when(~rd_3).then(False))
        .when(revenue <= 50_000_000)
        .then(rd_5)
        .when(revenue <= 200_000_000)
        .then(rd_4)
        .otherwise(rd_3)
    )
    tech_share_10 = (
        pl.when(c("employees") == 0)
        .then(False)
        .otherwise(at_least(c("tech_staff"), c("employees"), 10))
    )
    high_tech_met = (
        (c("years_registered") >= 1)
        & c("core_ip_owned")
        & c("key_field")
        & tech_share_10
        & rd_intensity
        & at_least(c("rd_expense_domestic_3y"), c("rd_expense_3y"), 60)
        & at_least(c("high_tech_income"), c("total_income"), 60)
        & (c("innovation_score") >= 71)
        & absent("major_accident")
        & absent("serious_env_violation")
    )

    # Three steps, as one would write it: the points and tests, the score, the outcomes.
    # An unknown score passes if it passes with the unknown parts at 0, and fails if it
    # fails with them at their maximum (20, 50, 30).
    low = c("_tech").fill_null(0) + c("_rd").fill_null(0) + c("_ip").fill_null(0)
    high = c("_tech").fill_null(20) + c("_rd").fill_null(50) + c("_ip").fill_null(30)
    passed = (pl.when(low >= 60).then(True).when(high < 60).then(False).otherwise(None)) & (
        c("_tech") > 0
    )
    eligible_, direct_, met = c("_eligible"), c("_direct"), c("_high_tech")
    return (
        facts.lazy()
        .select(
            "enterprise_id",
            tech.alias("_tech"),
            rd.alias("_rd"),
            ip.alias("_ip"),
            eligible.alias("_eligible"),
            direct.alias("_direct"),
            high_tech_met.alias("_high_tech"),
        )
        .with_columns((c("_tech") + c("_rd") + c("_ip")).alias("_score"))
        .select(
            "enterprise_id",
            pl.when(eligible_ & direct_)
            .then(pl.lit("qualified_direct"))
            .when(eligible_ & passed)
            .then(pl.lit("qualified"))
            .when(~eligible_ | (~direct_ & ~passed))
            .then(pl.lit("not_qualified"))
            .otherwise(pl.lit("undetermined"))
            .alias("tech_sme.status"),
            c("_score").alias("tech_sme.score"),
            pl.when(met)
            .then(pl.lit("qualified"))
            .when(~met)
            .then(pl.lit("not_qualified"))
            .otherwise(pl.lit("undetermined"))
            .alias("high_tech.status"),
        )
        .collect()
    )


# --- measuring ---------------------------------------------------------------------------


def _timed(function, *args):
    gc.collect()
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def _alternating(first, second, rounds: int) -> tuple[list[float], list[float]]:
    """Time both ``rounds`` times, alternating which goes first (A B, B A, A B, …)."""
    a_times, b_times = [], []
    for index in range(rounds):
        order = ((first, a_times), (second, b_times))
        for function, times in order if index % 2 == 0 else reversed(order):
            times.append(_timed(function)[0])
    return a_times, b_times


def _same_results(engine, hand) -> list[str]:
    """Where the hand-written statuses or scores differ from the engine's (empty: none)."""
    import polars as pl

    columns = ["tech_sme.status", "tech_sme.score", "high_tech.status"]
    left = engine.select("enterprise_id", *columns).sort("enterprise_id")
    right = hand.select("enterprise_id", *columns).sort("enterprise_id")
    problems = []
    if left["enterprise_id"].to_list() != right["enterprise_id"].to_list():
        return ["different enterprises"]
    for column in columns:
        a, b = left[column], right[column]
        if column.endswith("score"):
            a, b = a.cast(pl.Int64), b.cast(pl.Int64)
        differ = (~a.eq_missing(b)).sum()
        if differ:
            problems.append(f"{column}: {differ} rows")
    return problems


def _wait_for_quiet(seconds: int, *, log) -> float:
    busy = cpu_busy_fraction()
    waited = 0
    while busy > QUIET and waited < seconds:
        if waited == 0:
            log(f"bench: {busy:.0%} of the CPUs busy with other work; waiting for quiet …")
        time.sleep(4)
        waited += 5
        busy = cpu_busy_fraction()
    if busy > QUIET:
        log(f"bench: warning: {busy:.0%} of the CPUs are busy with other work; timings are noisy")
    return busy


def _capture_frame_queries(year: int) -> list[tuple[str, list]]:
    """The statements (and parameters) one ``build_facts_frame(year=…)`` executes."""
    from django.db import connection

    from kejin.enterprises.facts import build_facts_frame

    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        build_facts_frame(year=year)
    return statements


def measure_recognition(frames: dict, *, log) -> list[dict]:
    from kejin.enterprises.recognition import recognition_evaluate_frame, rulesets_on

    days = {year: datetime.date(year, 12, 31) for year in frames}
    rows = sum(frame.height for frame in frames.values())
    size = frames[max(frames)].height

    def engine():
        return {y: recognition_evaluate_frame(f, on=days[y]) for y, f in frames.items()}

    def hand():
        return {y: hand_recognition(f) for y, f in frames.items()}

    log(f"bench: checking the hand-written rules against the engine on {rows:,} rows …")
    engine_results, hand_results = engine(), hand()
    mismatches = [
        f"{year} {problem}"
        for year in frames
        for problem in _same_results(engine_results[year], hand_results[year])
    ]
    log(f"bench: {ROUNDS} alternating rounds of engine and hand-written polars …")
    engine_times, hand_times = _alternating(engine, hand, ROUNDS)
    engine_seconds, hand_seconds = statistics.median(engine_times), statistics.median(hand_times)

    # The per-enterprise loop on a sample of rows from the three years, extrapolated.
    sample_rng = random.Random(SEED)
    per_year = max(1, LOOP_SAMPLE // len(frames))
    samples = {
        year: frame[sorted(sample_rng.sample(range(frame.height), min(per_year, frame.height)))]
        for year, frame in frames.items()
    }
    sampled = sum(s.height for s in samples.values())

    def loop():
        statuses = {}
        for year, sample in samples.items():
            rulesets = rulesets_on(days[year])
            for row in sample.to_dicts():
                statuses[(year, row["enterprise_id"])] = {
                    ruleset.id: ruleset.explain(row).status for ruleset in rulesets
                }
        return statuses

    log(f"bench: the per-enterprise Python loop on {sampled:,} sampled rows …")
    loop_times = []
    for _ in range(3):
        seconds, statuses = _timed(loop)
        loop_times.append(seconds)
    loop_sample_seconds = statistics.median(loop_times)
    loop_seconds = loop_sample_seconds * rows / sampled
    loop_mismatches = 0
    for year, sample in samples.items():
        expected = engine_results[year].join(
            sample.select("enterprise_id"), on="enterprise_id", how="semi"
        )
        for enterprise_id, tech_sme, high_tech in expected.select(
            "enterprise_id", "tech_sme.status", "high_tech.status"
        ).iter_rows():
            if statuses[(year, enterprise_id)] != {"tech_sme": tech_sme, "high_tech": high_tech}:
                loop_mismatches += 1
    status_counts = {
        year: dict(result.group_by("tech_sme.status").len().iter_rows())
        for year, result in engine_results.items()
    }
    common = {
        "size": size,
        "years": list(frames),
        "rows": rows,
        "seconds": round(engine_seconds, 6),
        "rounds": ROUNDS,
        "engine_seconds_all_rounds": [round(t, 4) for t in engine_times],
        "tech_sme_statuses_by_year": status_counts,
        "work": (
            "recognition_evaluate_frame over the 2022, 2023 and 2024 facts frames (built "
            "beforehand, in memory): tech SME status and score, high-tech status"
        ),
    }
    engine_ratio = engine_seconds / hand_seconds
    loop_ratio = loop_seconds / engine_seconds
    quick = size < FULL_SIZE
    return [
        {
            "name": "recognition_rules_engine",
            **common,
            "baseline": "recognition_hand_polars",
            "baseline_seconds": round(hand_seconds, 6),
            "baseline_seconds_all_rounds": [round(t, 4) for t in hand_times],
            "ratio": round(engine_ratio, 2),
            "ratio_definition": (
                "median seconds of the rules engine divided by those of the hand-written "
                "polars expression of the same rules, same frames, same run (lower is "
                f"better; goal <= {ENGINE_RATIO_GOAL})"
            ),
            "mismatches": mismatches,
            "goal": {"ratio_max": ENGINE_RATIO_GOAL, "same_statuses_as_hand": True},
            "passed": None if quick else engine_ratio <= ENGINE_RATIO_GOAL and not mismatches,
        },
        {
            "name": "recognition_rules_engine",
            **common,
            "baseline": "recognition_python_loop",
            "baseline_seconds": round(loop_seconds, 3),
            "baseline_note": (
                f"extrapolated from {sampled:,} rows ({loop_sample_seconds:.2f} s, median of 3) "
                f"to {rows:,}: ruleset.explain(row) per rule set over frame.to_dicts()"
            ),
            "ratio": round(loop_ratio, 1),
            "ratio_definition": (
                "extrapolated seconds of the per-enterprise Python loop divided by the "
                "engine's median seconds, same run (higher is better; goal >= "
                f"{LOOP_RATIO_GOAL})"
            ),
            "mismatches": [f"{loop_mismatches} sampled rows"] if loop_mismatches else [],
            "goal": {"ratio_min": LOOP_RATIO_GOAL},
            "passed": None if quick else loop_ratio >= LOOP_RATIO_GOAL and not loop_mismatches,
        },
    ]


def measure_frame_build(database: Path, size: int, *, log) -> dict:
    from kejin.enterprises.facts import build_facts_frame

    statements = _capture_frame_queries(FRAME_YEAR)
    raw = sqlite3.connect(database)
    replay = [(sql.replace("%s", "?"), params) for sql, params in statements]

    def fetch():
        return [raw.execute(sql, params).fetchall() for sql, params in replay]

    def build():
        return build_facts_frame(year=FRAME_YEAR)

    frame = build()
    fetched = fetch()
    log(f"bench: {ROUNDS} alternating rounds of build_facts_frame and the raw fetch …")
    build_times, fetch_times = _alternating(build, fetch, ROUNDS)
    raw.close()
    build_seconds, fetch_seconds = statistics.median(build_times), statistics.median(fetch_times)
    ratio = build_seconds / fetch_seconds
    return {
        "name": "facts_frame_build",
        "size": size,
        "seconds": round(build_seconds, 6),
        "seconds_all_rounds": [round(t, 4) for t in build_times],
        "baseline": "raw_sqlite3_fetch",
        "baseline_seconds": round(fetch_seconds, 6),
        "baseline_seconds_all_rounds": [round(t, 4) for t in fetch_times],
        "ratio": round(ratio, 2),
        "ratio_definition": (
            "median seconds of build_facts_frame(year=2024) divided by those of a raw stdlib "
            "sqlite3 fetchall() of the same statements, same run (lower is better; goal <= "
            f"{FRAME_RATIO_GOAL})"
        ),
        "statements": len(statements),
        "rows_fetched": sum(len(rows) for rows in fetched),
        "frame_shape": list(frame.shape),
        "work": "enterprises, their 2022–2024 annual facts and certificates, in chunks of 50,000",
        "goal": {"ratio_max": FRAME_RATIO_GOAL},
        "passed": None if size < FULL_SIZE else ratio <= FRAME_RATIO_GOAL,
    }


def measure(size: int, *, wait_quiet: int = 0, log) -> list[dict]:
    data = ensure_database(size, log=log)
    from django.db import connection

    from kejin.enterprises.facts import build_facts_frame

    log("bench: building the facts frames (2022, 2023, 2024) …")
    started = time.perf_counter()
    frames = {year: build_facts_frame(year=year) for year in YEARS}
    frames_seconds = time.perf_counter() - started
    busy = _wait_for_quiet(wait_quiet, log=log)
    rows = measure_recognition(frames, log=log)
    rows.append(measure_frame_build(data["database"], size, log=log))
    import polars as pl

    context = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "software": (
            f"Python {platform.python_version()}, polars {pl.__version__}, "
            f"SQLite {sqlite3.sqlite_version}"
        ),
        "database": f"{data['database'].relative_to(BASE_DIR)} ({data['counts']})",
        "data": "built in {:.0f} s".format(data["build_seconds"]) if data["built"] else "reused",
        "frames_built_seconds": round(frames_seconds, 2),
        "quick": size < FULL_SIZE,
        "cpu_busy_before_percent": round(busy * 100, 1),
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    connection.close()
    return [{**row, **context} for row in rows]


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up for the benchmark database)."""
    size = QUICK_SIZE if options.quick else FULL_SIZE
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "bench.recognition"),
            *("--size", str(size), "--wait-quiet", str(options.wait_quiet)),
        ],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recognition", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", type=int, default=FULL_SIZE, help="number of enterprises")
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="wait up to this long for other processes to leave the CPUs idle",
    )
    args = parser.parse_args(argv)
    # Progress on stderr; stdout carries exactly one JSON line for the caller.
    rows = measure(
        args.size,
        wait_quiet=args.wait_quiet,
        log=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    print(json.dumps(rows, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
