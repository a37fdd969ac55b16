"""The list's (名单库) fact source: whether an enterprise is on the list, its stage, labels.

Registered in ``kejin.facts.sources.SOURCES`` so that rules of other modules (policy or
product eligibility) can name the list like any other fact. The values are the list as it
stands (after the last re-evaluation and officers' overrides), whatever the as-of date.
"""

from __future__ import annotations

import datetime

import polars as pl

from kejin.facts.catalogue import AS_OF_CURRENT, Fact, FactSource
from kejin.registry.models import RegistryEntry

_SOURCE = "名单库（最近一次重新评价及工作人员调整后的结果）"

REGISTRY_FACTS: tuple[Fact, ...] = (
    Fact(
        "registry_on_list",
        "在库",
        pl.Boolean,
        "",
        _SOURCE,
        "企业当前在科技企业名单库中",
        label_en="On the list",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "registry_stage",
        "成长阶段",
        pl.Utf8,
        "",
        _SOURCE,
        "当前成长阶段的代码（如 startup、growth、mature）；未评价的为空",
        label_en="Growth stage",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "registry_labels",
        "名单标签",
        pl.List(pl.Utf8),
        "",
        _SOURCE,
        "当前持有的名单标签代码（计算得出或工作人员认定），按代码排序",
        label_en="List labels",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "registry_since",
        "入库日期",
        pl.Date,
        "",
        _SOURCE,
        "最近一次入库的日期",
        label_en="On the list since",
        as_of=AS_OF_CURRENT,
    ),
)


def fetch_registry_facts(
    *, first_id: int, last_id: int, as_of: datetime.date, year: int
) -> pl.DataFrame:
    """The list's facts for enterprises with ids in [first_id, last_id] (two queries)."""
    entries = list(
        RegistryEntry.objects.filter(enterprise__pk__range=(first_id, last_id))
        .order_by("enterprise_id")
        .values_list("enterprise_id", "on_list", "stage__code", "since")
    )
    links = (
        RegistryEntry.labels.through.objects.filter(
            registryentry__enterprise__pk__range=(first_id, last_id)
        )
        .order_by("registryentry__enterprise_id", "label__code")
        .values_list("registryentry__enterprise_id", "label__code")
    )
    labels: dict[int, list[str]] = {}
    for enterprise_id, code in links:
        labels.setdefault(enterprise_id, []).append(code)
    return pl.DataFrame(
        {
            "enterprise_id": [e[0] for e in entries],
            "registry_on_list": [e[1] for e in entries],
            "registry_stage": [e[2] for e in entries],
            "registry_labels": [labels.get(e[0], []) for e in entries],
            "registry_since": [e[3] for e in entries],
        },
        schema=REGISTRY_SOURCE_SCHEMA,
    )


REGISTRY_SOURCE_SCHEMA = {"enterprise_id": pl.Int64, **{f.name: f.dtype for f in REGISTRY_FACTS}}

#: The list's entry in the facts catalogue (kejin.facts.sources.SOURCES).
REGISTRY_SOURCE = FactSource(name="registry", facts=REGISTRY_FACTS, fetch=fetch_registry_facts)
