"""The facts catalogue: every fact a rule may name, contributed by the module that knows it.

A :class:`Fact` documents one column of the facts frame (name, type, unit, source, as-of,
labels in Chinese and English, meaning). A :class:`FactSource` is a module's contribution:
its facts and a ``fetch`` that reads them for a range of enterprise ids. Sources are
registered in one explicit list, ``kejin.facts.sources.SOURCES``; ``catalogue()`` is the
union of their facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

#: As-of conventions: what date a fact's value is true on.
AS_OF_YEAR = "evaluation_year"  # the evaluation year's annual value (or sums ending in it)
AS_OF_DAY = "as_of"  # the evaluation day (certificates, age)
AS_OF_CURRENT = "current"  # the record as it stands (e.g. the list's last re-evaluation)


@dataclass(frozen=True)
class Fact:
    """One fact: a column of the facts frame."""

    name: str
    label: str
    dtype: Any  # a polars data type (class or instance), e.g. pl.Int64
    unit: str
    source: str
    meaning: str
    label_en: str = ""
    as_of: str = AS_OF_YEAR


#: fetch(*, first_id, last_id, as_of, year) -> frame keyed by ``enterprise_id`` with one row
#: per enterprise the source knows in [first_id, last_id] and a column per fact.
Fetch = Callable[..., pl.DataFrame]


@dataclass(frozen=True)
class FactSource:
    """A module's facts and how to read them for a range of enterprises."""

    name: str
    facts: tuple[Fact, ...]
    fetch: Fetch

    @property
    def schema(self) -> dict[str, Any]:
        return {"enterprise_id": pl.Int64, **{f.name: f.dtype for f in self.facts}}


def catalogue() -> dict[str, Fact]:
    """Every registered source's facts, by name (a name given twice is an error)."""
    from kejin.facts.sources import registered_sources

    facts: dict[str, Fact] = {}
    for source in registered_sources():
        for fact in source.facts:
            if fact.name in facts:
                raise ValueError(f"fact {fact.name!r} is contributed twice ({source.name})")
            facts[fact.name] = fact
    return facts
