"""``python -m bench [name ...] [--quick]``: run the benchmarks, print a table, write JSON.

With no names every benchmark runs. The full run writes ``bench/results/latest.json`` (the
benchmark contract of ARCHITECTURE.md); ``--quick`` (tiny sizes, seconds of load: checks the
harness works, its numbers mean little) writes ``bench/results/quick.json`` instead.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from bench.options import BenchOptions
from bench.report import table, write_json
from bench.wrk import WrkMissing

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOCK_PATH = Path(__file__).resolve().parent.parent / "var" / "bench" / "run.lock"
# Benchmark name -> module with run(options) -> list of contract rows.
BENCHMARKS = {
    "api_enterprises": "bench.api_enterprises",
    "credit_scoring": "bench.credit_scoring",
    "credit_ingest": "bench.credit_ingest",
    "financing_fit": "bench.financing_fit",
    "financing_matching": "bench.financing_matching",
    "financing_monitoring": "bench.financing_monitoring",
    "policies_eval": "bench.policies_eval",
    "policies_simulation": "bench.policies_simulation",
    "recognition": "bench.recognition",
    "search_names": "bench.search_names",
}


def _parse(argv: list[str] | None) -> tuple[list[str], BenchOptions, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="name", help=f"of {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 2 s of load per case")
    parser.add_argument("--size", type=int, help="number of enterprises (default 100,000)")
    parser.add_argument("--duration", type=int, help="seconds of measured load per case")
    parser.add_argument("--rounds", type=int, help="alternating rounds the duration is split in")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up load per case")
    parser.add_argument("--connections", type=int, help="wrk connections")
    parser.add_argument(
        "--wait-quiet",
        type=int,
        metavar="SECONDS",
        help="before each case wait up to this long for other processes to leave the CPUs idle",
    )
    parser.add_argument(
        "--nice",
        type=int,
        metavar="N",
        help="run at niceness N, inherited by the server and wrk (negative: root only)",
    )
    parser.add_argument("--output", type=Path, help="JSON file to write")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a goal is not met"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    options = BenchOptions.quick_defaults() if args.quick else BenchOptions()
    overrides = {
        key: getattr(args, key)
        for key in ("size", "duration", "rounds", "warmup", "connections", "wait_quiet", "nice")
        if getattr(args, key) is not None
    }
    options = dataclasses.replace(options, **overrides)
    return args.names or list(BENCHMARKS), options, args


@contextlib.contextmanager
def _exclusive_run():
    """One benchmark run at a time on this checkout: two would only measure each other."""
    LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_PATH.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("bench: another benchmark run holds var/bench/run.lock; waiting for it …")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def main(argv: list[str] | None = None) -> int:
    names, options, args = _parse(argv)
    if options.nice:
        os.setpriority(os.PRIO_PROCESS, 0, options.nice)  # children inherit it
    with _exclusive_run():
        return _run(names, options, args)


def _run(names: list[str], options: BenchOptions, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    rows: list[dict] = []
    broken: list[str] = []
    for name in names:
        # A broken benchmark is reported and the others still run and are written.
        try:
            rows += importlib.import_module(BENCHMARKS[name]).run(options)
        except WrkMissing as error:
            print(f"bench: {name}: {error}", file=sys.stderr)
            broken.append(name)
        except Exception:  # noqa: BLE001 - report any failure, then go on with the others
            traceback.print_exc()
            print(f"bench: {name} failed (traceback above)", file=sys.stderr)
            broken.append(name)
    if not rows:
        return 2
    output = args.output or RESULTS_DIR / ("quick.json" if options.quick else "latest.json")
    write_json(rows, output)
    print()
    print(table(rows))
    print()
    print(f"bench: wrote {output} in {time.perf_counter() - started:.0f} s")
    if options.quick:
        print("bench: --quick run: tiny data and short load, the numbers are not measurements")
    failed = [r["name"] for r in rows if r.get("passed") is False]
    missing = [r["name"] for r in rows if r.get("error")]
    if missing:
        print(f"bench: not measured: {', '.join(missing)}", file=sys.stderr)
    if failed:
        print(f"bench: goal not met: {', '.join(failed)}", file=sys.stderr)
    if broken:
        print(f"bench: did not run: {', '.join(broken)}", file=sys.stderr)
        return 2
    return 1 if (args.strict and (failed or missing)) else 0


if __name__ == "__main__":
    sys.exit(main())
