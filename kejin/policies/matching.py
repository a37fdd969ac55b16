""" "Policies I qualify for" (政策精准匹配): every published policy's live version against one
enterprise, with why it qualifies, the near misses with their gaps and what is unknown.

How one enterprise is matched (every step once per call, whatever the number of policies):

1. The published policies in force with their live versions and the versions' counties
   (two queries).
2. **Each distinct rule once**: policies share rules (a template, a few thresholds); the
   rule of a version is ``kejin.policies.evaluation.version_rule``, compiled once per process.
3. **The enterprise's facts once** (``kejin.enterprises.eligibility.enterprise_facts``): only
   the sources that have a fact one of the rules or benefit formulas reads.
4. The labels of the facts and the counties' names once, then each distinct rule explained
   once (``eligibility_explain``) and shared by the versions that have it.
5. The estimated benefit of each eligible or near-miss version by its formula
   (``kejin.policies.benefits.benefit_compute``, the application's fields at their
   ``typical`` values, nothing granted yet).

A version is **eligible** when its rule holds (the reasons: the clauses that hold); a **near
miss** when it does not and at most ``NEAR_MISS_GAPS`` clauses fail (the gaps: "研发投入占比
2.1%，需 ≥ 3%") — not when the enterprise's county is outside the policy's (that cannot be
closed); **unknown** when facts the rule needs are missing (named).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.money import format_yuan
from kejin.enterprises.eligibility import (
    ELIGIBLE,
    INELIGIBLE,
    Eligibility,
    eligibility_explain,
    eligibility_rule,
    enterprise_facts,
    fact_labels,
    rule_facts,
)
from kejin.policies.benefits import Benefit, benefit_compute, formula_facts, formula_resolved
from kejin.policies.evaluation import (
    county_name_map,
    held_within_failing,
    version_rule,
    version_rule_key,
)
from kejin.policies.models import Policy, PolicyVersion
from kejin.registry.selectors import registry_fact_choices

#: A policy failing at most this many clauses is a near miss.
NEAR_MISS_GAPS = 2


@dataclass
class PolicyMatch:
    """One policy for one enterprise: the verdict, the reasons (clauses that hold), the gaps
    (clauses that fail), the facts missing and the estimated benefit."""

    policy_id: int
    title: str
    doc_number: str
    scheme: str
    scheme_label: str
    version_id: int
    status: str
    eligibility: Eligibility
    reasons: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    benefit: Benefit | None = None
    #: Whether the estimate assumed the application's fields at their typical values.
    benefit_assumed: bool = False

    @property
    def benefit_amount(self) -> Decimal | None:
        return self.benefit.amount if self.benefit is not None else None

    @property
    def benefit_display(self) -> str:
        """The estimate in 万元/亿元, or "" when it cannot be computed."""
        return format_yuan(self.benefit_amount) if self.benefit_amount is not None else ""


@dataclass
class ForMeResult:
    """The published policies for one enterprise, by verdict."""

    eligible: list[PolicyMatch]
    near_misses: list[PolicyMatch]
    unknown: list[PolicyMatch]
    considered: int

    @property
    def benefit_total(self) -> Decimal:
        """The estimated benefits of the eligible policies summed (those with one)."""
        return sum((m.benefit_amount or Decimal(0) for m in self.eligible), Decimal(0))


def published_live_versions(
    *, policy_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> list[Policy]:
    """The published policies in force (``today``) with their live version and its counties
    prefetched, oldest first (two queries)."""
    today = today or timezone.localdate()
    policies = (
        Policy.objects.published()
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("live_version")
        .prefetch_related("live_version__counties")
        .order_by("pk")
    )
    if policy_ids is not None:
        policies = policies.filter(pk__in=list(policy_ids))
    return list(policies)


def benefit_estimate(
    version: PolicyVersion, facts: Mapping[str, Any]
) -> tuple[Benefit | None, bool]:
    """The version's benefit for an enterprise with ``facts`` (the application's fields at
    their ``typical`` values, nothing granted yet) and whether a typical value was assumed;
    None when the version has no formula or a fact it needs is missing."""
    formula = formula_resolved(version)
    if formula is None or not facts:
        return None, False
    typical = {
        spec["name"]: spec["typical"]
        for spec in version.inputs or ()
        if spec.get("name") and spec.get("typical") is not None
    }
    benefit = benefit_compute(version, facts=facts, inputs=typical, already={})
    if benefit.amount is None:
        return None, False
    return benefit, bool(typical)


def _missing_names(eligibility: Eligibility, labels: Mapping[str, Any]) -> list[str]:
    if eligibility.missing_facts:
        return [labels[n].label if n in labels else n for n in eligibility.missing_facts]
    return [c.text for c in eligibility.clauses if c.met is None]


def _county_fails(version: PolicyVersion, facts: Mapping) -> bool:
    """Whether the enterprise is outside the version's counties (a gap it cannot close)."""
    counties = [r.pk for r in version.counties.all()]
    county = facts.get("county_id")
    return bool(counties) and county is not None and county not in counties


def _match(policy: Policy, version: PolicyVersion, eligibility) -> PolicyMatch:
    """``policy``'s verdict for one enterprise: the clauses held as reasons, those missed as
    gaps (benefit and missing facts are the caller's)."""
    return PolicyMatch(
        policy_id=policy.pk,
        title=policy.title,
        doc_number=policy.doc_number,
        scheme=policy.scheme,
        scheme_label=str(policy.get_scheme_display()),
        version_id=version.pk,
        status=eligibility.status,
        eligibility=eligibility,
        reasons=[c.text for c in eligibility.holding],
        gaps=[c.text for c in eligibility.failing],
    )


def policies_for_enterprise(
    *, enterprise_id: int, policy_ids: Iterable[int] | None = None
) -> ForMeResult:
    """The published policies for enterprise ``enterprise_id`` (the module docstring);
    ``policy_ids`` narrows to those policies (one policy's check)."""
    policies = [p for p in published_live_versions(policy_ids=policy_ids) if p.live_version]
    keys = {p.pk: version_rule_key(p.live_version) for p in policies}
    rules = {key: eligibility_rule(*key) for key in set(keys.values())}
    formulas = {p.pk: formula_resolved(p.live_version) for p in policies}
    wanted = rule_facts(rules.values()) | {"county_id"}
    for formula in formulas.values():
        wanted |= formula_facts(formula)
    facts = enterprise_facts(enterprise_id, wanted) if policies else {}
    labels = fact_labels(registry_fact_choices()) if policies else {}
    counties = county_name_map() if policies else {}
    explained: dict[tuple, Eligibility] = {
        key: eligibility_explain(rule, facts, labels=labels, county_names=counties)
        for key, rule in rules.items()
    }
    eligible: list[PolicyMatch] = []
    near: list[PolicyMatch] = []
    unknown: list[PolicyMatch] = []
    for policy in policies:
        version = cast(PolicyVersion, policy.live_version)
        eligibility = explained[keys[policy.pk]]
        match = _match(policy, version, eligibility)
        if eligibility.status == ELIGIBLE:
            match.benefit, match.benefit_assumed = benefit_estimate(version, facts)
            eligible.append(match)
        elif eligibility.status == INELIGIBLE:
            if len(eligibility.failing) > NEAR_MISS_GAPS or _county_fails(version, facts):
                continue
            match.benefit, match.benefit_assumed = benefit_estimate(version, facts)
            near.append(match)
        else:
            match.missing = _missing_names(eligibility, labels)
            unknown.append(match)
    eligible.sort(key=lambda m: (-(m.benefit_amount or Decimal(-1)), m.policy_id))
    near.sort(key=lambda m: (len(m.gaps), m.policy_id))
    return ForMeResult(eligible, near, unknown, len(policies))


def policy_check_for_enterprise(*, policy: Policy, enterprise_id: int) -> PolicyMatch:
    """One policy's live version against the enterprise, every clause kept (held and
    missed), whatever the verdict; ``policy`` must have a live version."""
    version = cast(PolicyVersion, policy.live_version)
    rule = version_rule(version)
    wanted = set(rule.facts) | {"county_id"} | formula_facts(formula_resolved(version))
    facts = enterprise_facts(enterprise_id, wanted)
    labels = fact_labels(registry_fact_choices())
    eligibility = eligibility_explain(rule, facts, labels=labels, county_names=county_name_map())
    match = _match(policy, version, eligibility)
    if eligibility.status not in (ELIGIBLE, INELIGIBLE):
        match.missing = _missing_names(eligibility, labels)
    if eligibility.status != ELIGIBLE:
        match.reasons += held_within_failing(rule, facts, labels=labels)
    if eligibility.status in (ELIGIBLE, INELIGIBLE):
        match.benefit, match.benefit_assumed = benefit_estimate(version, facts)
    return match


def status_label(status: str) -> str:
    """The verdict in words."""
    return {
        ELIGIBLE: _("符合条件"),
        INELIGIBLE: _("暂不符合"),
    }.get(status, _("数据不全，无法判断"))
