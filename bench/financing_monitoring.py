"""The officers' monitoring page over 100,000 financing demands.

Method (docs/performance.md, "Financing monitoring"): a dedicated SQLite database
``var/bench/financing_monitoring_100000.sqlite3`` (``--quick``: 5,000 demands), migrated,
then filled in one transaction: the seven counties, 5,000 enterprises, 24 institutions and
``size`` demands submitted over the twelve months to November 2026, in every state in
realistic proportions (most routed to one to three institutions, ~85 % of those claimed,
decisions two thirds approved, a few percent flagged overdue), with the working days of each
finished step counted as the deadline scan counts them (an ordinal table over the Chinese
holiday calendar). Reused while its meta file matches.

Cases:

- ``financing_monitoring_page``: ``GET /financing/monitoring/`` as a city officer for the
  whole city and every month (the largest report: funnel, four step-time histograms, the
  overdue list, the scoreboard of every institution, four charts), through Django's full
  middleware and template stack (the test client, in process). Nothing is cached: every
  request computes the report from the database. The first request of the process is
  reported apart (``first_ms``); the case is the median of ``ROUNDS`` requests after it.
  Goal: ≤ 300 ms.
- ``financing_monitoring_page_county_month``: the same for one county and one month.
- Baseline ``monitoring_python_per_row``: the approach this replaced — every demand's
  timestamps fetched and each step's working days counted per row with
  ``WorkdayCalendar.between``, then ``statistics.median``/quantiles — timed on 10,000
  rows and extrapolated linearly (said in ``baseline_note``); its medians are checked
  against the page's on those rows.

Runs in a child process (``python -m bench.financing_monitoring --size N``), which sets
Django up for the benchmark database and prints the result rows as one JSON line.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.child import child_main, child_run
from bench.options import BenchOptions

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = BASE_DIR / "var" / "bench"
FULL_SIZE = 100_000
QUICK_SIZE = 5_000
ENTERPRISES = 5_000
INSTITUTIONS = 24
GENERATOR_VERSION = 1
SEED = 20261205
ROUNDS = 15
BASELINE_SAMPLE = 10_000
GOAL_SECONDS = 0.300
FIRST_MONTH = datetime.date(2025, 12, 1)
TODAY = datetime.date(2026, 11, 30)
USERNAME = "bench_monitoring_officer"


def database_path(size: int) -> Path:
    return BENCH_VAR_DIR / f"financing_monitoring_{size}.sqlite3"


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    _meta_path(path).unlink(missing_ok=True)


def _setup_django(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("KEJIN_DEV", "1")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def _aware(day: datetime.date, rng: random.Random) -> datetime.datetime:
    from django.utils import timezone

    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 18), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _fill(size: int, *, log) -> None:
    """Enterprises, institutions, demands and routes (see the module docstring)."""
    from django.db import transaction

    from bench.data import _enterprise_rows, _reference_rows, org_body
    from kejin.core.uscc import uscc_build
    from kejin.core.workdays import WorkdayCalendar
    from kejin.enterprises.models import Enterprise
    from kejin.financing.models import Demand, DemandRoute
    from kejin.financing.sla import workday_ordinals
    from kejin.institutions.models import Institution

    rng = random.Random(SEED)
    calendar = WorkdayCalendar()
    first = FIRST_MONTH - datetime.timedelta(days=5)
    ordinals = workday_ordinals(first, TODAY + datetime.timedelta(days=90), calendar)
    # A working day's ordinal is its own (each one counts): ordinal → that working day.
    workday_of = {ordinals[d]: d for d in sorted(ordinals, reverse=True) if calendar.is_workday(d)}

    def after(day: datetime.date, n: int) -> datetime.date:
        """The n-th working day after ``day`` (0: the same day)."""
        return day if n == 0 else workday_of[ordinals[day] + n]

    def count(a: datetime.datetime, b: datetime.datetime) -> int:
        from kejin.financing.sla import local_date

        return ordinals[local_date(b)] - ordinals[local_date(a)]

    with transaction.atomic():
        _city, counties, industries = _reference_rows()
        Enterprise.objects.bulk_create(
            list(_enterprise_rows(ENTERPRISES, counties, industries)), batch_size=5_000
        )
        enterprises = list(Enterprise.objects.values_list("pk", "county_id"))
        banks = ["工商银行", "农业银行", "中国银行", "建设银行", "交通银行", "嘉兴银行"]
        Institution.objects.bulk_create(
            Institution(
                uscc=uscc_build(region_code="330400", org_body="K" + org_body(900_000 + n)[1:]),
                name=f"{banks[n % len(banks)]}嘉兴科技支行{n // len(banks) + 1}",
                kind="tech_sub_branch",
                county=counties[n % len(counties)][0],
            )
            for n in range(INSTITUTIONS)
        )
        institutions = list(Institution.objects.values_list("pk", flat=True))
        reasons = ["credit", "financials", "collateral", "policy", "materials", "amount"]
        days = (TODAY - FIRST_MONTH).days
        demands, routes = [], []
        for n in range(size):
            enterprise_id, county_id = enterprises[rng.randrange(len(enterprises))]
            submitted_day = FIRST_MONTH + datetime.timedelta(days=rng.randrange(days))
            while submitted_day not in ordinals or not calendar.is_workday(submitted_day):
                submitted_day += datetime.timedelta(days=1)
            submitted = _aware(submitted_day, rng)
            demand = Demand(
                number=f"BM{n:010d}",
                enterprise_id=enterprise_id,
                county_id=county_id,
                amount=Decimal(rng.choice([50, 100, 200, 300, 500, 1000])) * 10_000,
                term_months=rng.choice([6, 12, 24, 36]),
                purpose="研发投入与设备购置",
                status="submitted",
                submitted_at=submitted,
            )
            age = ordinals[TODAY] - ordinals[submitted_day]
            roll = rng.random()
            chosen = []
            if roll < 0.03:
                demand.status = "withdrawn"
            elif roll >= 0.05:  # 2 % stay submitted
                demand.routed_at = submitted
                chosen = rng.sample(institutions, rng.choice([1, 2, 3]))
                demand.claim_due_on = after(submitted_day, 1)
                claim_days = min(rng.choice([0, 0, 1, 1, 1, 2, 3, 5]), age)
                if rng.random() < 0.85 and age >= claim_days:
                    claimed_day = after(submitted_day, claim_days)
                    demand.claimed_at = _aware(claimed_day, rng)
                    demand.institution_id = (
                        chosen[0] if rng.random() < 0.9 else rng.choice(institutions)
                    )
                    demand.claim_workdays = count(submitted, demand.claimed_at)
                    demand.claimed_via_route = demand.institution_id in chosen
                    demand.status = "claimed"
                    demand.contact_due_on = after(claimed_day, 2)
                    demand.decision_due_on = after(claimed_day, 10)
                    left = ordinals[TODAY] - ordinals[claimed_day]
                    contact = rng.choice([0, 1, 1, 2, 2, 3])
                    if contact <= left and rng.random() < 0.95:
                        demand.contacted_at = _aware(after(claimed_day, contact), rng)
                        demand.contact_workdays = count(demand.claimed_at, demand.contacted_at)
                        demand.review_started_at = demand.contacted_at
                        demand.status = "under_review"
                        decision = rng.choice([3, 4, 5, 6, 7, 8, 9, 10, 12, 15])
                        if decision <= left and rng.random() < 0.9:
                            demand.decided_at = _aware(after(claimed_day, decision), rng)
                            demand.decision_workdays = count(demand.claimed_at, demand.decided_at)
                            if rng.random() < 0.67:
                                demand.status = "approved"
                                demand.approved_amount = demand.amount
                                disburse = rng.choice([1, 2, 3, 5])
                                if decision + disburse <= left:
                                    demand.disbursed_at = _aware(
                                        after(claimed_day, decision + disburse), rng
                                    )
                                    demand.disburse_workdays = count(
                                        demand.decided_at, demand.disbursed_at
                                    )
                                    demand.status = "disbursed"
                            else:
                                demand.status = "rejected"
                                demand.rejection_reason = rng.choice(reasons)
                                demand.rejection_text = "经审查暂不符合条件"
                        elif demand.decision_due_on < TODAY:
                            demand.overdue_step = "decision"
                            demand.escalated_at = _aware(demand.decision_due_on, rng)
                    elif demand.contact_due_on < TODAY:
                        demand.overdue_step = "contact"
                        demand.escalated_at = _aware(demand.contact_due_on, rng)
                else:
                    demand.status = "routed"
                    if demand.claim_due_on < TODAY:
                        demand.open_pool = True
                        demand.overdue_step = "claim"
                        demand.escalated_at = _aware(demand.claim_due_on, rng)
            demands.append((demand, chosen))
        Demand.objects.bulk_create([d for d, _c in demands], batch_size=2_000)
        ids = dict(Demand.objects.values_list("number", "pk"))
        for demand, chosen in demands:
            for rank, institution_id in enumerate(chosen, start=1):
                routes.append(
                    DemandRoute(
                        demand_id=ids[demand.number],
                        institution_id=institution_id,
                        rank=rank,
                        score=Decimal("75.00"),
                        routed_at=demand.routed_at,
                    )
                )
        DemandRoute.objects.bulk_create(routes, batch_size=5_000)
    log(f"bench: {size:,} demands, {len(routes):,} routes")


def _officer():
    from kejin.accounts.models import User
    from kejin.core.models import Department, Region

    city = Region.objects.get(code="330400")
    department, _ = Department.objects.get_or_create(
        code="bench-city-kjj",
        defaults={"name": "嘉兴市科学技术局（基准测试）", "kind": "government", "region": city},
    )
    user, _ = User.objects.get_or_create(
        username=USERNAME,
        defaults={"role": "city_officer", "department": department, "full_name": "基准测试"},
    )
    return user


def ensure_database(size: int, *, log) -> dict:
    path = database_path(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"size": size, "generator_version": GENERATOR_VERSION}
    reusable = (
        path.exists()
        and _meta_path(path).exists()
        and json.loads(_meta_path(path).read_text()) == meta
    )
    if not reusable:
        _remove(path)
    _setup_django(path)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    built = False
    if not reusable:
        log(f"bench: generating {size:,} demands into {path.relative_to(BASE_DIR)} …")
        _fill(size, log=log)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _meta_path(path).write_text(json.dumps(meta))
        built = True
    else:
        # Columns and indexes added by migrations since the build: filled as the deadline
        # scan fills them, and the planner given their statistics.
        from kejin.financing.sla import _claimed_via_route_fill

        _claimed_via_route_fill()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"database": path, "built": built, "build_seconds": time.perf_counter() - started}


def _page_timings(client, url: str) -> tuple[float, list[float]]:
    started = time.perf_counter()
    response = client.get(url, HTTP_HOST="127.0.0.1")
    first = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    timings = []
    for _round in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return first, timings


def _python_per_row(rows) -> dict:
    """The replaced approach: per demand, per step, ``WorkdayCalendar.between``."""
    from kejin.core.workdays import WorkdayCalendar

    calendar = WorkdayCalendar()
    spans = {
        "claim": ("routed_at", "claimed_at"),
        "contact": ("claimed_at", "contacted_at"),
        "decision": ("claimed_at", "decided_at"),
        "disburse": ("decided_at", "disbursed_at"),
    }
    values: dict[str, list[int]] = {key: [] for key in spans}
    for row in rows:
        for key, (start, end) in spans.items():
            if row[start] and row[end]:
                values[key].append(int(calendar.between(row[start], row[end]).value))
    return {key: statistics.median(v) if v else None for key, v in values.items()}


def measure(size: int, *, log) -> list[dict]:
    data = ensure_database(size, log=log)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kejin.core.models import Region
    from kejin.financing.models import Demand
    from kejin.financing.monitoring import monitoring_step_times

    client = Client()
    client.force_login(_officer())
    url = reverse("financing:monitoring")
    log("bench: monitoring page, whole city …")
    first, timings = _page_timings(client, url)
    county = Region.objects.filter(level="county").order_by("code").first()
    county_url = f"{url}?county={county.pk}&month=2026-10"
    log("bench: monitoring page, one county and month …")
    county_first, county_timings = _page_timings(client, county_url)

    log(f"bench: baseline, per-row working days on {BASELINE_SAMPLE:,} demands …")
    sample_ids = list(Demand.objects.order_by("pk").values_list("pk", flat=True)[:BASELINE_SAMPLE])
    fields = ["routed_at", "claimed_at", "contacted_at", "decided_at", "disbursed_at"]
    started = time.perf_counter()
    rows = list(Demand.objects.filter(pk__in=sample_ids).values(*fields))
    baseline_medians = _python_per_row(rows)
    baseline_sample_seconds = time.perf_counter() - started
    baseline_seconds = baseline_sample_seconds * size / len(sample_ids)
    page_medians = {
        row.key: row.median
        for row in monitoring_step_times(Demand.objects.filter(pk__in=sample_ids))
    }
    mismatch = {
        key: (page_medians[key], value)
        for key, value in baseline_medians.items()
        if value != page_medians[key]
    }
    if mismatch:
        raise AssertionError(f"medians differ from the per-row count: {mismatch}")

    context = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "software": f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "database": str(Path(data["database"]).relative_to(BASE_DIR)),
        "data": f"built in {data['build_seconds']:.0f} s" if data["built"] else "reused",
        "quick": size < FULL_SIZE,
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    connection.close()
    median = statistics.median(timings)
    county_median = statistics.median(county_timings)
    return [
        {
            "name": "financing_monitoring_page",
            "size": size,
            "seconds": round(median, 4),
            "first_ms": round(first * 1000, 1),
            "p50_ms": round(median * 1000, 1),
            "max_ms": round(max(timings) * 1000, 1),
            "baseline": "monitoring_python_per_row",
            "baseline_seconds": round(baseline_seconds, 3),
            "baseline_note": (
                f"per-row WorkdayCalendar.between on {len(sample_ids):,} demands "
                f"({baseline_sample_seconds:.2f} s), extrapolated linearly to {size:,}; "
                "medians checked equal to the page's"
            ),
            "ratio": round(baseline_seconds / median, 1),
            "goal": "page ≤ 300 ms, uncached",
            "passed": None if size < FULL_SIZE else median <= GOAL_SECONDS,
            **context,
        },
        {
            "name": "financing_monitoring_page_county_month",
            "size": size,
            "seconds": round(county_median, 4),
            "first_ms": round(county_first * 1000, 1),
            "p50_ms": round(county_median * 1000, 1),
            "max_ms": round(max(county_timings) * 1000, 1),
            "baseline": None,
            "baseline_seconds": None,
            "ratio": None,
            "goal": "page ≤ 300 ms, uncached",
            "passed": None if size < FULL_SIZE else county_median <= GOAL_SECONDS,
            **context,
        },
    ]


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure in a child process (it sets Django up for the benchmark database)."""
    size = QUICK_SIZE if options.quick else FULL_SIZE
    return child_run("bench.financing_monitoring", size)


def main(argv: list[str] | None = None) -> int:
    return child_main(
        "bench.financing_monitoring",
        __doc__ or "",
        measure,
        full_size=FULL_SIZE,
        argv=argv,
        counted="demands",
    )


if __name__ == "__main__":
    sys.exit(main())
