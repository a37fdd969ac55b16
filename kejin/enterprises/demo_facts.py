"""Seeded demo annual facts (2022–2024) and certificates for ``manage.py demo_data``.

Every demo enterprise gets one row of facts per year it existed (an enterprise founded in
2023 has 2023 and 2024; one founded in 2025 has none: a fiscal year before an enterprise
exists would be nonsense on its profile), each fact with ``FactSource.DEMO`` provenance as of
31 December. Values follow the enterprise's size class, age and industry: staff and revenue
per head by size and sector, tech-staff share and R&D intensity by sector, revenue growing
fast while young and slowly (sometimes shrinking) later, costs mostly below revenue, IP
accumulating year by year. About 15 % hold high-tech certificates (three-year batches issued
in December, renewed or lapsed), a few hold national awards, provincial R&D institutions or
led standards.

On top of that, a share of enterprises follow a deliberate **plan** (:class:`Plan`) so that
the 2024 evaluation shows every case an officer must be able to read: narrowly failing tech
SMEs (score 54–58; tech staff just under 10 %; just over one size limit), direct
qualification with a weak score, missing facts (undetermined), and growth-stage changes
between 2023 and 2024 (revenue crossing 2000万 or 2亿 either way). A plan whose result would
not be what it is for (a size limit its enterprise cannot meet, say) falls back to the
natural values.

Deterministic: each enterprise draws from its own generator seeded by ``rng_seed`` and its
USCC, so an enterprise gets the same facts whatever else is generated. The only input that
moves with the calendar is ``today``: a few high-tech certificates are dated to expire
within 90 days of it, so that the profile always has expiring certificates to flag.

Written with bulk upserts (facts by enterprise and year; certificates by enterprise, kind and
number), not audited — like the rest of the demo data (see ``kejin.enterprises.demo``).
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone

from kejin.enterprises.choices import CertificateKind, FactSource
from kejin.enterprises.facts import ANNUAL_FACTS
from kejin.enterprises.models import AnnualFacts, Certificate

YEARS = (2022, 2023, 2024)
WAN = 10_000
YI = 100_000_000
# The tech SME size limits (国科发政〔2017〕115号 第六条) and the start-up revenue line of the
# default growth stages: the lines the deliberate cases sit just either side of.
STAFF_LIMIT = 500
REVENUE_LIMIT = 2 * YI
ASSETS_LIMIT = 2 * YI
STARTUP_REVENUE_LIMIT = 2000 * WAN
HIGH_TECH_YEARS = 3  # a high-tech certificate is valid three years (国科发火〔2016〕32号 第十五条)
EXPIRING_WITHIN_DAYS = 90

FACT_NAMES = [fact.name for fact in ANNUAL_FACTS]
_MONEY = {fact.name for fact in ANNUAL_FACTS if fact.unit == "元"}
_EXCLUSIONS = {  # flag -> chance an enterprise-year has it on record
    "abnormal_operations_list": 0.012,
    "major_accident": 0.003,
    "serious_env_violation": 0.003,
    "serious_dishonesty_list": 0.002,
    "research_misconduct": 0.002,
    "prohibited_industry": 0.002,
}


class Plan(StrEnum):
    """What an enterprise's facts are shaped to show in the last year's evaluation."""

    NATURAL = "natural"  # what its size, age and industry give
    NARROW_SCORE = "narrow_score"  # within the limits, score 54–58
    NARROW_STAFF = "narrow_staff"  # strong score, tech staff just under 10 % (0 points)
    NARROW_SIZE = "narrow_size"  # strong score, just over one size limit
    DIRECT_WEAK = "direct_weak"  # valid high-tech certificate, score under 60
    MISSING = "missing"  # R&D expense, tech staff or staff not reported
    STARTUP_TO_GROWTH = "startup_to_growth"  # revenue crosses 2000万 in the last year
    GROWTH_TO_MATURE = "growth_to_mature"  # revenue crosses 2亿 upwards
    MATURE_TO_GROWTH = "mature_to_growth"  # revenue falls back under 2亿


# Chance of each plan; an enterprise the plan does not fit gets the natural values instead
# (the stage plans fit only some ages, so their weights are higher than their yield).
PLAN_WEIGHTS = {
    Plan.NARROW_SCORE: 0.07,
    Plan.NARROW_STAFF: 0.03,
    Plan.NARROW_SIZE: 0.04,
    Plan.DIRECT_WEAK: 0.05,
    Plan.MISSING: 0.05,
    Plan.STARTUP_TO_GROWTH: 0.12,
    Plan.GROWTH_TO_MATURE: 0.04,
    Plan.MATURE_TO_GROWTH: 0.03,
}
_WITHIN_LIMITS_PLANS = {
    Plan.NARROW_SCORE,
    Plan.NARROW_STAFF,
    Plan.DIRECT_WEAK,
    Plan.MISSING,
}


@dataclass(frozen=True)
class Sector:
    """How enterprises of a group of industries look (ranges are drawn uniformly)."""

    tech_share: tuple[float, float]  # tech staff / employees
    rd_intensity: tuple[float, float]  # R&D expense / revenue (drawn log-uniformly)
    revenue_per_head: float  # yuan per employee and year, small enterprise
    assets_to_revenue: tuple[float, float]
    ip1_per_head: float  # class-I IP in force per employee, mature enterprise
    ip2_per_head: float
    exporters: float  # share that export
    high_tech_income_share: tuple[float, float]  # of total income
    industrial: bool  # staff size classes of industry (else of services)
    holder_factor: float  # how likely it holds a high-tech certificate, relative


SECTORS = {
    "manufacturing": Sector(
        (0.08, 0.26), (0.015, 0.06), 550_000, (0.7, 1.5), 0.012, 0.12, 0.45, (0.15, 0.75), True, 0.9
    ),
    "high_tech_manufacturing": Sector(
        (0.12, 0.40), (0.03, 0.09), 600_000, (0.8, 1.6), 0.03, 0.10, 0.5, (0.4, 0.9), True, 1.3
    ),
    "software": Sector(
        (0.35, 0.80), (0.05, 0.18), 380_000, (0.4, 1.0), 0.008, 0.25, 0.08, (0.5, 0.95), False, 1.3
    ),
    "research": Sector(
        (0.40, 0.85), (0.08, 0.40), 280_000, (0.6, 1.6), 0.05, 0.10, 0.05, (0.5, 0.95), False, 1.4
    ),
    "tech_services": Sector(
        (0.20, 0.55), (0.03, 0.10), 300_000, (0.4, 1.0), 0.01, 0.10, 0.05, (0.3, 0.85), False, 0.9
    ),
}
# GB/T 4754-2017 divisions of the demo enterprises by sector (others: manufacturing).
DIVISION_SECTOR = {
    **dict.fromkeys(("27", "35", "38", "39", "40"), "high_tech_manufacturing"),
    **dict.fromkeys(("63", "64", "65"), "software"),
    "73": "research",
    **dict.fromkeys(("74", "75"), "tech_services"),
}
# Employees by size class in the last year (统计上大中小微型企业划分办法: industry; software
# and services), drawn log-uniformly.
EMPLOYEES = {
    True: {"micro": (4, 19), "small": (20, 299), "medium": (300, 999), "large": (1000, 4000)},
    False: {"micro": (3, 9), "small": (10, 99), "medium": (100, 299), "large": (300, 1500)},
}
_REVENUE_PER_HEAD_BY_SIZE = {"micro": 0.6, "small": 0.9, "medium": 1.1, "large": 1.3}
_HOLDER_CHANCE = {"micro": 0.04, "small": 0.15, "medium": 0.32, "large": 0.5}
_RD_INSTITUTION_CHANCE = {"micro": 0.0, "small": 0.03, "medium": 0.10, "large": 0.2}
_STANDARD_CHANCE = {"micro": 0.0, "small": 0.01, "medium": 0.05, "large": 0.12}
_AWARD_CHANCE = {"micro": 0.0, "small": 0.0, "medium": 0.01, "large": 0.04}

# Tech SME indicator bands (RULES.md), as the ranges the deliberate cases draw from: points
# -> [low, high). The rules themselves live in kejin/enterprises/recognition/.
_TECH_SHARE_BANDS = {
    20: (0.30, 0.60),
    16: (0.25, 0.30),
    12: (0.20, 0.25),
    8: (0.15, 0.20),
    4: (0.10, 0.15),
    0: (0.085, 0.10),  # "just under 10 %"
}
_RD_INTENSITY_BANDS = {
    50: (0.06, 0.11),
    40: (0.05, 0.06),
    30: (0.04, 0.05),
    20: (0.03, 0.04),
    10: (0.02, 0.03),
    0: (0.008, 0.02),
}
_IP_POINTS = (0, 6, 12, 18, 24, 30)
_NARROW_SCORES = [
    (t, r, p)
    for t in (4, 8, 12, 16, 20)
    for r in _RD_INTENSITY_BANDS
    for p in _IP_POINTS
    if 54 <= t + r + p <= 58
]

_STANDARD_PREFIX = {  # industry-standard series by division (else a national standard)
    **dict.fromkeys(("34", "35"), ("JB/T", "工业和信息化部")),
    **dict.fromkeys(("38", "39", "40", "63", "64", "65"), ("SJ/T", "工业和信息化部")),
    **dict.fromkeys(("17", "18", "28"), ("FZ/T", "工业和信息化部")),
    "26": ("HG/T", "工业和信息化部"),
    "27": ("YY/T", "国家药品监督管理局"),
    "36": ("QC/T", "工业和信息化部"),
}
_NATIONAL_STANDARD = ("GB/T", "国家市场监督管理总局 国家标准化管理委员会")
_HIGH_TECH_ISSUER = "浙江省科学技术厅 浙江省财政厅 国家税务总局浙江省税务局"
_RD_INSTITUTIONS = (
    ("浙江省科学技术厅", "浙科发高"),  # 省级高新技术企业研究开发中心 / 省级企业研究院
    ("浙江省经济和信息化厅", "浙经信技术"),  # 省级企业技术中心
)


@dataclass(frozen=True)
class DemoSubject:
    """What the generator needs to know about an enterprise."""

    key: str  # its stable identity (the USCC): seeds its own random stream
    founded_on: datetime.date
    size: str
    division: str
    registered_capital: float


@dataclass
class DemoFacts:
    """One enterprise's generated facts by year and its certificates."""

    plan: Plan
    years: dict[int, dict[str, Any]]  # year -> fact values (money in whole yuan)
    certificates: list[dict[str, Any]]  # kind, number, issuer, valid_from, valid_to


@dataclass
class _Year:
    """The drivers one year's facts are computed from (plans change these)."""

    employees: int
    revenue: float
    tech_share: float
    rd_intensity: float
    cost_ratio: float
    assets_ratio: float
    income_extra: float
    export_share: float
    high_tech_share: float
    tax_rate: float
    ip1: int
    ip2: int
    tech_staff: int | None = None  # exact count, when a plan needs a band
    zero_revenue: bool = False
    active: float = 1.0  # share of the year the enterprise existed
    assets_jitter: float = 1.0
    missing: set[str] = field(default_factory=set)
    flags: dict[str, bool] = field(default_factory=dict)


@dataclass
class _Traits:
    """Draws that stay with an enterprise across the years."""

    domestic_share: float
    key_field: bool | None
    innovation_score: int | None
    assets_floor: float
    zero_rd_per_head: float
    zero_cost_factor: float
    subsidy: float


# --- random helpers ----------------------------------------------------------------------


def _log_uniform(rnd: random.Random, low: float, high: float) -> float:
    return math.exp(rnd.uniform(math.log(low), math.log(high)))


def _poisson(rnd: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rnd.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rnd.random()
    while product > limit:
        k += 1
        product *= rnd.random()
    return k


def _in_band(count: int, staff: int, low: float, high: float) -> bool:
    # The rules engine compares ratios exactly (kejin.rules.expressions).
    return Fraction(str(low)) <= Fraction(count, staff) < Fraction(str(high))


def _tech_count(rnd: random.Random, staff: int, band: tuple[float, float]) -> tuple[int, int]:
    """(employees, tech staff) with the share in ``band``: nudges staff up until one fits."""
    low, high = band
    for employees in range(staff, staff + 60):
        fits = [
            k
            for k in range(math.ceil(low * employees) - 1, math.ceil(high * employees) + 1)
            if 0 <= k <= employees and _in_band(k, employees, low, high)
        ]
        if fits:
            return employees, rnd.choice(fits)
    raise AssertionError(f"no tech-staff count for {staff} staff in {band}")  # pragma: no cover


def _ip_for_points(rnd: random.Random, points: int) -> tuple[int, int]:
    """(class I, class II) IP counts worth ``points`` of the tech SME score."""
    if points == 30:
        return rnd.randint(1, 3), rnd.randint(0, 12)
    if points == 24:
        return 0, rnd.randint(4, 10)
    return 0, points // 6


# --- one enterprise ----------------------------------------------------------------------


def demo_enterprise_facts(
    subject: DemoSubject,
    *,
    rng_seed: int | str,
    years: tuple[int, ...] = YEARS,
    today: datetime.date,
) -> DemoFacts:
    """The facts and certificates of one enterprise (pure: touches no database)."""
    rnd = random.Random(f"{rng_seed}:facts:{subject.key}")
    sector = SECTORS[DIVISION_SECTOR.get(subject.division, "manufacturing")]
    years = tuple(sorted(years))
    present = [y for y in years if y >= subject.founded_on.year]
    traits = _traits(rnd, subject)
    drivers = _natural_years(rnd, subject, sector, present)
    plan = Plan.NATURAL
    if present and present[-1] == years[-1]:
        plan, drivers = _planned(rnd, subject, traits, drivers, years[-1])
    holder = plan in (Plan.NATURAL, Plan.NARROW_SIZE) and (
        subject.founded_on.year <= years[-1] - 2
        and rnd.random() < _HOLDER_CHANCE[subject.size] * sector.holder_factor
    )
    if holder or plan == Plan.DIRECT_WEAK:
        _strengthen_for_high_tech(rnd, drivers, traits, weak=plan == Plan.DIRECT_WEAK)
    for d in drivers.values():
        d.flags = {flag: True for flag, chance in _EXCLUSIONS.items() if rnd.random() < chance}
    certificates = []
    if holder or plan == Plan.DIRECT_WEAK:
        certificates += _high_tech_certificates(
            rnd, subject, years[-1], today=today, must_cover=plan == Plan.DIRECT_WEAK
        )
    if plan == Plan.NATURAL:
        certificates += _other_certificates(rnd, subject, holder, years[-1])
    facts = {year: _facts(d, traits) for year, d in drivers.items()}
    return DemoFacts(plan=plan, years=facts, certificates=certificates)


def _traits(rnd: random.Random, subject: DemoSubject) -> _Traits:
    roll = rnd.random()
    domestic = (
        1.0 if roll < 0.85 else rnd.uniform(0.9, 0.99) if roll < 0.95 else rnd.uniform(0.45, 0.7)
    )
    roll = rnd.random()
    key_field = True if roll < 0.65 else False if roll < 0.85 else None
    innovation = rnd.randint(50, 70) if rnd.random() < 0.06 else None
    return _Traits(
        domestic_share=domestic,
        key_field=key_field,
        innovation_score=innovation,
        assets_floor=subject.registered_capital * rnd.uniform(0.4, 0.9),
        zero_rd_per_head=rnd.uniform(80_000, 200_000),
        zero_cost_factor=rnd.uniform(1.4, 2.2),
        subsidy=rnd.uniform(5 * WAN, 80 * WAN) if rnd.random() < 0.3 else 0.0,
    )


def _growth(rnd: random.Random, age: int) -> float:
    """Revenue this year over last year for an enterprise ``age`` years old."""
    if rnd.random() < 0.1:
        return rnd.uniform(0.65, 0.9)  # a bad year
    mean, spread = (
        (1.35, 0.2)
        if age <= 3
        else (1.15, 0.15)
        if age <= 6
        else (1.06, 0.12)
        if age <= 12
        else (1.02, 0.1)
    )
    return math.exp(rnd.gauss(math.log(mean), spread))


def _natural_years(
    rnd: random.Random, subject: DemoSubject, sector: Sector, present: list[int]
) -> dict[int, _Year]:
    """Each present year's drivers: the last year from the size class, earlier ones back
    through the growth of each year; the founding year is partial."""
    if not present:
        return {}
    low, high = EMPLOYEES[sector.industrial][subject.size]
    staff = int(_log_uniform(rnd, low, high + 1))
    per_head = sector.revenue_per_head * _REVENUE_PER_HEAD_BY_SIZE[subject.size]
    revenue = staff * per_head * math.exp(rnd.gauss(0, 0.35))
    tech_share = rnd.uniform(*sector.tech_share)
    rd_intensity = _log_uniform(rnd, *sector.rd_intensity)
    margin = rnd.uniform(0.80, 0.95)
    assets_ratio = rnd.uniform(*sector.assets_to_revenue)
    export_share = rnd.uniform(0.05, 0.5) if rnd.random() < sector.exporters else 0.0
    high_tech_share = rnd.uniform(*sector.high_tech_income_share)
    tax_rate = rnd.uniform(0.02, 0.05)
    last_age = present[-1] - subject.founded_on.year
    maturity = min(1.0, (last_age + 1) / 12)
    ip1 = _poisson(rnd, sector.ip1_per_head * staff * maturity)
    ip2 = _poisson(rnd, sector.ip2_per_head * staff * maturity + 0.5)

    drivers: dict[int, _Year] = {}
    for year in reversed(present):
        age = year - subject.founded_on.year
        loss = rnd.random() < (0.35 if age <= 2 else 0.08)
        drivers[year] = _Year(
            employees=max(2, staff),
            revenue=revenue,
            tech_share=min(0.95, tech_share * math.exp(rnd.gauss(0, 0.05))),
            rd_intensity=rd_intensity * math.exp(rnd.gauss(0, 0.08)),
            cost_ratio=rnd.uniform(1.02, 1.35) if loss else margin * math.exp(rnd.gauss(0, 0.03)),
            assets_ratio=assets_ratio * math.exp(rnd.gauss(0, 0.05)),
            income_extra=rnd.uniform(0.0, 0.05),
            export_share=export_share * math.exp(rnd.gauss(0, 0.1)) if export_share else 0.0,
            high_tech_share=min(0.97, high_tech_share * math.exp(rnd.gauss(0, 0.05))),
            tax_rate=tax_rate * (0.4 if loss else 1.0),
            ip1=ip1,
            ip2=ip2,
            assets_jitter=math.exp(rnd.gauss(0, 0.05)),
        )
        growth = _growth(rnd, age)
        revenue /= growth
        staff = max(2, round(staff / growth**0.6))
        ip1 = max(0, ip1 - _poisson(rnd, ip1 * 0.15))
        ip2 = max(0, ip2 - _poisson(rnd, ip2 * 0.2))
    founding = drivers.get(subject.founded_on.year)
    if founding is not None:
        active = (datetime.date(subject.founded_on.year, 12, 31) - subject.founded_on).days + 1
        founding.active = min(1.0, active / 365)
        founding.revenue *= founding.active * rnd.uniform(0.3, 0.7)
        founding.employees = max(2, round(founding.employees * rnd.uniform(0.3, 0.7)))
        if sector.rd_intensity[0] >= 0.05 and rnd.random() < 0.2:
            founding.zero_revenue = True  # an R&D start-up with no sales yet
    return dict(sorted(drivers.items()))


# --- plans -------------------------------------------------------------------------------


def _planned(
    rnd: random.Random,
    subject: DemoSubject,
    traits: _Traits,
    drivers: dict[int, _Year],
    last: int,
) -> tuple[Plan, dict[int, _Year]]:
    """Draw a plan and apply it to a copy of the drivers; natural values if it does not fit."""
    roll, plan = rnd.random(), Plan.NATURAL
    for candidate, weight in PLAN_WEIGHTS.items():
        if roll < weight:
            plan = candidate
            break
        roll -= weight
    if plan == Plan.NATURAL:
        return plan, drivers
    planned = {year: _copy(d) for year, d in drivers.items()}
    apply = _PLANS[plan]
    if apply(rnd, subject, planned, last) and _fits(plan, planned, traits, last):
        return plan, planned
    return Plan.NATURAL, drivers


def _copy(d: _Year) -> _Year:
    return _Year(**{**d.__dict__, "missing": set(d.missing), "flags": dict(d.flags)})


def _set_score(rnd: random.Random, d: _Year, tech: int, rd: int, ip: int) -> None:
    """Set a year's drivers so the tech SME indicators give these points."""
    d.employees, d.tech_staff = _tech_count(rnd, d.employees, _TECH_SHARE_BANDS[tech])
    low, high = _RD_INTENSITY_BANDS[rd]
    d.rd_intensity = rnd.uniform(low + 0.0004, high - 0.0004)
    d.cost_ratio = max(d.cost_ratio, 0.8)  # keeps the cost ratio from scoring better
    d.zero_revenue = False
    d.ip1, d.ip2 = _ip_for_points(rnd, ip)


def _carry_back(rnd: random.Random, drivers: dict[int, _Year], last: int) -> None:
    """Earlier years close to the last year's shares (a share does not jump from 40 % to 9 %
    in a year), IP in force no more than now."""
    now = drivers[last]
    share = now.tech_staff / now.employees if now.tech_staff is not None else now.tech_share
    for year, d in drivers.items():
        if year != last:
            d.tech_share = min(0.95, share * math.exp(rnd.gauss(0, 0.06)))
            d.tech_staff = None
            d.rd_intensity = now.rd_intensity * math.exp(rnd.gauss(0, 0.08))
            d.cost_ratio = max(d.cost_ratio, 0.8)
            d.ip1, d.ip2 = min(d.ip1, now.ip1), min(d.ip2, now.ip2)


def _plan_narrow_score(rnd, subject, drivers, last) -> bool:
    _set_score(rnd, drivers[last], *rnd.choice(_NARROW_SCORES))
    _carry_back(rnd, drivers, last)
    return True


def _plan_narrow_staff(rnd, subject, drivers, last) -> bool:
    d = drivers[last]
    if d.employees < 11:
        return False
    _set_score(rnd, d, 0, rnd.choice((40, 50)), rnd.choice((24, 30)))
    _carry_back(rnd, drivers, last)
    return True


def _plan_narrow_size(rnd, subject, drivers, last) -> bool:
    d = drivers[last]
    which = "employees" if d.employees >= 150 else rnd.choice(("revenue", "assets"))
    if which == "employees":
        staff = rnd.randint(STAFF_LIMIT + 1, STAFF_LIMIT + 30)
        revenue = min(d.revenue * staff / d.employees, rnd.uniform(0.6, 1.9) * YI)
    else:
        staff = min(d.employees, rnd.randint(150, 480))
        if which == "revenue":
            revenue = rnd.uniform(1.003, 1.1) * REVENUE_LIMIT
        else:
            revenue = min(d.revenue, rnd.uniform(0.8, 1.9) * YI)
    _set_path(drivers, {last: (revenue, staff)})
    assets_cap = rnd.uniform(0.8, 0.98) * ASSETS_LIMIT
    d.assets_ratio = min(d.assets_ratio, assets_cap / d.revenue)
    if which == "assets":
        d.assets_ratio = rnd.uniform(1.003, 1.15) * ASSETS_LIMIT / d.revenue
    _set_score(rnd, d, rnd.choice((12, 16, 20)), rnd.choice((40, 50)), rnd.choice((24, 30)))
    _carry_back(rnd, drivers, last)
    return d.employees <= STAFF_LIMIT + 40


def _plan_direct_weak(rnd, subject, drivers, last) -> bool:
    # The weak score itself is set with the high-tech facts (_strengthen_for_high_tech).
    return subject.founded_on.year <= last - 2 and drivers[last].employees >= 10


def _plan_missing(rnd, subject, drivers, last) -> bool:
    d = drivers[last]
    # With the tech-staff score above 0 the missing R&D expense leaves the result open.
    d.tech_share = max(d.tech_share, rnd.uniform(0.12, 0.3))
    roll = rnd.random()
    if roll < 0.5:
        d.missing = {"rd_expense", "rd_expense_domestic"}
    elif roll < 0.8:
        d.missing = {"tech_staff"}
    else:
        d.missing = {"employees", "tech_staff"}
    return True


def _set_path(drivers: dict[int, _Year], values: dict[int, tuple[float, int]]) -> None:
    """Set revenue and staff of some years; earlier years scale with the earliest one set,
    so that growth into it stays what it was."""
    first = min(values)
    old = drivers[first]
    revenue_factor = values[first][0] / old.revenue if old.revenue else 1.0
    staff_factor = values[first][1] / old.employees
    for year, d in drivers.items():
        if year in values:
            d.revenue, d.employees = values[year]
            d.zero_revenue = False
        elif year < first:
            d.revenue *= revenue_factor
            d.employees = max(2, round(d.employees * staff_factor))


def _plan_startup_to_growth(rnd, subject, drivers, last) -> bool:
    # A start-up (≤ 5 years old at the end of the last year, a full year before it) whose
    # sales pass 2000万 in the last year.
    if not (datetime.date(last - 5, 12, 31) < subject.founded_on <= datetime.date(last - 2, 6, 30)):
        return False
    before, now = drivers[last - 1], drivers[last]
    staff = min(now.employees, rnd.randint(60, 300))
    _set_path(
        drivers,
        {
            last - 1: (
                rnd.uniform(0.65, 0.97) * STARTUP_REVENUE_LIMIT,
                min(before.employees, staff),
            ),
            last: (rnd.uniform(1.03, 1.6) * STARTUP_REVENUE_LIMIT, staff),
        },
    )
    for d in (before, now):
        d.assets_ratio = min(d.assets_ratio, 1.5)
    return True


def _established(subject: DemoSubject, last: int) -> bool:
    return subject.founded_on.year <= last - 7


def _plan_growth_to_mature(rnd, subject, drivers, last) -> bool:
    if not _established(subject, last):
        return False
    before = drivers[last - 1]
    staff = rnd.randint(250, 480)
    _set_path(
        drivers,
        {
            last - 1: (
                rnd.uniform(0.8, 0.98) * REVENUE_LIMIT,
                round(staff / rnd.uniform(1.0, 1.1)),
            ),
            last: (rnd.uniform(1.02, 1.3) * REVENUE_LIMIT, staff),
        },
    )
    before.assets_ratio = min(
        before.assets_ratio, rnd.uniform(0.6, 0.95) * ASSETS_LIMIT / before.revenue
    )
    return True


def _plan_mature_to_growth(rnd, subject, drivers, last) -> bool:
    if not _established(subject, last):
        return False
    now = drivers[last]
    staff = rnd.randint(250, 480)
    _set_path(
        drivers,
        {
            last - 1: (
                rnd.uniform(1.02, 1.25) * REVENUE_LIMIT,
                round(staff * rnd.uniform(1.0, 1.05)),
            ),
            last: (rnd.uniform(0.8, 0.98) * REVENUE_LIMIT, staff),
        },
    )
    now.assets_ratio = min(now.assets_ratio, rnd.uniform(0.6, 0.95) * ASSETS_LIMIT / now.revenue)
    return True


_PLANS = {
    Plan.NARROW_SCORE: _plan_narrow_score,
    Plan.NARROW_STAFF: _plan_narrow_staff,
    Plan.NARROW_SIZE: _plan_narrow_size,
    Plan.DIRECT_WEAK: _plan_direct_weak,
    Plan.MISSING: _plan_missing,
    Plan.STARTUP_TO_GROWTH: _plan_startup_to_growth,
    Plan.GROWTH_TO_MATURE: _plan_growth_to_mature,
    Plan.MATURE_TO_GROWTH: _plan_mature_to_growth,
}


def _within_limits(facts: dict) -> bool:
    return (
        facts["employees"] <= STAFF_LIMIT
        and facts["revenue"] <= REVENUE_LIMIT
        and facts["total_assets"] <= ASSETS_LIMIT
    )


def _fits(plan: Plan, drivers: dict[int, _Year], traits: _Traits, last: int) -> bool:
    """Whether the planned facts show what the plan is for (before any value is removed)."""
    now = _facts(_copy_without_missing(drivers[last]), traits)
    before_year = drivers.get(last - 1)
    before = _facts(before_year, traits) if before_year is not None else None
    if plan in _WITHIN_LIMITS_PLANS:
        return _within_limits(now) and now["revenue"] > 0
    if plan == Plan.NARROW_SIZE:
        over = [
            (value - limit) / limit
            for value, limit in (
                (now["employees"], STAFF_LIMIT),
                (now["revenue"], REVENUE_LIMIT),
                (now["total_assets"], ASSETS_LIMIT),
            )
            if value > limit
        ]
        return len(over) == 1 and over[0] <= 0.15
    if before is None:
        return False
    if plan == Plan.STARTUP_TO_GROWTH:
        return (
            before["revenue"] <= STARTUP_REVENUE_LIMIT < now["revenue"]
            and _within_limits(before)
            and _within_limits(now)
        )
    if plan == Plan.GROWTH_TO_MATURE:
        return _within_limits(before) and now["revenue"] > REVENUE_LIMIT
    if plan == Plan.MATURE_TO_GROWTH:
        return before["revenue"] > REVENUE_LIMIT and _within_limits(now)
    return True  # pragma: no cover


def _copy_without_missing(d: _Year) -> _Year:
    copy = _copy(d)
    copy.missing = set()
    return copy


# --- high-tech and other certificates ----------------------------------------------------


def _high_tech_required_intensity(revenue: float) -> float:
    """R&D / revenue a high-tech enterprise needs (国科发火〔2016〕32号 第十一条(五))."""
    return 0.05 if revenue <= 5000 * WAN else 0.04 if revenue <= REVENUE_LIMIT else 0.03


def _strengthen_for_high_tech(
    rnd: random.Random, drivers: dict[int, _Year], traits: _Traits, *, weak: bool
) -> None:
    """A certificate holder's facts meet the high-tech criteria (it was recognised on them).

    ``weak``: the last year still meets them narrowly but scores under 60 as a tech SME
    (tech staff 10–15 %, R&D at the high-tech minimum, one or two class-II IP).
    """
    traits.key_field = True
    traits.domestic_share = max(traits.domestic_share, 0.85)
    if traits.innovation_score is None or traits.innovation_score < 71:
        traits.innovation_score = rnd.randint(71, 92)
    last = max(drivers)
    for year, d in drivers.items():
        required = _high_tech_required_intensity(d.revenue)
        d.zero_revenue = False
        d.high_tech_share = max(d.high_tech_share, rnd.uniform(0.62, 0.9))
        if weak:
            d.employees, d.tech_staff = _tech_count(rnd, d.employees, _TECH_SHARE_BANDS[4])
            d.rd_intensity = required + rnd.uniform(0.001, 0.008)
            d.cost_ratio = max(d.cost_ratio, 0.8)
            d.ip1, d.ip2 = 0, rnd.randint(1, 2) if year == last else 1
        else:
            d.tech_share = max(d.tech_share, rnd.uniform(0.11, 0.2))
            d.rd_intensity = max(d.rd_intensity, required + rnd.uniform(0.003, 0.02))
            if d.ip1 + d.ip2 == 0:
                d.ip2 = rnd.randint(1, 4)


def _batch_day(year: int) -> datetime.date:
    """The day Zhejiang's December batch of high-tech certificates is dated in ``year``."""
    return datetime.date(year, 12, 1 + (year * 7) % 20)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _high_tech_certificates(
    rnd: random.Random,
    subject: DemoSubject,
    last: int,
    *,
    today: datetime.date,
    must_cover: bool,
) -> list[dict]:
    """A holder's chain of three-year certificates (renewed, or lapsed at some point).

    Most cover 31 December of ``last``; some lapsed before it (renewal not applied for). A
    few current ones are dated so they expire within 90 days of ``today``.
    """
    first_possible = max(subject.founded_on.year + 1, 2008)
    if must_cover or rnd.random() < 0.8:
        anchor = rnd.choice([y for y in range(last - 2, last + 1) if y >= first_possible])
    else:
        lapsed = [y for y in range(last - 6, last - 2) if y >= first_possible]
        if not lapsed:
            return []
        anchor = rnd.choice(lapsed)
    issued = [anchor]
    while issued[0] - HIGH_TECH_YEARS >= first_possible and rnd.random() < 0.75:
        issued.insert(0, issued[0] - HIGH_TECH_YEARS)
    covers_last = anchor >= last - 2
    while covers_last and _batch_day(issued[-1] + HIGH_TECH_YEARS) <= today and rnd.random() < 0.85:
        issued.append(issued[-1] + HIGH_TECH_YEARS)
    serial = rnd.randrange(1000, 9999)
    certificates: list[dict[str, Any]] = []
    for year in issued:
        valid_from = _batch_day(year)
        valid_to = _years_later(valid_from, HIGH_TECH_YEARS) - datetime.timedelta(days=1)
        if valid_to.year < last - 5:
            continue  # long expired: not part of the demo's window
        certificates.append(
            {
                "kind": CertificateKind.HIGH_TECH,
                "number": f"GR{year}33{serial:04d}{rnd.randrange(10, 99)}",
                "issuer": _HIGH_TECH_ISSUER,
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )
    current = certificates[-1] if certificates else None
    if current is not None and covers_last and current["valid_to"] > today and rnd.random() < 0.12:
        # Dated so that it falls due within 90 days of today: the renewal reminder case.
        valid_to = today + datetime.timedelta(days=rnd.randint(10, EXPIRING_WITHIN_DAYS - 5))
        valid_from = _years_later(valid_to + datetime.timedelta(days=1), -HIGH_TECH_YEARS)
        if abs((valid_from - current["valid_from"]).days) <= 400:
            current["valid_from"], current["valid_to"] = valid_from, valid_to
    return certificates


def _other_certificates(
    rnd: random.Random, subject: DemoSubject, holder: bool, last: int
) -> list[dict]:
    """Provincial R&D institutions, led standards and national awards: the other routes to
    direct tech SME qualification."""
    certificates = []
    first = max(subject.founded_on.year + 3, 2010)
    size = subject.size
    if first <= last and rnd.random() < _RD_INSTITUTION_CHANCE[size] * (1.5 if holder else 0.5):
        year = rnd.randint(first, last)
        issuer, prefix = rnd.choice(_RD_INSTITUTIONS)
        certificates.append(
            {
                "kind": CertificateKind.RD_INSTITUTION,
                "number": f"{prefix}〔{year}〕{10 + year % 37}号-{rnd.randrange(1, 300):03d}",
                "issuer": issuer,
                "valid_from": datetime.date(year, rnd.randint(6, 11), rnd.randint(1, 28)),
                "valid_to": None,
            }
        )
    first = max(subject.founded_on.year + 3, last - 6)
    if first <= last + 1 and rnd.random() < _STANDARD_CHANCE[size]:
        year = rnd.randint(first, last + 1)
        series, issuer = _STANDARD_PREFIX.get(subject.division, _NATIONAL_STANDARD)
        if rnd.random() < 0.3:
            series, issuer = _NATIONAL_STANDARD
        number = rnd.randrange(10000, 45000) if series == "GB/T" else rnd.randrange(10000, 14000)
        certificates.append(
            {
                "kind": CertificateKind.STANDARD,
                "number": f"{series} {number}-{year}",
                "issuer": issuer,
                "valid_from": datetime.date(year, rnd.randint(1, 12), rnd.randint(1, 28)),
                "valid_to": None,
            }
        )
    first = max(subject.founded_on.year + 5, last - 7)
    if first <= last and rnd.random() < _AWARD_CHANCE[size]:
        year = rnd.randint(first, last)  # the awards of year - 1, conferred in January
        certificates.append(
            {
                "kind": CertificateKind.NATIONAL_AWARD,
                "number": (
                    f"{year - 1}-J-{rnd.randrange(200, 260)}-2-{rnd.randrange(1, 12):02d}"
                    f"-D{rnd.randint(1, 3):02d}"
                ),
                "issuer": "国务院",
                "valid_from": datetime.date(year, 1, rnd.randint(8, 20)),
                "valid_to": None,
            }
        )
    return certificates


# --- from drivers to facts ---------------------------------------------------------------


def _facts(d: _Year, traits: _Traits) -> dict[str, Any]:
    """A year's fact values (money in whole yuan) from its drivers."""
    staff = d.employees
    tech = d.tech_staff if d.tech_staff is not None else round(staff * d.tech_share)
    revenue = 0 if d.zero_revenue else round(d.revenue)
    if revenue > 0:
        rd = round(revenue * d.rd_intensity)
        cost = max(round(revenue * d.cost_ratio), round(rd * 1.15))
    else:
        rd = round(staff * traits.zero_rd_per_head * d.active)
        cost = round(rd * traits.zero_cost_factor)
    income = revenue + round(revenue * d.income_extra + traits.subsidy)
    values: dict[str, Any] = {
        "employees": staff,
        "tech_staff": min(tech, staff),
        "revenue": revenue,
        "total_income": income,
        "total_assets": max(
            round(revenue * d.assets_ratio), round(traits.assets_floor * d.assets_jitter)
        ),
        "total_cost": cost,
        "rd_expense": rd,
        "rd_expense_domestic": math.floor(rd * traits.domestic_share),
        "high_tech_income": round(income * d.high_tech_share) if revenue else 0,
        "ip_class1": d.ip1,
        "ip_class2": d.ip2,
        "exports": round(revenue * d.export_share),
        "tax_paid": round(revenue * d.tax_rate),
        "key_field": traits.key_field,
        "innovation_score": traits.innovation_score,
        **dict.fromkeys(_EXCLUSIONS, None),
        **d.flags,
    }
    for name in d.missing:
        values[name] = None
    return values


# --- the database ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFactsSummary:
    """What :func:`demo_annual_facts` wrote."""

    annual_facts: int
    certificates_created: int
    certificates_updated: int
    plans: dict[str, int]


def demo_provenance(values: dict, *, year: int) -> dict:
    """``AnnualFacts.provenance`` of generated values: demo source, as of 31 December."""
    as_of = f"{year}-12-31"
    return {
        name: {"source": FactSource.DEMO.value, "detail": "", "as_of": as_of}
        for name in FACT_NAMES
        if values.get(name) is not None
    }


def _model_values(values: dict) -> dict:
    return {
        name: Decimal(value) if name in _MONEY and value is not None else value
        for name, value in values.items()
    }


BATCH_SIZE = 500


@transaction.atomic
def demo_annual_facts(
    *,
    rng_seed: int | str,
    enterprises,
    years: tuple[int, ...] = YEARS,
    today: datetime.date | None = None,
) -> DemoFactsSummary:
    """Create or update the demo facts of ``enterprises`` (saved, with their industry) for
    ``years``, and their certificates.

    Upserts: facts by enterprise and year, certificates by enterprise, kind and number, so a
    second run with the same seed changes nothing and duplicates nothing. Certificates the
    generator does not produce (an officer's, say) are left alone. Not audited (see the
    module docstring).
    """
    today = today or timezone.localdate()
    rows: list[AnnualFacts] = []
    wanted: dict[tuple[int, str, str], dict] = {}
    plans: Counter = Counter()
    for enterprise in enterprises:
        subject = DemoSubject(
            key=enterprise.uscc,
            founded_on=enterprise.founded_on,
            size=enterprise.size,
            division=enterprise.industry.code,
            registered_capital=float(enterprise.registered_capital),
        )
        generated = demo_enterprise_facts(subject, rng_seed=rng_seed, years=years, today=today)
        plans[generated.plan.value] += 1
        for year, values in generated.years.items():
            rows.append(
                AnnualFacts(
                    enterprise_id=enterprise.pk,
                    year=year,
                    provenance=demo_provenance(values, year=year),
                    **_model_values(values),
                )
            )
        for certificate in generated.certificates:
            wanted[(enterprise.pk, certificate["kind"], certificate["number"])] = certificate
    AnnualFacts.objects.bulk_create(
        rows,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["enterprise", "year"],
        update_fields=[*FACT_NAMES, "provenance"],
    )
    created, updated = _certificates_upsert(wanted)
    return DemoFactsSummary(
        annual_facts=len(rows),
        certificates_created=created,
        certificates_updated=updated,
        plans=dict(plans),
    )


_CERTIFICATE_FIELDS = ("issuer", "valid_from", "valid_to")


def _certificates_upsert(wanted: dict[tuple[int, str, str], dict]) -> tuple[int, int]:
    """Create the certificates not there yet and update those whose dates or issuer differ."""
    enterprise_ids = sorted({key[0] for key in wanted})
    existing: dict[tuple[int, str, str], Certificate] = {}
    for start in range(0, len(enterprise_ids), BATCH_SIZE):
        for stored in Certificate.objects.filter(
            enterprise_id__in=enterprise_ids[start : start + BATCH_SIZE]
        ):
            existing.setdefault((stored.enterprise_id, stored.kind, stored.number), stored)
    new: list[Certificate] = []
    changed: list[Certificate] = []
    for key, values in wanted.items():
        certificate = existing.get(key)
        if certificate is None:
            new.append(
                Certificate(
                    enterprise_id=key[0],
                    kind=key[1],
                    number=key[2],
                    **{name: values[name] for name in _CERTIFICATE_FIELDS},
                )
            )
        elif any(getattr(certificate, name) != values[name] for name in _CERTIFICATE_FIELDS):
            for name in _CERTIFICATE_FIELDS:
                setattr(certificate, name, values[name])
            changed.append(certificate)
    Certificate.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Certificate.objects.bulk_update(changed, _CERTIFICATE_FIELDS, batch_size=BATCH_SIZE)
    return len(new), len(changed)
