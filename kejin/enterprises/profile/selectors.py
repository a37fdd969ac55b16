"""Reads of an enterprise's profile, always for an acting user.

Every read starts with ``enterprise_get`` (the directory's scoping): an enterprise the user may
not see is ``not_found`` here too. Whoever may see an enterprise sees its facts with their
provenance — officers to judge them, the enterprise because they are its own data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.enterprises.choices import FactSource
from kejin.enterprises.facts import ANNUAL_FACTS, build_facts_frame
from kejin.enterprises.models import AnnualFacts, Certificate, Enterprise
from kejin.enterprises.permissions import (
    annual_facts_can_report_for_department,
    annual_facts_can_self_report,
)
from kejin.enterprises.profile.choices import CertificateExpiry
from kejin.enterprises.recognition import recognition_explain, rulesets
from kejin.enterprises.selectors import enterprise_get
from kejin.enterprises.validation import (  # noqa: F401  (re-exported for views and API)
    FIRST_FACTS_YEAR,
    facts_year_problem,
    facts_year_range,
)
from kejin.rules.ruleset import Explanation

#: A certificate ending within this many days is flagged "即将到期".
EXPIRING_WITHIN_DAYS = 90
#: The annual facts, in catalogue order (each is a column of AnnualFacts).
FACT_NAMES: tuple[str, ...] = tuple(f.name for f in ANNUAL_FACTS)
#: Facts established by departments — the experts' innovation evaluation and the regulators'
#: lists and records — which an enterprise cannot self-report.
DEPARTMENT_ONLY_FACTS = frozenset(
    {
        "innovation_score",
        "prohibited_industry",
        "major_accident",
        "serious_env_violation",
        "research_misconduct",
        "abnormal_operations_list",
        "serious_dishonesty_list",
    }
)


# --- annual facts ---------------------------------------------------------------------------


def annual_facts_of(*, enterprise: Enterprise) -> QuerySet[AnnualFacts]:
    """Every year of facts of an enterprise already fetched through ``enterprise_get`` (so
    already scoped to the acting user), oldest first."""
    return AnnualFacts.objects.filter(enterprise=enterprise).order_by("year")


def annual_facts_for(*, user, enterprise_id) -> QuerySet[AnnualFacts]:
    """Every year of facts of one enterprise the user may see, oldest first (404 otherwise)."""
    return annual_facts_of(enterprise=enterprise_get(user=user, pk=enterprise_id))


def annual_facts_get(*, user, enterprise_id, year: int) -> AnnualFacts:
    """One year of facts, or ``not_found`` (no such year, or an enterprise the user may not see)."""
    facts = annual_facts_for(user=user, enterprise_id=enterprise_id).filter(year=year).first()
    if facts is None:
        raise ApplicationError.not_found()
    return facts


def annual_facts_years(*, enterprise: Enterprise) -> list[int]:
    """The years an (already fetched, so already scoped) enterprise has facts for, oldest first."""
    return list(
        AnnualFacts.objects.filter(enterprise=enterprise)
        .order_by("year")
        .values_list("year", flat=True)
    )


def annual_facts_source_for(*, user, enterprise: Enterprise) -> str | None:
    """The source ``user``'s facts about ``enterprise`` are recorded under, or None if read only.

    The enterprise's own administrator self-reports (``self``); city officers and the county's
    officers record department data (``department``, under their department's code). Platform
    administrators, enterprise staff and everyone else only read.
    """
    if annual_facts_can_report_for_department(user=user, obj=enterprise):
        return FactSource.DEPARTMENT
    if annual_facts_can_self_report(user=user, obj=enterprise):
        return FactSource.SELF_REPORTED
    return None


def annual_facts_locked(*, source: str | None, facts: AnnualFacts | None) -> dict[str, str]:
    """The facts a writer under ``source`` may not change, each with the reason shown to them.

    Departments may correct anything. A self-reporting enterprise may set a fact that is empty
    or that it reported itself; a value a department or an import supplied, and the facts only
    departments establish (DEPARTMENT_ONLY_FACTS), stay as they are.
    """
    if source == FactSource.DEPARTMENT:
        return {}
    if source != FactSource.SELF_REPORTED:
        return {name: _("您无权填报该数据。") for name in FACT_NAMES}
    locked = {name: _("该数据由主管部门提供，企业不能自行填报。") for name in DEPARTMENT_ONLY_FACTS}
    if facts is not None:
        for name in FACT_NAMES:
            if name in locked or getattr(facts, name) is None:
                continue
            origin = (facts.provenance or {}).get(name) or {}
            if origin.get("source") != FactSource.SELF_REPORTED:
                label = (
                    FactSource(origin["source"]).label
                    if origin.get("source") in FactSource.values
                    else _("来源未注明")
                )
                locked[name] = _(
                    "该数据来自“%(source)s”，企业不能修改；如有异议请联系主管部门。"
                ) % {"source": label}
    return locked


# --- certificates -----------------------------------------------------------------------------


def certificate_expiry(
    certificate: Certificate, *, today: datetime.date
) -> tuple[CertificateExpiry, int | None]:
    """Where ``certificate`` stands on ``today``, and the days left until it ends (None: no end)."""
    days_left = (certificate.valid_to - today).days if certificate.valid_to else None
    if certificate.valid_from > today:
        return CertificateExpiry.PENDING, days_left
    if days_left is None:
        return CertificateExpiry.VALID, None
    if days_left < 0:
        return CertificateExpiry.EXPIRED, days_left
    if days_left <= EXPIRING_WITHIN_DAYS:
        return CertificateExpiry.EXPIRING, days_left
    return CertificateExpiry.VALID, days_left


def _with_expiry(certificate: Certificate, today: datetime.date) -> Certificate:
    certificate.expiry, certificate.days_left = certificate_expiry(certificate, today=today)
    return certificate


def certificates_of(
    *, enterprise: Enterprise, today: datetime.date | None = None
) -> list[Certificate]:
    """The certificates of an enterprise already fetched through ``enterprise_get``, each
    with ``expiry`` (a CertificateExpiry) and ``days_left`` as of ``today``."""
    today = today or timezone.localdate()
    return [_with_expiry(c, today) for c in Certificate.objects.filter(enterprise=enterprise)]


def certificates_for(
    *, user, enterprise_id, today: datetime.date | None = None
) -> list[Certificate]:
    """The certificates of one enterprise the user may see (404 otherwise), each with
    ``expiry`` (a CertificateExpiry) and ``days_left`` as of ``today``."""
    return certificates_of(enterprise=enterprise_get(user=user, pk=enterprise_id), today=today)


def certificate_get(
    *, user, enterprise_id, certificate_id, today: datetime.date | None = None
) -> Certificate:
    """One certificate of an enterprise the user may see, or ``not_found``."""
    enterprise = enterprise_get(user=user, pk=enterprise_id)
    certificate = (
        Certificate.objects.visible_to(user)
        .filter(enterprise=enterprise, pk=certificate_id)
        .first()
    )
    if certificate is None:
        raise ApplicationError.not_found()
    certificate.enterprise = enterprise
    return _with_expiry(certificate, today or timezone.localdate())


# --- recognition ------------------------------------------------------------------------------


@dataclass
class RecognitionReport:
    """Every rule set in force at the end of ``year``, explained for one enterprise."""

    enterprise: Enterprise
    year: int
    as_of: datetime.date
    years: list[int]
    facts: dict
    explanations: list[Explanation] = field(default_factory=list)
    #: The results the list holds (the last re-evaluation's), one row per rule set:
    #: ``{"title", "status", "status_label", "year", "agrees"}``; ``agrees`` is False when
    #: the list judged this same year differently (facts changed since the run).
    listed: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "enterprise_id": self.enterprise.pk,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "years_with_facts": self.years,
            "rulesets": [e.as_dict() for e in self.explanations],
        }


def recognition_for(*, user, enterprise_id, year: int | None = None) -> RecognitionReport:
    """The recognition explanation of one enterprise for data year ``year``.

    ``year`` defaults to the year of the results the list holds for the enterprise (the last
    re-evaluation's), else the latest year with facts (or last year if there are none). The
    facts are the facts frame's row for this one enterprise, evaluated as of 31 December of
    ``year`` — the same facts and date the annual re-evaluation uses. 404 for an enterprise the
    user may not see; ``invalid`` for a year out of range.
    """
    enterprise = enterprise_get(user=user, pk=enterprise_id)
    years = annual_facts_years(enterprise=enterprise)
    # The list's results (the registry app's, a layer above) through the reverse relation.
    stored = {result.ruleset: result for result in enterprise.recognitions.all()}
    if year is None:
        # The year the list judged the enterprise on, so that the profile's summary (the
        # list panel) and this explanation speak of the same year and the same result.
        listed_years = {result.year for result in stored.values()}
        year = max(listed_years) if listed_years else None
    if year is None:
        year = years[-1] if years else timezone.localdate().year - 1
    problem = facts_year_problem(year)
    if problem:
        raise ApplicationError.invalid({"year": [problem]})
    as_of = datetime.date(year, 12, 31)
    rows = build_facts_frame(year=year, as_of=as_of, enterprise_id=enterprise.pk).to_dicts()
    facts = rows[0] if rows else {}
    explanations = recognition_explain(facts, on=as_of)
    computed = {explanation.ruleset.id: explanation.status for explanation in explanations}
    listed = [
        {
            "title": ruleset.title,
            "status": stored[ruleset.id].status,
            "status_label": stored[ruleset.id].get_status_display(),
            "year": stored[ruleset.id].year,
            "agrees": stored[ruleset.id].year != year
            or computed.get(ruleset.id) == stored[ruleset.id].status,
        }
        for ruleset in rulesets()
        if ruleset.id in stored
    ]
    return RecognitionReport(
        enterprise=enterprise,
        year=year,
        as_of=as_of,
        years=years,
        facts=facts,
        explanations=explanations,
        listed=listed,
    )
