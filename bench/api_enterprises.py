"""The enterprise API under load, against plain Django views of the same query in the same run.

Method (docs/performance.md): N enterprises in a dedicated SQLite database; gunicorn with 2
sync workers serves ``bench.settings`` (the platform plus ``/bench/plain/…``); wrk, a second
process on loopback, sends token-authenticated GETs to random list pages (first 100 pages,
20 rows each) or random enterprise ids. Per case, both sides warm up, then are loaded in
alternating rounds (baseline, API; API, baseline; …) so that other work on the machine hits
both alike. Both sides must answer the same JSON (checked before loading).

Goals: API requests/s ≥ 0.5 × the plain view's, and the API's p99 latency ≤ 3 × its p50.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import OtherCpuMeter, cpu_busy_fraction
from bench.options import BenchOptions
from bench.server import GunicornServer, http_get_json
from bench.wrk import WrkResult, wrk_path, wrk_run

BASE_DIR = Path(__file__).resolve().parent.parent
API_ROOT = "/api/v1/enterprises/"
PLAIN_ROOT = "/bench/plain/enterprises/"
PAGE_SIZE = 20
LIST_PAGES = 100
RATIO_GOAL = 0.5
TAIL_GOAL = 3.0
# CPU share used by others above which a measurement is flagged as taken on a busy machine.
QUIET = 0.25
MAX_ATTEMPTS = 5
RATIO_DEFINITION = (
    "requests/s of the measured case divided by requests/s of its baseline, measured in the "
    "same run (higher is better; goal >= 0.5). seconds and baseline_seconds are mean latencies."
)


@dataclass(frozen=True)
class Case:
    """An API case, its plain baseline, and the request paths both draw from at random."""

    name: str
    baseline: str
    api_paths: list[str]
    plain_paths: list[str]


def _prepare_data(size: int) -> dict:
    """Build or reuse the database (in a separate process: it sets Django up for that file)."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.data", "--size", str(size)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _cases(size: int, ids: list[int]) -> list[Case]:
    pages = range(1, max(1, min(LIST_PAGES, size // PAGE_SIZE)) + 1)
    return [
        Case(
            name="api_enterprise_list",
            baseline="plain_enterprise_list",
            api_paths=[f"{API_ROOT}?page={n}" for n in pages],
            plain_paths=[f"{PLAIN_ROOT}?page={n}" for n in pages],
        ),
        Case(
            name="api_enterprise_detail",
            baseline="plain_enterprise_detail",
            api_paths=[f"{API_ROOT}{pk}/" for pk in ids],
            plain_paths=[f"{PLAIN_ROOT}{pk}/" for pk in ids],
        ),
    ]


def _differences(api: dict, plain: dict) -> list[str]:
    """Where the API's answer differs from the baseline's (they should be the same JSON)."""
    if "results" not in plain:
        return sorted(k for k in set(api) | set(plain) if api.get(k) != plain.get(k))

    def link(body, key):  # next/previous: the same link but for the path prefix
        return (body.get(key) or "").replace(API_ROOT, PLAIN_ROOT)

    keys = [k for k in ("next", "previous") if link(api, k) != link(plain, k)]
    keys += ["count"] if api.get("count") != plain.get("count") else []
    api_rows, plain_rows = api.get("results") or [], plain["results"]
    if len(api_rows) != len(plain_rows):
        keys.append("results (length)")
    fields = {
        k
        for a, p in zip(api_rows, plain_rows, strict=False)
        for k in set(a) | set(p)
        if a.get(k) != p.get(k)
    }
    return keys + sorted(f"results.{k}" for k in fields)


def _check_responses(server: GunicornServer, case: Case, *, token: str, size: int) -> dict:
    """GET one path of each side: both must answer 200 with the expected shape.

    Returns ``{"api_missing": bool, "fields_differ": [...]}``; raises on a broken baseline.
    """
    plain_status, plain_body = http_get_json(server.base_url + case.plain_paths[0], token=token)
    if plain_status != 200:
        raise RuntimeError(f"{case.baseline}: HTTP {plain_status}: {plain_body}")
    root_status, _ = http_get_json(server.base_url + API_ROOT, token=token)
    if root_status == 404:
        return {"api_missing": True, "fields_differ": []}
    api_status, api_body = http_get_json(server.base_url + case.api_paths[0], token=token)
    if api_status != 200:
        raise RuntimeError(f"{case.name}: GET {case.api_paths[0]} → HTTP {api_status}: {api_body}")
    if "results" in plain_body and api_body.get("count") != size:
        raise RuntimeError(f"{case.name}: count {api_body.get('count')} != {size}")
    differ = _differences(api_body, plain_body)
    return {"api_missing": False, "fields_differ": differ}


def _wait_for_quiet(deadline: float, *, log) -> float:
    """How busy other processes keep the CPUs (0–1), waiting until ``deadline`` (monotonic
    clock) for it to drop to QUIET or below."""
    busy = cpu_busy_fraction()
    announced = False
    while busy > QUIET and time.monotonic() < deadline:
        if not announced:
            log(f"bench: {busy:.0%} of the CPUs busy with other work; waiting for quiet …")
            announced = True
        time.sleep(4)
        busy = cpu_busy_fraction()
    return busy


def _segments(options: BenchOptions) -> list[int]:
    """Whole-second lengths of the measured rounds, adding up to ``options.duration``."""
    rounds = max(1, min(options.rounds, options.duration))
    base, extra = divmod(options.duration, rounds)
    return [base + (1 if i < extra else 0) for i in range(rounds)]


def _measure(server: GunicornServer, sides: dict, *, token: str, options: BenchOptions, seed: int):
    """Warm every side up, then load them in alternating rounds (ABBA…).

    Returns the results per side and the share of the CPUs other processes used meanwhile.
    """

    def load(paths, seconds, round_seed):
        return wrk_run(
            base_url=server.base_url,
            paths=paths,
            token=token,
            seconds=seconds,
            threads=options.threads,
            connections=options.connections,
            seed=round_seed,
        )

    for paths in sides.values():
        load(paths, options.warmup, seed)
    meter = OtherCpuMeter(server.pgid)
    meter.start()
    results: dict[str, WrkResult] = {}
    order = list(sides)
    for index, seconds in enumerate(_segments(options)):
        for side in order if index % 2 == 0 else reversed(order):
            result = load(sides[side], seconds, seed + index)
            results[side] = results[side] + result if side in results else result
    return results, meter.stop()


def _measure_quietly(server, sides, *, token, options: BenchOptions, seed: int, log):
    """``_measure`` once, or, with ``--wait-quiet``, until other work left the CPUs alone.

    Waits for quiet before each attempt and measures again (up to MAX_ATTEMPTS, within the
    wait budget) when other processes took more than QUIET of the CPUs during the rounds;
    keeps the quietest attempt. Returns (results, busy before, others during, attempts).
    """
    deadline = time.monotonic() + options.wait_quiet
    attempts = []
    while True:
        busy = _wait_for_quiet(deadline, log=log)
        results, others = _measure(server, sides, token=token, options=options, seed=seed)
        attempts.append((others, busy, results))
        if others <= QUIET or time.monotonic() >= deadline or len(attempts) >= MAX_ATTEMPTS:
            break
        log(f"bench: other work took {others:.0%} of the CPUs during the case; measuring again …")
    others, busy, results = min(attempts, key=lambda attempt: attempt[0])
    if others > QUIET or busy > QUIET:
        log(
            f"bench: warning: other work took {max(busy, others):.0%} of the CPUs around this "
            "case; its numbers are noisy (use --wait-quiet SECONDS on a shared machine)"
        )
    return results, busy, others, len(attempts)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _baseline_stats(plain: WrkResult) -> dict:
    return {
        "baseline_rps": round(plain.rps, 1),
        "baseline_p50_ms": _ms(plain.percentile(50)),
        "baseline_p99_ms": _ms(plain.percentile(99)),
        "baseline_p99_over_p50": round(plain.percentile(99) / plain.percentile(50), 2),
        "baseline_requests": plain.requests,
        "baseline_bytes_per_response": round(plain.bytes_per_response),
        "baseline_errors": plain.errors,
    }


def _row(case: Case, api: WrkResult, plain: WrkResult, *, options, check, context) -> dict:
    ratio = api.rps / plain.rps
    tail = api.percentile(99) / api.percentile(50)
    errors = api.error_count + plain.error_count
    return {
        "name": case.name,
        "size": options.size,
        "seconds": round(api.mean, 6),
        "baseline": case.baseline,
        "baseline_seconds": round(plain.mean, 6),
        "ratio": round(ratio, 3),
        "ratio_definition": RATIO_DEFINITION,
        "rps": round(api.rps, 1),
        "p50_ms": _ms(api.percentile(50)),
        "p90_ms": _ms(api.percentile(90)),
        "p99_ms": _ms(api.percentile(99)),
        "max_ms": _ms(api.max),
        "p99_over_p50": round(tail, 2),
        "requests": api.requests,
        "bytes_per_response": round(api.bytes_per_response),
        "errors": api.errors,
        **_baseline_stats(plain),
        "fields_differ_from_baseline": check["fields_differ"],
        "goal": {"ratio_min": RATIO_GOAL, "p99_over_p50_max": TAIL_GOAL},
        "passed": ratio >= RATIO_GOAL and tail <= TAIL_GOAL and errors == 0,
        **context,
    }


def _missing_row(case: Case, plain: WrkResult, *, options, context) -> dict:
    return {
        "name": case.name,
        "size": options.size,
        "seconds": None,
        "baseline": case.baseline,
        "baseline_seconds": round(plain.mean, 6),
        "ratio": None,
        "ratio_definition": RATIO_DEFINITION,
        **_baseline_stats(plain),
        "goal": {"ratio_min": RATIO_GOAL, "p99_over_p50_max": TAIL_GOAL},
        "passed": None,
        "error": f"{API_ROOT} answers 404: the enterprise API does not exist yet",
        **context,
    }


def run(options: BenchOptions, *, log=print) -> list[dict]:
    """Measure every case; one contract row per API case."""
    wrk_path()  # fail before building anything when the load generator is missing
    data = _prepare_data(options.size)
    origin = f"built in {data['build_seconds']:.1f} s" if data["built"] else "reused"
    database = Path(data["database"]).relative_to(BASE_DIR)
    log(f"bench: {options.size:,} enterprises in {database} ({origin})")
    environment = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{data['database']}",
        "KEJIN_DEV": "1",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    segments = _segments(options)
    context = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "server": f"gunicorn {options.workers} sync workers, SQLite (WAL), {database}",
        "load": (
            f"wrk -t{options.threads} -c{options.connections}, loopback; per side "
            f"{options.warmup} s warm-up then {options.duration} s in {len(segments)} "
            "alternating rounds"
        ),
        "quick": options.quick,
        "nice": options.nice,
    }
    token = data["token"]
    rows = []
    log_path = BASE_DIR / "var" / "bench" / "gunicorn.log"
    with GunicornServer(
        workers=options.workers, environment=environment, log_path=log_path
    ) as server:
        server.wait_until_serving(f"{PLAIN_ROOT}?page=1", token=token)
        for index, case in enumerate(_cases(options.size, data["ids"])):
            check = _check_responses(server, case, token=token, size=options.size)
            if check["fields_differ"]:
                log(
                    f"bench: warning: {case.name} and {case.baseline} fields differ: "
                    f"{', '.join(check['fields_differ'])}"
                )
            sides = {case.baseline: case.plain_paths}
            if not check["api_missing"]:
                sides[case.name] = case.api_paths
            log(f"bench: {' vs '.join(reversed(sides))}: {options.duration} s each …")
            results, busy, others, attempts = _measure_quietly(
                server, sides, token=token, options=options, seed=1000 * index + 1, log=log
            )
            case_context = {
                **context,
                "cpu_busy_before_percent": round(busy * 100, 1),
                "cpu_others_during_percent": round(others * 100, 1),
                "attempts": attempts,
            }
            if check["api_missing"]:
                log(f"bench: warning: {API_ROOT} answers 404; measured the baseline only")
                rows.append(
                    _missing_row(
                        case, results[case.baseline], options=options, context=case_context
                    )
                )
            else:
                rows.append(
                    _row(
                        case,
                        results[case.name],
                        results[case.baseline],
                        options=options,
                        check=check,
                        context=case_context,
                    )
                )
    return rows
