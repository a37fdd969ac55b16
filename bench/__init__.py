"""Kejin benchmarks: ``make bench`` (``python -m bench``) runs them and writes bench/results/latest.json.

Each benchmark is a module with a ``run(options) -> list[dict]`` returning rows of the
benchmark contract (ARCHITECTURE.md): ``{"name", "size", "seconds", "baseline",
"baseline_seconds", "ratio"}`` plus extra keys. See docs/performance.md.
"""
