"""What a benchmark run was asked for (command-line options of ``python -m bench``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchOptions:
    """Sizes and load parameters shared by every benchmark of one run.

    ``duration`` seconds of measured load per case are split into ``rounds`` that alternate
    between a case and its baseline, so that a change in the machine's background load
    during the run hits both alike. Seconds are whole (wrk's unit).

    ``wait_quiet``: seconds to wait, before each case, for other processes to leave the CPUs
    mostly idle (the machine may be shared).

    ``nice``: the niceness the run (and so the server and the load generator, its children)
    runs at; negative values (root only) let it have the CPUs before other work.

    ``--quick`` shrinks them so a run takes seconds: it checks the harness works, its numbers
    are not measurements.
    """

    size: int = 100_000
    duration: int = 10
    rounds: int = 5
    warmup: int = 2
    threads: int = 2
    connections: int = 8
    workers: int = 2
    wait_quiet: int = 0
    nice: int = 0
    quick: bool = False

    @classmethod
    def quick_defaults(cls) -> BenchOptions:
        return cls(size=2_000, duration=2, rounds=1, warmup=1, quick=True)
