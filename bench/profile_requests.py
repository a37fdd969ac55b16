"""Where the time of one enterprise request goes: queries, SQL time, CPU time, hot functions.

In-process (Django's test client through the full middleware stack, against the benchmark
database), one request at a time, so it measures work rather than contention: CPU seconds
are what a gunicorn worker spends per request. Use it when the API benchmark is slow::

    .venv/bin/python -m bench.profile_requests                 # table of all endpoints
    .venv/bin/python -m bench.profile_requests --cprofile api_enterprise_list
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time

from bench.data import FULL_SIZE, ensure_database

ENDPOINTS = {
    "api_enterprise_list": "/api/v1/enterprises/?page={page}",
    "plain_enterprise_list": "/bench/plain/enterprises/?page={page}",
    "api_enterprise_detail": "/api/v1/enterprises/{id}/",
    "plain_enterprise_detail": "/bench/plain/enterprises/{id}/",
}


def _paths(template: str, ids: list[int], count: int, rng: random.Random) -> list[str]:
    return [template.format(page=rng.randint(1, 100), id=rng.choice(ids)) for _ in range(count)]


def _measure(client, token: str, paths: list[str]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wall, cpu, queries, sql = [], [], [], []
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, HTTP_AUTHORIZATION=f"Token {token}")
            wall.append(time.perf_counter() - started_wall)
            cpu.append(time.process_time() - started_cpu)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
        queries.append(len(captured.captured_queries))
        sql.append(sum(float(q["time"]) for q in captured.captured_queries))
    return {
        "wall_ms": statistics.mean(wall) * 1000,
        "cpu_ms": statistics.mean(cpu) * 1000,
        "queries": statistics.mean(queries),
        "sql_ms": statistics.mean(sql) * 1000,
        "statements": [q["sql"][:160] for q in captured.captured_queries],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_requests")
    parser.add_argument("--size", type=int, default=FULL_SIZE)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cprofile", choices=sorted(ENDPOINTS), help="profile this endpoint")
    parser.add_argument("--sql", action="store_true", help="print the statements of a request")
    args = parser.parse_args(argv)

    data = ensure_database(args.size, log=lambda m: print(m, file=sys.stderr))  # sets Django up
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(1)
    names = [args.cprofile] if args.cprofile else list(ENDPOINTS)
    print(f"{'endpoint':<26}{'wall ms':>9}{'cpu ms':>9}{'queries':>9}{'sql ms':>9}")
    for name in names:
        template = ENDPOINTS[name]
        _measure(client, data["token"], _paths(template, data["ids"], 30, rng))  # warm up
        paths = _paths(template, data["ids"], args.requests, rng)
        if args.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
        result = _measure(client, data["token"], paths)
        if args.cprofile:
            profiler.disable()
        print(
            f"{name:<26}{result['wall_ms']:>9.2f}{result['cpu_ms']:>9.2f}"
            f"{result['queries']:>9.1f}{result['sql_ms']:>9.2f}"
        )
        if args.sql:
            for statement in result["statements"]:
                print(f"    {statement}")
        if args.cprofile:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
