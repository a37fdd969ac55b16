"""The one explicit list of fact sources, and the frame's rows.

Sources are named by import string so that ``kejin.facts`` imports no upper app at import
time (layers import downward; the upper modules register here). A new module that has facts
(credit indicators, loans, policies…) adds its source's import string to ``SOURCES``.
"""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from kejin.facts.catalogue import FactSource

#: Yields the frame's rows in chunks (one row per enterprise, in id order, with the first
#: source's facts): iter_rows(*, year, as_of, county_id, chunk_size, enterprise_id).
ROWS = "kejin.enterprises.facts.iter_facts_frames"

#: Every source of facts; the first is the one ROWS reads (its facts are already there).
SOURCES: tuple[str, ...] = (
    "kejin.enterprises.facts.ENTERPRISE_SOURCE",
    "kejin.registry.fact_source.REGISTRY_SOURCE",
    "kejin.credit.fact_source.CREDIT_SOURCE",
    "kejin.credit.fact_source.CREDIT_SCORE_SOURCE",
    "kejin.credit.fact_source.CREDIT_DISPUTE_SOURCE",
    "kejin.financing.fact_source.LOAN_SOURCE",
)


@cache
def registered_sources() -> tuple[FactSource, ...]:
    """The sources in ``SOURCES``, imported once."""
    sources = tuple(import_string(path) for path in SOURCES)
    for path, source in zip(SOURCES, sources, strict=True):
        if not isinstance(source, FactSource):
            raise TypeError(f"{path} is not a FactSource")
    return sources


def rows_reader():
    return import_string(ROWS)
