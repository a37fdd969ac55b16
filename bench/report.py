"""The benchmark contract's output: a table on stdout and a JSON list of rows."""

from __future__ import annotations

import json
import math
from pathlib import Path


def _fmt(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


COLUMNS = [
    ("benchmark", lambda r: r["name"], "<"),
    ("size", lambda r: _fmt(r["size"], ",d"), ">"),
    ("req/s", lambda r: _fmt(r.get("rps"), ",.0f"), ">"),
    ("baseline", lambda r: r["baseline"], "<"),
    ("base req/s", lambda r: _fmt(r.get("baseline_rps"), ",.0f"), ">"),
    ("ratio", lambda r: _fmt(r["ratio"], ".2f"), ">"),
    ("mean ms", lambda r: _fmt(r["seconds"] and r["seconds"] * 1000, ".1f"), ">"),
    (
        "base mean ms",
        lambda r: _fmt(r["baseline_seconds"] and r["baseline_seconds"] * 1000, ".1f"),
        ">",
    ),
    ("p50 ms", lambda r: _fmt(r.get("p50_ms"), ".1f"), ">"),
    ("p99 ms", lambda r: _fmt(r.get("p99_ms"), ".1f"), ">"),
    ("p99/p50", lambda r: _fmt(r.get("p99_over_p50"), ".2f"), ">"),
    ("goal", lambda r: {True: "met", False: "NOT MET", None: "-"}[r.get("passed")], "<"),
]


def table(rows: list[dict]) -> str:
    """A plain-text table of the rows, one line each."""
    cells = [[str(get(row)) for _, get, _ in COLUMNS] for row in rows]
    widths = [
        max([len(title)] + [len(line[i]) for line in cells])
        for i, (title, _, _) in enumerate(COLUMNS)
    ]

    def line(values):
        return "  ".join(
            f"{value:{align}{width}}"
            for value, width, (_, _, align) in zip(values, widths, COLUMNS, strict=True)
        )

    out = [line([title for title, _, _ in COLUMNS]), line(["-" * w for w in widths])]
    out += [line(values) for values in cells]
    return "\n".join(out)


def write_json(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
