"""Rule set versions: dated, with named parameters, activated only when their worked cases pass.

A version is a rule set file (``RuleSetVersion``: ``version``, ``valid_from``/``valid_to``,
``reference`` to its source clause, ``parameters`` each with its own ``reference``) and its
worked cases (``<file>.scenarios.yaml``). ``version_activate`` runs every case through both
the explanation (one enterprise) and the batch (polars) path and refuses the version with the
failing cases listed; ``versions_check`` refuses two versions of one rule set valid on the
same day. Pure: no models; a module that stores versions calls these before activating.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from kejin.rules.expressions import RuleError
from kejin.rules.ruleset import RuleSetVersion
from kejin.rules.scenarios import (
    Scenario,
    batch_values,
    explanation_only,
    explanation_values,
    load_scenarios,
    mismatches,
)

#: The ``case`` of the one failure reported for a version that has no worked cases at all.
NO_WORKED_CASES = "(no worked cases)"


def worked_case_failures(
    version: RuleSetVersion, scenarios: Iterable[Scenario]
) -> list[dict[str, Any]]:
    """Every worked case that fails, with the path (explain or batch) and what differs."""
    scenarios = list(scenarios)
    failures = []
    batch = batch_values(version, scenarios) if scenarios else []
    for scenario, row in zip(scenarios, batch, strict=True):
        explained = mismatches(scenario.expect, explanation_values(version.explain(scenario.facts)))
        batched = mismatches(
            {k: v for k, v in scenario.expect.items() if not explanation_only(k)}, row
        )
        for where, diff in (("explain", explained), ("batch", batched)):
            for key, (expected, actual) in diff.items():
                failures.append(
                    {
                        "case": scenario.name,
                        "path": where,
                        "key": key,
                        "expected": expected,
                        "actual": actual,
                    }
                )
    return failures


def version_activate(*, version: RuleSetVersion, scenarios: Iterable[Scenario]) -> RuleSetVersion:
    """The version, if every worked case passes; else RuleError ``worked_cases_fail`` with
    the failures in ``params["failures"]``. A version without worked cases is refused too."""
    scenarios = list(scenarios)
    if not scenarios:
        raise RuleError(
            "worked_cases_fail",
            version.id,
            failures=[
                {
                    "case": NO_WORKED_CASES,
                    "path": "",
                    "key": "",
                    "expected": None,
                    "actual": None,
                }
            ],
        )
    failures = worked_case_failures(version, scenarios)
    if failures:
        raise RuleError("worked_cases_fail", version.id, failures=failures)
    return version


def version_activate_file(scenario_file: str | Path) -> RuleSetVersion:
    """Load a scenario file's rule set version and activate it against those cases."""
    version, scenarios = load_scenarios(scenario_file)
    return version_activate(version=version, scenarios=scenarios)


class Dated(Protocol):
    """What ``versions_check`` reads of a version (a ``RuleSetVersion`` or a stored one)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def valid_from(self) -> datetime.date: ...

    @property
    def valid_to(self) -> datetime.date | None: ...


def versions_check(versions: Iterable[Dated]) -> None:
    """Refuse two versions of the same rule set whose validity periods overlap."""
    by_id: dict[str, list[Dated]] = {}
    for version in versions:
        by_id.setdefault(version.id, []).append(version)
    for ruleset_id, group in by_id.items():
        group.sort(key=lambda v: v.valid_from)
        for earlier, later in zip(group, group[1:], strict=False):
            end = earlier.valid_to or datetime.date.max
            if later.valid_from <= end:
                raise RuleError(
                    "versions_overlap",
                    ruleset_id,
                    ruleset=ruleset_id,
                    first=earlier.version or earlier.valid_from.isoformat(),
                    second=later.version or later.valid_from.isoformat(),
                    day=later.valid_from.isoformat(),
                )
