"""What the rule-engine benchmarks share: measuring in a child process (it sets Django up and
prints its rows as JSON) and the two rows of an engine measurement (against hand-written
polars and against a per-row Python loop).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def child_run(module: str, size: int) -> list[dict]:
    """The rows ``python -m <module> --size <size>`` prints on its last line."""
    completed = subprocess.run(
        [sys.executable, "-m", module, "--size", str(size)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def child_main(
    module: str,
    doc: str,
    measure: Callable[..., list[dict]],
    *,
    full_size: int,
    argv: list[str] | None = None,
    counted: str = "enterprises",
) -> int:
    """The child's entry point: ``measure(size, log=…)`` (log to stderr), rows to stdout;
    ``--size`` is the number of ``counted``."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    parser.add_argument("--size", type=int, default=full_size, help=f"number of {counted}")
    args = parser.parse_args(argv)
    rows = measure(args.size, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(json.dumps(rows, ensure_ascii=False, default=str))
    return 0


def engine_rows(
    *,
    name: str,
    size: int,
    engine_s: float,
    hand_s: float,
    loop_s: float,
    hand_note: str,
    loop_note: str,
    mismatches: int,
    loop_mismatches: int,
    quick: bool,
    engine_goal: float,
    loop_goal: float,
) -> list[dict]:
    """The engine's two result rows: ``<name>_hand_polars`` (engine / hand ≤ ``engine_goal``,
    same ids) and ``<name>_python_loop`` (loop / engine ≥ ``loop_goal``); a quick run has no
    verdict."""
    engine_ratio, loop_ratio = engine_s / hand_s, loop_s / engine_s
    common = {"name": f"{name}_engine", "size": size, "seconds": engine_s}
    return [
        {
            **common,
            "baseline": f"{name}_hand_polars",
            "baseline_seconds": hand_s,
            "ratio": engine_ratio,
            "baseline_note": hand_note,
            "goal": {"ratio_max": engine_goal, "same_ids_as_hand": True},
            "passed": None if quick else engine_ratio <= engine_goal and not mismatches,
        },
        {
            **common,
            "baseline": f"{name}_python_loop",
            "baseline_seconds": loop_s,
            "ratio": loop_ratio,
            "baseline_note": loop_note,
            "goal": {"ratio_min": loop_goal},
            "passed": None if quick else loop_ratio >= loop_goal and not loop_mismatches,
        },
    ]
