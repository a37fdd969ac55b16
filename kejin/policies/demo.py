"""Policies demo data for ``manage.py demo_data`` (after financing's): categories, the demo
policies of ``kejin.policies.demo_specs`` (published ones with an active live version whose
worked cases pass, two drafts, one expired) with their history and subscriptions, then the
records of ``kejin.policies.demo_records`` (tech-insurance policies of the demo insurer
``insurer_officer``, applications in every status, a group scheme, the risk compensation
fund and its ledger).

**Demo records**: the policies are made up in the style of Jiaxing's documents. Rows are
written directly (not through the services, and **not audited**: they stand for history
before the platform), each consistent with its model's docstring and constraints; every
version's worked cases are run through the activation gate's check
(``rule_version_check_cases``) before it is written active. Seeded and idempotent:
categories are keyed by code, policies by title, insurance policies by insurer and number, applications by policy, enterprise and period, the group scheme and the
fund by name — a second run creates nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kejin.accounts.models import User
from kejin.core.models import Region
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import rule_version_check_cases
from kejin.policies.choices import PolicyAction, PolicyStatus
from kejin.policies.demo_records import RecordsDemoCounts, demo_policy_records
from kejin.policies.demo_specs import CATEGORIES, POLICY_SPECS, PolicySpec
from kejin.policies.models import (
    Policy,
    PolicyCategory,
    PolicyEvent,
    PolicySubscription,
    PolicyVersion,
)


@dataclass(frozen=True)
class PoliciesDemoCounts:
    """What the policies demo holds after a run (not only what this run created)."""

    published: int
    drafts: int
    expired: int
    records: RecordsDemoCounts


def demo_categories() -> dict[str, PolicyCategory]:
    """The categories, by code (created once, names kept as they are afterwards)."""
    found = {c.code: c for c in PolicyCategory.objects.filter(code__in=[c[0] for c in CATEGORIES])}
    for order, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        if code not in found:
            found[code] = PolicyCategory.objects.create(
                code=code, name=name, name_en=name_en, order=order * 10
            )
    return found


def _version(spec: PolicySpec, policy: Policy, *, region, status: str, at, actor) -> PolicyVersion:
    version = PolicyVersion(
        policy=policy,
        version="1",
        valid_from=spec.valid_from,
        valid_to=spec.valid_to if status != RuleVersionStatus.DRAFT else None,
        reference=spec.reference,
        parameters=spec.parameters,
        document=spec.document(),
        worked_cases=spec.worked_cases(),
        status=status,
        created_by=actor,
        activated_by=actor if status != RuleVersionStatus.DRAFT else None,
        activated_at=at if status != RuleVersionStatus.DRAFT else None,
        tiers=list(spec.tiers),
        labels=list(spec.labels),
        benefit_formula=spec.formula,
        benefit_reference=spec.benefit_reference,
        cap_per_enterprise_year=_yuan(spec.cap_per_enterprise_year),
        cap_per_loan=_yuan(spec.cap_per_loan),
        cap_per_institution_year=_yuan(spec.cap_per_institution_year),
        budget=_yuan(spec.budget),
        inputs=list(spec.inputs),
        period=spec.period,
        notes="首个版本。",
    )
    version.save()
    if region is not None:
        version.counties.set([region])
        for one in version.worked_cases:  # the cases are the county's enterprises
            one["facts"].setdefault("county_id", region.pk)
        version.save(update_fields=["worked_cases"])
    if version.needs_worked_cases:
        rule_version_check_cases(version)  # the activation gate: every worked case passes
    return version


def _yuan(amount: int | None) -> Decimal | None:
    return None if amount is None else Decimal(amount)


def _event(policy, version, action, from_status, to_status, actor, at) -> PolicyEvent:
    return PolicyEvent(
        policy=policy,
        version=version,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        at=at,
    )


def _write_policy(
    spec: PolicySpec, *, categories, regions: dict[str, Region], actor, now
) -> Policy:
    published_at = now - datetime.timedelta(days=spec.published_days_ago)
    drafted_at = published_at - datetime.timedelta(days=14)
    region = regions[spec.county] if spec.county else None
    policy = Policy.objects.create(
        title=spec.title,
        doc_number=spec.doc_number,
        issuers=list(spec.issuers),
        region=region,
        summary=spec.summary,
        full_text=spec.full_text(),
        scheme=spec.scheme,
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        status=spec.status,
        published_at=published_at if spec.status != PolicyStatus.DRAFT else None,
        created_by=actor,
    )
    policy.categories.set([categories[code] for code in spec.categories])
    statuses: dict[str, str] = {
        PolicyStatus.PUBLISHED: RuleVersionStatus.ACTIVE,
        PolicyStatus.DRAFT: RuleVersionStatus.DRAFT,
        PolicyStatus.EXPIRED: RuleVersionStatus.RETIRED,
    }
    status = statuses[spec.status]
    version = _version(spec, policy, region=region, status=status, at=published_at, actor=actor)
    events = [
        _event(policy, version, PolicyAction.CREATE, "", PolicyStatus.DRAFT, actor, drafted_at)
    ]
    if spec.status != PolicyStatus.DRAFT:
        events.append(
            _event(
                policy,
                version,
                PolicyAction.PUBLISH,
                PolicyStatus.DRAFT,
                PolicyStatus.PUBLISHED,
                actor,
                published_at,
            )
        )
    if spec.status == PolicyStatus.PUBLISHED:
        policy.live_version = version
        policy.save(update_fields=["live_version"])
    if spec.status == PolicyStatus.EXPIRED and spec.valid_to is not None:
        expired_at = timezone.make_aware(
            datetime.datetime.combine(spec.valid_to + datetime.timedelta(days=1), datetime.time(9))
        )
        events.append(
            _event(
                policy,
                version,
                PolicyAction.EXPIRE,
                PolicyStatus.PUBLISHED,
                PolicyStatus.EXPIRED,
                None,
                expired_at,
            )
        )
    PolicyEvent.objects.bulk_create(events)
    return policy


def demo_policy_rows(*, actor, now=None) -> dict[str, Policy]:
    """Write the demo policies not there yet (keyed by title); every demo policy by title."""
    now = now or timezone.now()
    categories = demo_categories()
    regions = {
        r.code: r
        for r in Region.objects.filter(code__in=[s.county for s in POLICY_SPECS if s.county])
    }
    existing = {
        p.title: p for p in Policy.objects.filter(title__in=[s.title for s in POLICY_SPECS])
    }
    for spec in POLICY_SPECS:
        if spec.title not in existing:
            existing[spec.title] = _write_policy(
                spec, categories=categories, regions=regions, actor=actor, now=now
            )
    return existing


def demo_subscriptions(*, enterprises: list, categories: dict[str, PolicyCategory]) -> None:
    """The demo enterprise follows insurance, IP and R&D; a few others one category each."""
    wanted = [(enterprises[0], categories[c]) for c in ("tech_insurance", "ip", "rd")]
    codes = ["listing", "startup", "loans", "talent", "tech_insurance"]
    wanted += [(e, categories[c]) for e, c in zip(enterprises[1:6], codes, strict=False)]
    have = set(
        PolicySubscription.objects.filter(enterprise__in=[e for e, _c in wanted]).values_list(
            "enterprise_id", "category_id"
        )
    )
    PolicySubscription.objects.bulk_create(
        [
            PolicySubscription(enterprise=e, category=c)
            for e, c in wanted
            if (e.pk, c.pk) not in have
        ]
    )


@transaction.atomic
def demo_policies(*, rng: random.Random, enterprises: list) -> PoliciesDemoCounts:
    """Everything of the policies demo (see the module docstring). Needs the demo users
    (``city_officer`` drafts and decides, ``enterprise_admin``'s enterprise applies most,
    ``insurer_officer`` writes the tech insurance) and financing's demo loans (defaulted
    ones are claimed on the fund)."""
    city = User.objects.get(username="city_officer")
    enterprise_user = User.objects.get(username="enterprise_admin")
    own = enterprise_user.enterprise
    ordered = [own, *(e for e in enterprises if e.pk != own.pk)] if own else list(enterprises)
    policies = demo_policy_rows(actor=city)
    demo_subscriptions(enterprises=ordered, categories=demo_categories())
    insurer_user = User.objects.select_related("institution").get(username="insurer_officer")
    records = demo_policy_records(
        rng=random.Random(rng.getrandbits(64)),
        enterprises=ordered,
        policies=policies,
        officer=city,
        enterprise_user=enterprise_user,
        insurer_user=insurer_user,
    )
    counts = {
        status: Policy.objects.filter(title__in=list(policies), status=status).count()
        for status in PolicyStatus.values
    }
    return PoliciesDemoCounts(
        published=counts[PolicyStatus.PUBLISHED],
        drafts=counts[PolicyStatus.DRAFT],
        expired=counts[PolicyStatus.EXPIRED],
        records=records,
    )
