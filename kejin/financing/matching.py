"""Matching (融资对接匹配): for one demand, the eligible published products, ranked by a
documented score, each with why it matches, and the near misses with what fails.

How a demand is matched (built for 5,000 products in well under 100 ms):

1. **Prefilter in SQL** (one query): published products with a live version, of the
   demand's preferred types (all types when it names none), serving the demand's county
   (or the whole city), whose amount and term ranges come within ``NEAR_FACTOR`` of the
   demand's — closer ones can be near misses, farther ones are not shown at all. Numbers
   come as floats and rules as JSON text, so no row is decoded one value at a time.
2. **The enterprise's facts once** (``kejin.financing.eligibility.enterprise_facts``: the
   facts frame for one enterprise, only the sources the rules read).
3. **Each distinct rule once**: products share eligibility rules (one template, a few
   thresholds); each distinct (document, parameters, stages, labels) is compiled once per
   process and explained once per call.
4. **The demand's own tests** per product (amount, term, rate, collateral, guarantee), and
   the score.
5. **Service scores** (``kejin.financing.service_record``) cached ``SERVICE_CACHE_SECONDS``.

The score (0–100) is the weighted mean of components in [0, 1] (``WEIGHTS``):

- ``amount`` (0.20): the demand's amount within the product's range scores 0.6 at an end of
  the range and 1.0 at its middle (on a log scale: 10万–1000万 has its middle at 100万).
- ``term`` (0.15): the same for the term in months.
- ``rate`` (0.20): half the share of the product's rate range at or under the demand's
  ``max_rate`` (1 when the demand sets none), half how cheap its lowest rate is
  (``1 − rate_min / RATE_SCALE``). Premium-priced products (insurance) are not held to an
  interest rate: their share is 1.
- ``type`` (0.15): the demand's first preferred type 1.0, its second 0.8, its third 0.6…;
  0.5 when the demand names no type.
- ``county`` (0.05): a product that names the county 1.0, one for the whole city 0.8.
- ``service`` (0.15): the institution's service record (claim rate and decisions on time).
- ``grade`` (0.10): the enterprise's credit grade from the credit module (AAA 1.0 … C 0.0);
  when there is none the component is left out and the other weights are scaled up.

A product is **eligible** when every test holds: amount and term within range, its lowest
rate not above the demand's highest acceptable rate, one of the collateral kinds it takes
offered (when it takes collateral), a guarantor accepted (when it needs one), and its
eligibility rule (``kejin.financing.eligibility``) qualified. A **near miss** fails at most
``NEAR_MISS_FAILURES`` of them, or its rule cannot be judged for missing facts; it is shown
with what fails. ``products_for_enterprise`` is the same without a demand (only the rule,
county and record count). ``demand_route_candidates`` gives routing its institutions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, FloatField, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from kejin.core.models import Region
from kejin.core.money import format_yuan
from kejin.financing.choices import (
    PREMIUM_PRICED,
    CollateralKind,
    ProductType,
)
from kejin.financing.eligibility import (
    CREDIT_GRADE,
    ELIGIBLE,
    INELIGIBLE,
    UNKNOWN,
    Eligibility,
    eligibility_explain,
    enterprise_facts,
    fact_labels,
    product_rule,
    rule_facts,
)
from kejin.financing.models import DemandCollateral, Product, ProductVersion
from kejin.financing.routing import ROUTE_LIMIT, RouteCandidate
from kejin.financing.service_record import institution_service_scores
from kejin.rules.ruleset import NOT_QUALIFIED, QUALIFIED, QUALIFIED_DIRECT

WEIGHTS = {
    "amount": 0.20,
    "term": 0.15,
    "rate": 0.20,
    "type": 0.15,
    "county": 0.05,
    "service": 0.15,
    "grade": 0.10,
}
#: Components that need a demand (left out of "products for me").
DEMAND_COMPONENTS = ("amount", "term", "rate", "type")
#: Amount and term ranges this many times away from the demand's still give near misses.
NEAR_FACTOR = 2.0
#: A product failing at most this many tests is a near miss.
NEAR_MISS_FAILURES = 2
#: The rate that counts as dear (percent a year) in the rate component.
RATE_SCALE = 12.0
#: How long an institution's service score is kept in the cache.
SERVICE_CACHE_SECONDS = 300
#: Credit grades, best first (the credit module's scale).
GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
#: How many matches and near misses a page or the API shows.
SHOWN = 20


@dataclass
class Candidate:
    """One published product's live terms, as the prefilter reads them."""

    product_id: int
    name: str
    product_type: str
    institution_id: int
    institution_name: str
    amount_min: float
    amount_max: float
    term_min: int
    term_max: int
    rate_min: float
    rate_max: float
    collateral_kinds: tuple[str, ...]
    guarantee_required: bool
    rule_key: tuple
    local: bool


@dataclass
class Match:
    """A product for a demand (or an enterprise): its score, components, why it matches
    and, for a near miss, what fails."""

    product_id: int
    product_name: str
    product_type: str
    institution_id: int
    institution_name: str
    score: Decimal
    components: dict[str, float | None]
    reasons: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rank: int = 0
    candidate: Candidate | None = None
    eligibility: Eligibility | None = None

    @property
    def product_type_label(self) -> str:
        return str(ProductType(self.product_type).label)


@dataclass
class MatchResult:
    """The ranked matches and near misses of a demand (or an enterprise)."""

    matches: list[Match]
    near_misses: list[Match]
    considered: int
    eligible_count: int
    grade: str | None = None


# --- the score -------------------------------------------------------------------------------


def range_fit(value: float, low: float, high: float) -> float:
    """0.6 at an end of [low, high], 1.0 at its middle on a log scale (in range only)."""
    if high <= low or low <= 0:
        return 1.0
    middle = (math.log(low) + math.log(high)) / 2
    half = (math.log(high) - math.log(low)) / 2
    distance = min(1.0, abs(math.log(value) - middle) / half)
    return 1.0 - 0.4 * distance


def rate_fit(candidate: Candidate, max_rate: float | None) -> float:
    """Half the share of the rate range under ``max_rate``, half the cheapness."""
    cheap = max(0.0, 1.0 - candidate.rate_min / RATE_SCALE)
    if (
        max_rate is None
        or candidate.product_type in PREMIUM_PRICED
        or candidate.rate_max <= max_rate
    ):
        share = 1.0
    elif candidate.rate_max == candidate.rate_min:
        share = 0.0
    else:
        share = max(
            0.0, (max_rate - candidate.rate_min) / (candidate.rate_max - candidate.rate_min)
        )
    return 0.5 * share + 0.5 * cheap


def type_fit(product_type: str, preferred: list[str]) -> float:
    """1.0 for the first preferred type, 0.2 less for each next; 0.5 without preferences."""
    if not preferred:
        return 0.5
    if product_type not in preferred:
        return 0.0
    return max(0.2, 1.0 - 0.2 * preferred.index(product_type))


def grade_fit(grade: str | None) -> float | None:
    """AAA 1.0 … C 0.0; None when the enterprise has no grade."""
    if grade not in GRADES:
        return None
    return 1.0 - GRADES.index(grade) / (len(GRADES) - 1)


def weighted_score(components: Mapping[str, float | None]) -> Decimal:
    """The weighted mean (0–100) of the known components, weights scaled to what is known."""
    known = {k: v for k, v in components.items() if v is not None}
    total = sum(WEIGHTS[k] for k in known)
    if not total:
        return Decimal("0.00")
    value = 100 * sum(WEIGHTS[k] * v for k, v in known.items()) / total
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- reading ---------------------------------------------------------------------------------


def _published_candidates(
    *,
    county_id: int | None,
    types: Iterable[str] = (),
    amount: float | None = None,
    term: int | None = None,
    product_ids: Iterable[int] | None = None,
) -> list[Candidate]:
    """The published products that could match (see the module docstring, step 1)."""
    through = ProductVersion.counties.through
    names_any = Exists(through.objects.filter(productversion_id=OuterRef("live_version_id")))
    names_county = Exists(
        through.objects.filter(productversion_id=OuterRef("live_version_id"), region_id=county_id)
    )
    queryset = Product.objects.published().annotate(names_any=names_any, local=names_county)
    queryset = queryset.filter(Q(names_any=False) | Q(local=True))
    types = list(types)
    if types:
        queryset = queryset.filter(product_type__in=types)
    if product_ids is not None:
        queryset = queryset.filter(pk__in=list(product_ids))
    if amount is not None:
        queryset = queryset.filter(
            live_version__amount_min__lte=Decimal(str(round(amount * NEAR_FACTOR, 2))),
            live_version__amount_max__gte=Decimal(str(round(amount / NEAR_FACTOR, 2))),
        )
    if term is not None:
        queryset = queryset.filter(
            live_version__term_min_months__lte=int(term * NEAR_FACTOR),
            live_version__term_max_months__gte=int(term / NEAR_FACTOR),
        )
    version = "live_version__"
    rows = queryset.order_by().values_list(
        "pk",
        "name",
        "product_type",
        "institution_id",
        "institution__name",
        Cast(F(version + "amount_min"), FloatField()),
        Cast(F(version + "amount_max"), FloatField()),
        version + "term_min_months",
        version + "term_max_months",
        Cast(F(version + "rate_min"), FloatField()),
        Cast(F(version + "rate_max"), FloatField()),
        Cast(F(version + "collateral_kinds"), TextField()),
        version + "guarantee_required",
        Cast(F(version + "document"), TextField()),
        Cast(F(version + "parameters"), TextField()),
        Cast(F(version + "tiers"), TextField()),
        Cast(F(version + "labels"), TextField()),
        "local",
    )
    lists: dict[str | None, tuple] = {}

    def as_tuple(text: str | None) -> tuple:
        if text not in lists:
            import json

            value = json.loads(text) if text else None
            lists[text] = tuple(value) if isinstance(value, list) else ()
        return lists[text]

    candidates = []
    for row in rows:
        document = row[13] if row[13] not in (None, "null") else None
        parameters = row[14] if row[14] not in (None, "null", "{}") else None
        candidates.append(
            Candidate(
                product_id=row[0],
                name=row[1],
                product_type=row[2],
                institution_id=row[3],
                institution_name=row[4],
                amount_min=row[5],
                amount_max=row[6],
                term_min=row[7],
                term_max=row[8],
                rate_min=row[9],
                rate_max=row[10],
                collateral_kinds=as_tuple(row[11]),
                guarantee_required=row[12],
                rule_key=(document, parameters, (), as_tuple(row[15]), as_tuple(row[16])),
                local=row[17],
            )
        )
    return candidates


def service_scores(institution_ids: Iterable[int]) -> dict[int, float]:
    """Institutions' service scores, from the cache when computed in the last
    ``SERVICE_CACHE_SECONDS`` (two queries for the others)."""
    ids = set(institution_ids)
    keys = {f"financing:service:{pk}": pk for pk in ids}
    cached = cache.get_many(list(keys))
    scores = {keys[key]: value for key, value in cached.items()}
    missing = ids - set(scores)
    if missing:
        fresh = institution_service_scores(missing)
        cache.set_many(
            {f"financing:service:{pk}": v for pk, v in fresh.items()}, SERVICE_CACHE_SECONDS
        )
        scores.update(fresh)
    return scores


# --- matching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Want:
    """What a demand asks for (None: matching an enterprise without a demand)."""

    amount: float
    term: int
    max_rate: float | None
    preferred: list[str]
    collateral: frozenset[str]
    guarantor_ok: bool


def demand_match(*, demand, shown: int = SHOWN) -> MatchResult:
    """The demand's eligible products ranked, and its near misses (module docstring).

    ``demand`` is a Demand; the caller has checked that the user may see it."""
    collateral = frozenset(
        DemandCollateral.objects.filter(demand_id=demand.pk).values_list("kind", flat=True)
    )
    want = _Want(
        amount=float(demand.amount),
        term=int(demand.term_months),
        max_rate=None if demand.max_rate is None else float(demand.max_rate),
        preferred=list(demand.preferred_types or []),
        collateral=collateral,
        guarantor_ok=bool(demand.guarantor_ok),
    )
    candidates = _published_candidates(
        county_id=demand.county_id, types=want.preferred, amount=want.amount, term=want.term
    )
    return _rank(candidates, enterprise_id=demand.enterprise_id, want=want, shown=shown)


def products_for_enterprise(*, enterprise, shown: int = SHOWN) -> MatchResult:
    """ "Products for me": the products the enterprise is eligible for without a demand
    (its rule, county and the record; amount, term, rate and type are not scored)."""
    candidates = _published_candidates(county_id=enterprise.county_id)
    return _rank(candidates, enterprise_id=enterprise.pk, want=None, shown=shown)


def demand_route_candidates(
    *, demand, limit: int = ROUTE_LIMIT, exclude_institutions: Iterable[int] = ()
) -> list[RouteCandidate]:
    """The institutions of the demand's best eligible matches, best first, one per
    institution (its best product), at most ``limit``; ``exclude_institutions`` (e.g. one
    that rejected it, for a referral) are skipped."""
    excluded = set(exclude_institutions)
    result = demand_match(demand=demand, shown=0)
    chosen: list[RouteCandidate] = []
    seen: set[int] = set()
    for match in result.matches:
        if match.institution_id in excluded or match.institution_id in seen:
            continue
        seen.add(match.institution_id)
        chosen.append(RouteCandidate(match.institution_id, match.product_id, match.score))
        if len(chosen) >= limit:
            break
    return chosen


def _tests(candidate: Candidate, want: _Want) -> list[str]:
    """Which of the demand's own tests the product fails (codes)."""
    failed = []
    if not candidate.amount_min <= want.amount <= candidate.amount_max:
        failed.append("amount")
    if not candidate.term_min <= want.term <= candidate.term_max:
        failed.append("term")
    if (
        want.max_rate is not None
        and candidate.product_type not in PREMIUM_PRICED
        and candidate.rate_min > want.max_rate
    ):
        failed.append("rate")
    if candidate.collateral_kinds and not (want.collateral & set(candidate.collateral_kinds)):
        failed.append("collateral")
    if candidate.guarantee_required and not want.guarantor_ok:
        failed.append("guarantee")
    return failed


def _rank(
    candidates: list[Candidate], *, enterprise_id: int, want: _Want | None, shown: int
) -> MatchResult:
    rules = {c.rule_key: product_rule(*c.rule_key) for c in candidates}
    facts = enterprise_facts(enterprise_id, rule_facts(rules.values()) | {CREDIT_GRADE})
    grade = facts.get(CREDIT_GRADE)
    statuses = {key: _status(rule, facts) for key, rule in rules.items()}
    scores = service_scores({c.institution_id for c in candidates})
    graded = grade_fit(grade)
    eligible: list[tuple[Decimal, Candidate, dict]] = []
    near: list[tuple[int, Decimal, Candidate, dict, list[str]]] = []
    for candidate in candidates:
        status, rule_fails = statuses[candidate.rule_key]
        failed = _tests(candidate, want) if want is not None else []
        components: dict[str, float | None] = {
            "county": 1.0 if candidate.local else 0.8,
            "service": scores.get(candidate.institution_id, 0.5),
            "grade": graded,
        }
        if want is not None:
            components["amount"] = (
                range_fit(want.amount, candidate.amount_min, candidate.amount_max)
                if "amount" not in failed
                else 0.0
            )
            components["term"] = (
                range_fit(want.term, candidate.term_min, candidate.term_max)
                if "term" not in failed
                else 0.0
            )
            components["rate"] = rate_fit(candidate, want.max_rate)
            components["type"] = type_fit(candidate.product_type, want.preferred)
        score = weighted_score(components)
        if status == ELIGIBLE and not failed:
            eligible.append((score, candidate, components))
        elif len(failed) + rule_fails <= NEAR_MISS_FAILURES:
            # Fewest failures first, then the score.
            near.append((len(failed) + rule_fails, score, candidate, components, failed))
    eligible.sort(key=lambda item: (-item[0], item[1].product_id))
    near.sort(key=lambda item: (item[0], -item[1], item[2].product_id))
    labels = fact_labels() if shown else {}
    counties = dict(Region.objects.values_list("pk", "name")) if shown else {}
    matches = []
    for rank, (score, candidate, components) in enumerate(eligible, start=1):
        match = _match(candidate, score, components, rank)
        if rank <= shown:
            match.eligibility = eligibility_explain(
                rules[candidate.rule_key], facts, labels=labels, county_names=counties
            )
            match.reasons = _reasons(candidate, want, components, grade, match.eligibility)
        matches.append(match)
    near_misses = []
    for _fails, score, candidate, components, failed in near[:shown]:
        match = _match(candidate, score, components, 0)
        match.eligibility = eligibility_explain(
            rules[candidate.rule_key], facts, labels=labels, county_names=counties
        )
        match.failures = _failures(candidate, want, failed, match.eligibility)
        match.reasons = _reasons(candidate, want, components, grade, match.eligibility)
        near_misses.append(match)
    return MatchResult(matches, near_misses, len(candidates), len(eligible), grade)


def _status(rule, facts: Mapping[str, Any]) -> tuple[str, int]:
    """The rule's verdict for the enterprise and how many of its clauses fail (an unknown
    verdict counts as one)."""
    if not facts:
        return UNKNOWN, 1
    explanation = rule.explain(dict(facts))
    if explanation.status in (QUALIFIED, QUALIFIED_DIRECT):
        return ELIGIBLE, 0
    if explanation.status != NOT_QUALIFIED:
        return UNKNOWN, 1
    failing = sum(c.met is False for c in explanation.conditions)
    passed = explanation.passed
    return INELIGIBLE, max(1, failing + (passed is not None and passed.met is False))


def _match(candidate: Candidate, score: Decimal, components: dict, rank: int) -> Match:
    return Match(
        product_id=candidate.product_id,
        product_name=candidate.name,
        product_type=candidate.product_type,
        institution_id=candidate.institution_id,
        institution_name=candidate.institution_name,
        score=score,
        components=components,
        rank=rank,
        candidate=candidate,
    )


def _yuan(value: float) -> str:
    return format_yuan(Decimal(str(round(value, 2))))


def _percent(value: float) -> str:
    return f"{Decimal(str(round(value, 3))).normalize():f}%"


def _reasons(
    candidate: Candidate,
    want: _Want | None,
    components: Mapping[str, float | None],
    grade: str | None,
    eligibility: Eligibility,
) -> list[str]:
    """Why the product matches, in words: each test that holds and each score component."""
    reasons: list[str] = []
    if want is not None:
        if candidate.amount_min <= want.amount <= candidate.amount_max:
            reasons.append(
                _("融资金额 %(amount)s 在产品额度 %(low)s–%(high)s 之内")
                % {
                    "amount": _yuan(want.amount),
                    "low": _yuan(candidate.amount_min),
                    "high": _yuan(candidate.amount_max),
                }
            )
        if candidate.term_min <= want.term <= candidate.term_max:
            reasons.append(
                _("期限 %(term)s 个月在产品期限 %(low)s–%(high)s 个月之内")
                % {"term": want.term, "low": candidate.term_min, "high": candidate.term_max}
            )
        if candidate.product_type in PREMIUM_PRICED:
            reasons.append(
                _("费率 %(low)s–%(high)s")
                % {"low": _percent(candidate.rate_min), "high": _percent(candidate.rate_max)}
            )
        elif want.max_rate is not None and candidate.rate_min <= want.max_rate:
            reasons.append(
                _("利率 %(low)s–%(high)s，最低利率不高于可接受的 %(max)s")
                % {
                    "low": _percent(candidate.rate_min),
                    "high": _percent(candidate.rate_max),
                    "max": _percent(want.max_rate),
                }
            )
        elif want.max_rate is None:
            reasons.append(
                _("利率 %(low)s–%(high)s")
                % {"low": _percent(candidate.rate_min), "high": _percent(candidate.rate_max)}
            )
        if candidate.product_type in want.preferred:
            reasons.append(
                _("属于意向产品类型：%(type)s")
                % {"type": ProductType(candidate.product_type).label}
            )
        if candidate.collateral_kinds and want.collateral & set(candidate.collateral_kinds):
            kinds = [
                CollateralKind(k).label
                for k in sorted(want.collateral & set(candidate.collateral_kinds))
            ]
            reasons.append(
                _("可提供产品接受的抵质押物：%(kinds)s") % {"kinds": "、".join(map(str, kinds))}
            )
        if candidate.guarantee_required and want.guarantor_ok:
            reasons.append(_("接受担保机构介入（产品需要担保）"))
    reasons.append(_("产品服务本县(市、区)") if candidate.local else _("产品服务全市"))
    service = components.get("service")
    if service is not None:
        reasons.append(
            _("机构服务记录评分 %(score)s（认领率与按时审批）") % {"score": f"{service * 100:.0f}"}
        )
    if grade in GRADES:
        reasons.append(_("企业信用等级 %(grade)s") % {"grade": grade})
    reasons += [clause.text for clause in eligibility.holding]
    return reasons


def _failures(
    candidate: Candidate, want: _Want | None, failed: list[str], eligibility: Eligibility
) -> list[str]:
    """What fails, in words, with the gap."""
    texts: list[str] = []
    if want is not None:
        for code in failed:
            if code == "amount":
                texts.append(
                    _("融资金额 %(amount)s，产品额度为 %(low)s–%(high)s")
                    % {
                        "amount": _yuan(want.amount),
                        "low": _yuan(candidate.amount_min),
                        "high": _yuan(candidate.amount_max),
                    }
                )
            elif code == "term":
                texts.append(
                    _("期限 %(term)s 个月，产品期限为 %(low)s–%(high)s 个月")
                    % {"term": want.term, "low": candidate.term_min, "high": candidate.term_max}
                )
            elif code == "rate":
                texts.append(
                    _("产品最低利率 %(low)s，高于可接受的最高利率 %(max)s")
                    % {"low": _percent(candidate.rate_min), "max": _percent(want.max_rate or 0)}
                )
            elif code == "collateral":
                kinds = "、".join(str(CollateralKind(k).label) for k in candidate.collateral_kinds)
                texts.append(_("产品要求提供以下抵质押物之一：%(kinds)s") % {"kinds": kinds})
            elif code == "guarantee":
                texts.append(_("产品需要担保机构介入，需求未接受担保"))
    if eligibility.status == UNKNOWN and eligibility.missing_facts:
        labels = fact_labels()
        names = "、".join(labels[n].label if n in labels else n for n in eligibility.missing_facts)
        texts.append(_("缺少数据，无法判断：%(facts)s") % {"facts": names})
    texts += [clause.text for clause in eligibility.failing if clause.met is False]
    return texts
