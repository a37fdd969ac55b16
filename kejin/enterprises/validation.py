"""The one validator of an enterprise's data: annual facts' bounds as data, founding and
certificate dates — used by every path that writes them.

The profile form, the API serializer, the profile service and the import all check a year's
facts here, so that a value accepted by one is accepted by all, with the same message:

- :data:`FACT_BOUNDS` — per fact: kind, minimum, maximum, decimal places, unit;
- :data:`PART_OF` — cross-fact rules: a part never exceeds its whole;
- :func:`facts_year_problem` — the fiscal years facts may be recorded for: from
  :data:`FIRST_FACTS_YEAR` (and not before the enterprise's founding year) to this year.

:func:`founding_date_problem` and :func:`certificate_date_problem` bound the dates (the
model fields' validators, the import and the services use them).

The per-row bounds are also database CHECK constraints on ``AnnualFacts`` (see its Meta), so
that no path around this module can store a value a page could not show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.fields import (
    COUNT_MAX,
    MONEY_MAX,
    amount_parse,
    count_parse,
    count_problem,
    money_problem,
)
from kejin.enterprises.facts import ANNUAL_FACTS

#: The first fiscal year facts may be recorded for; the last is the current year.
FIRST_FACTS_YEAR = 2000

COUNT, MONEY, SCORE, FLAG = "count", "money", "score", "flag"


@dataclass(frozen=True)
class FactBounds:
    """What one annual fact may be: ``kind`` (count, money, score, flag) and its range."""

    name: str
    label: str
    kind: str
    unit: str
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    decimal_places: int = 0

    def count_range(self) -> tuple[int, int]:
        """The (minimum, maximum) of a count or score, whole numbers at both ends."""
        if not isinstance(self.minimum, int) or not isinstance(self.maximum, int):
            raise TypeError(f"{self.name} is not a count: its bounds are not whole numbers")
        return self.minimum, self.maximum


def _bounds(fact) -> FactBounds:
    if fact.dtype is pl.Boolean:
        return FactBounds(fact.name, fact.label, FLAG, fact.unit)
    if fact.name == "innovation_score":
        return FactBounds(fact.name, fact.label, SCORE, fact.unit, 0, 100)
    if fact.dtype is pl.Int64:
        return FactBounds(fact.name, fact.label, COUNT, fact.unit, 0, COUNT_MAX)
    return FactBounds(fact.name, fact.label, MONEY, fact.unit, Decimal(0), MONEY_MAX, 2)


#: Every annual fact's bounds, in catalogue order.
FACT_BOUNDS: dict[str, FactBounds] = {fact.name: _bounds(fact) for fact in ANNUAL_FACTS}

#: (part, whole): a part can never exceed its whole.
PART_OF: tuple[tuple[str, str], ...] = (
    ("tech_staff", "employees"),
    ("rd_expense_domestic", "rd_expense"),
    ("high_tech_income", "total_income"),
)


class FactError(ValueError):
    """A fact's value cannot be used; the message says which fact, why and what to do."""


def fact_parse(name: str, value):
    """``value`` as stored for fact ``name`` (None clears it), or :class:`FactError`.

    Takes what forms, JSON and the import's cell parsers give: bools for flags, ints (or
    ASCII digit strings) for counts and scores, Decimals, ints, floats or ASCII decimal
    strings for amounts. Checks the bounds of :data:`FACT_BOUNDS`.
    """
    if value is None:
        return None
    bounds = FACT_BOUNDS[name]
    if bounds.kind == FLAG:
        if not isinstance(value, bool):
            raise FactError(_("%(label)s应为“是”或“否”。") % {"label": bounds.label})
        return value
    parsed: int | Decimal
    try:
        if bounds.kind == MONEY:
            amount = amount_parse(value, label=bounds.label)
            problem = money_problem(amount, label=bounds.label)
            parsed = amount.quantize(Decimal("0.01"))
        else:
            if isinstance(value, Decimal) and value == value.to_integral_value():
                value = int(value)
            number = count_parse(value, label=bounds.label)
            minimum, maximum = bounds.count_range()
            problem = count_problem(number, label=bounds.label, minimum=minimum, maximum=maximum)
            parsed = number
    except ValueError as exc:
        raise FactError(str(exc)) from exc
    if problem:
        raise FactError(problem)
    return parsed


def _shown(name: str, value) -> str:
    unit = FACT_BOUNDS[name].unit
    if isinstance(value, Decimal):
        value = format(value, "f")
    return f"{value}{unit}"


def facts_contradictions(given: dict, current: dict) -> dict[str, str]:
    """Where ``given`` (the values being written) merged over ``current`` (the values already
    recorded for the year) has a part above its whole: {fact: message}.

    A rule is checked only when at least one of its two facts is given; the message goes to
    the part if it is given, else to the whole.
    """
    problems: dict[str, str] = {}
    for part, whole in PART_OF:
        if part not in given and whole not in given:
            continue
        part_value = given[part] if part in given else current.get(part)
        whole_value = given[whole] if whole in given else current.get(whole)
        if part_value is None or whole_value is None or part_value <= whole_value:
            continue
        part_shown, whole_shown = _shown(part, part_value), _shown(whole, whole_value)
        if part not in given:
            part_shown = _("平台已有数据 %(value)s") % {"value": part_shown}
        if whole not in given:
            whole_shown = _("平台已有数据 %(value)s") % {"value": whole_shown}
        problems[part if part in given else whole] = _(
            "%(part)s（%(p)s）不能大于%(whole)s（%(w)s），请核对后重新填写。"
        ) % {
            "part": FACT_BOUNDS[part].label,
            "p": part_shown,
            "whole": FACT_BOUNDS[whole].label,
            "w": whole_shown,
        }
    return problems


def facts_year_range(today: datetime.date | None = None) -> tuple[int, int]:
    """The fiscal years facts may be recorded for: FIRST_FACTS_YEAR to the current year."""
    return FIRST_FACTS_YEAR, (today or timezone.localdate()).year


def year_parse(text: str) -> int | None:
    """A year typed as ASCII digits ("2024"), or None: ``int`` would also take "２０２４",
    "2_024" and " 2024 "."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


def facts_year_problem(
    year, *, today: datetime.date | None = None, founded_on: datetime.date | None = None
) -> str | None:
    """Why facts cannot be recorded for ``year`` (a message), or None.

    ``founded_on`` (the enterprise's founding date, when known) excludes the years before it.
    """
    first, last = facts_year_range(today)
    if not isinstance(year, int) or isinstance(year, bool) or not first <= year <= last:
        return _("年度应为%(first)s至%(last)s之间的四位数字。") % {"first": first, "last": last}
    if founded_on is not None and year < founded_on.year:
        return _("企业成立于%(founded)s，不能填报成立之前的%(year)s年度数据，请核对年度。") % {
            "founded": founded_on.isoformat(),
            "year": year,
        }
    return None


#: The earliest founding date of an enterprise on the registry.
EARLIEST_FOUNDING = datetime.date(1949, 1, 1)
#: Certificates are dated from this day to :data:`CERTIFICATE_YEARS_AHEAD` years from now.
EARLIEST_CERTIFICATE = datetime.date(1980, 1, 1)
CERTIFICATE_YEARS_AHEAD = 30


def founding_date_problem(
    value: datetime.date, *, today: datetime.date | None = None
) -> str | None:
    """Why ``value`` cannot be an enterprise's founding date (1949-01-01 to today), or None."""
    today = today or timezone.localdate()
    if not EARLIEST_FOUNDING <= value <= today:
        return _("成立日期应在%(first)s至%(last)s之间，请核对营业执照上的成立日期。") % {
            "first": EARLIEST_FOUNDING.isoformat(),
            "last": today.isoformat(),
        }
    return None


def certificate_date_problem(
    value: datetime.date, *, today: datetime.date | None = None
) -> str | None:
    """Why ``value`` cannot be a certificate's date (1980-01-01 to 30 years from now), or None."""
    today = today or timezone.localdate()
    last = datetime.date(today.year + CERTIFICATE_YEARS_AHEAD, 12, 31)
    if not EARLIEST_CERTIFICATE <= value <= last:
        return _("日期应在%(first)s至%(last)s之间，请核对证书上的日期。") % {
            "first": EARLIEST_CERTIFICATE.isoformat(),
            "last": last.isoformat(),
        }
    return None


def validate_founding_date(value) -> None:
    """Model validator of ``Enterprise.founded_on``."""
    if isinstance(value, datetime.date):
        problem = founding_date_problem(value)
        if problem:
            raise ValidationError(problem, code="date_range")


def validate_certificate_date(value) -> None:
    """Model validator of a certificate's ``valid_from`` and ``valid_to``."""
    if isinstance(value, datetime.date):
        problem = certificate_date_problem(value)
        if problem:
            raise ValidationError(problem, code="date_range")
