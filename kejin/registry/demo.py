"""Demo data of the list (名单库): evaluate the demo enterprises' facts so that the list has
entries and a history (called by ``demo_data`` after ``kejin.enterprises.demo_facts``)."""

from __future__ import annotations

from kejin.enterprises.demo_facts import YEARS
from kejin.registry.choices import RunStatus
from kejin.registry.evaluation import registry_reevaluate
from kejin.registry.models import EvaluationRun, RegistryEntry


def demo_registry_evaluate(*, years: tuple[int, ...] = YEARS[1:]) -> list[EvaluationRun]:
    """Evaluate the list for ``years`` in order, so that it has entries and a history.

    A year is skipped when a finished evaluation of a later year exists: evaluating an
    earlier year after it would rewind the list and record the rewind as changes. So a
    second ``demo_data`` runs only the last year again, which records nothing when nothing
    changed. The last year is always evaluated (new enterprises join the list).
    """
    runs = []
    for index, year in enumerate(sorted(years)):
        is_last = index == len(years) - 1
        if (
            not is_last
            and EvaluationRun.objects.filter(status=RunStatus.DONE, year__gt=year).exists()
        ):
            continue
        runs.append(registry_reevaluate(year=year))
    return runs


def demo_list_size() -> int:
    """How many enterprises are on the list (for the command's summary line)."""
    return RegistryEntry.objects.filter(on_list=True).count()
