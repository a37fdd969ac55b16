"""How much of the machine's CPU other processes take while a benchmark runs (Linux /proc).

The development machine is shared, so a benchmark checks that it had the CPUs to itself:
before a case (``cpu_busy_fraction``: everything is other work then) and during it
(``OtherCpuMeter``: all busy CPU time minus that of the server's process group, the load
generator and this process).
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _busy_and_total_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks since boot over all CPUs; steal and idle/iowait are not busy."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, sum(fields[:8])


def cpu_busy_fraction(seconds: float = 1.0) -> float:
    """The share of all CPUs' time spent busy over the next ``seconds`` (nan if unknown)."""
    try:
        busy_before, total_before = _busy_and_total_ticks()
        time.sleep(seconds)
        busy_after, total_after = _busy_and_total_ticks()
    except (OSError, ValueError):
        return float("nan")
    total = total_after - total_before
    return (busy_after - busy_before) / total if total else float("nan")


def process_group_cpu_seconds(pgid: int) -> float:
    """CPU seconds used so far by the processes of group ``pgid`` (and their reaped children)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        rest = stat[stat.rindex(")") + 2 :].split()
        if int(rest[2]) == pgid:
            ticks += sum(int(v) for v in rest[11:15])  # utime stime cutime cstime
    return ticks / _TICKS


def _own_and_children_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the load generator, once reaped
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class OtherCpuMeter:
    """Between ``start()`` and ``stop()``: the share of all CPUs used by other processes.

    Ours are the server's process group ``pgid``, this process and its reaped children (wrk).
    """

    def __init__(self, pgid: int):
        self.pgid = pgid

    def start(self) -> None:
        self._busy, self._total = _busy_and_total_ticks()
        self._ours = process_group_cpu_seconds(self.pgid) + _own_and_children_seconds()

    def stop(self) -> float:
        busy, total = _busy_and_total_ticks()
        ours = process_group_cpu_seconds(self.pgid) + _own_and_children_seconds() - self._ours
        if total == self._total:
            return float("nan")
        others = (busy - self._busy) / _TICKS - ours
        return max(0.0, others / ((total - self._total) / _TICKS))
