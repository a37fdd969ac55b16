"""A policy version's eligibility over the facts frame: who qualifies, and why one does not.

The rule is the version's (``PolicyVersion.rule_set_version``: the document with its
parameters and targeting terms, compiled once by ``kejin.enterprises.eligibility``); this
module only feeds it frames and one enterprise's facts. Batch: ``qualifying_ids`` runs one
vectorised filter per frame chunk (``eligible_ids``). One enterprise: ``enterprise_check``
explains clause by clause with the gaps ("研发投入占比 2.1%，需 ≥ 3%").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from kejin.core.models import Region
from kejin.enterprises.eligibility import (
    TERMS_IDS,
    Eligibility,
    eligibility_explain,
    eligibility_rule,
    eligible_ids,
    enterprise_facts,
    fact_labels,
    facts_data_year,
)
from kejin.facts.frame import iter_frames
from kejin.registry.selectors import registry_fact_choices
from kejin.rules.describe import FactLabel, rule_gaps
from kejin.rules.ruleset import RuleSet


def qualifying_ids(version, *, county_id: int | None = None, year: int | None = None) -> list[int]:
    """The ids of the enterprises ``version``'s rule finds eligible (``county_id``: only that
    county's), sorted; ``year`` the facts' year (default: the latest most enterprises have)."""
    rule = version.rule_set_version()
    year = year or facts_data_year()
    found: list[pl.Series] = [
        eligible_ids(rule, frame)
        for frame in iter_frames(year=year, county_id=county_id, facts=rule.facts)
    ]
    return sorted(pl.concat(found).to_list()) if found else []


def enterprise_check(
    version, enterprise_id: int, *, labels=None, county_names=None, extra: Iterable[str] = ()
) -> Eligibility:
    """Enterprise ``enterprise_id`` against ``version``'s rule, clause by clause (``labels``
    and ``county_names`` when the caller has them, for many versions at once)."""
    rule = version.rule_set_version()
    facts = enterprise_facts(enterprise_id, set(rule.facts) | set(extra))
    return eligibility_explain(
        rule,
        facts,
        labels=labels if labels is not None else fact_labels(registry_fact_choices()),
        county_names=county_names if county_names is not None else county_name_map(),
    )


def county_name_map() -> dict[int, str]:
    """Region id -> name, for the county clause of a targeted policy."""
    return dict(Region.objects.values_list("pk", "name"))


def version_rule_key(
    version,
    *,
    parameters: Mapping[str, Any] | None = None,
    counties: Iterable[int] | None = None,
) -> tuple:
    """The arguments of ``eligibility_rule`` for ``version`` — the same as
    ``PolicyVersion.rule_set_version`` gives, so both share one compiled rule — with the
    counties read through ``version.counties.all()`` (prefetched by a caller with many
    versions) unless given, and ``parameters`` in place of the version's (an impact
    simulation's changed threshold, never saved)."""
    if counties is None:
        counties = [r.pk for r in version.counties.all()] if version.pk else []
    document = version.document
    parameters = version.parameters if parameters is None else parameters
    return (
        json.dumps(document, sort_keys=True) if document else None,
        json.dumps(parameters or {}, sort_keys=True),
        tuple(sorted(counties)),
        tuple(sorted(version.tiers or ())),
        tuple(sorted(version.labels or ())),
    )


def version_rule(version, **kwargs) -> RuleSet:
    """The eligibility rule set of ``version`` (``version_rule_key``), compiled once."""
    return eligibility_rule(*version_rule_key(version, **kwargs))


def held_within_failing(
    rule: RuleSet, facts: Mapping[str, Any], *, labels: Mapping[str, FactLabel]
) -> list[str]:
    """The parts that hold of the conditions that fail (``eligibility_explain`` names only
    the failing parts of a failing condition "A and B"; one policy's check shows both):
    each with its value beside the threshold."""
    if not facts:
        return []
    explanation = rule.explain(dict(facts))
    row = dict(facts)
    row_labels = dict(labels)
    for indicator, shown in zip(rule.indicators, explanation.indicators, strict=True):
        row[f"value.{indicator.id}"] = shown.value
        row_labels[f"value.{indicator.id}"] = FactLabel(
            indicator.label, "", "percent" if indicator.format == "percent" else "number"
        )
    held: list[str] = []
    for condition, result in zip(rule.conditions, explanation.conditions, strict=True):
        if condition.id in TERMS_IDS or result.met is True:
            continue
        gaps = rule_gaps(condition.test, row, labels=row_labels)
        if len(gaps) > 1:
            held += [gap.text for gap in gaps if gap.met is True]
    return held
