"""Aggregates for the role home pages, always for an acting user.

Enterprise numbers are built on ``enterprise_list(user=...)``, so a county officer's
overview covers exactly the enterprises the registry shows them, and nothing else.
Each function is one or two queries; the home pages guard their query counts in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.accounts.choices import Role
from kejin.accounts.models import User
from kejin.accounts.permissions import platform_can_overview
from kejin.core.choices import RegionLevel
from kejin.core.models import Department, Region
from kejin.core.permissions import require
from kejin.core.selectors import audit_event_list
from kejin.core.ui.audit import audit_rows
from kejin.enterprises.choices import EnterpriseSize, RecognitionStatus
from kejin.enterprises.profile.display import explanation_card
from kejin.enterprises.profile.selectors import recognition_for
from kejin.enterprises.selectors import enterprise_editable_fields, enterprise_get, enterprise_list
from kejin.institutions.selectors import institution_get, institution_list
from kejin.registry.models import RecognitionResult
from kejin.registry.selectors import registry_counts


@dataclass(frozen=True)
class LabelledCount:
    """One labelled count (a bar of a chart, a row of a table)."""

    key: str
    label: str
    count: int


@dataclass
class EnterpriseOverview:
    """The registry as a user sees it: totals, by size, by county or industry, by founding year."""

    total: int
    by_size: list[LabelledCount]
    by_county: list[LabelledCount] = field(default_factory=list)
    by_industry_section: list[LabelledCount] = field(default_factory=list)
    by_founding_year: list[LabelledCount] = field(default_factory=list)


def enterprise_overview(*, user, by_county: bool, by_industry: bool) -> EnterpriseOverview:
    """Counts of the enterprises ``user`` may see, for the officers' home page.

    ``by_county`` adds a count per county of the city (every county, zeros included),
    ``by_industry`` a count per GB/T 4754 section. Three to five queries.
    """
    scoped = enterprise_list(user=user).order_by()

    size_counts = dict(scoped.values_list("size").annotate(n=Count("pk")).values_list("size", "n"))
    by_size = [
        LabelledCount(key=size.value, label=str(size.label), count=size_counts.get(size.value, 0))
        for size in EnterpriseSize
    ]
    overview = EnterpriseOverview(total=sum(size_counts.values()), by_size=by_size)

    if by_county:
        counties = Region.objects.filter(
            level=RegionLevel.COUNTY, parent__code=settings.KEJIN_CITY
        ).values_list("pk", "code", "name")
        county_counts = dict(
            scoped.values_list("county_id").annotate(n=Count("pk")).values_list("county_id", "n")
        )
        overview.by_county = [
            LabelledCount(key=code, label=name, count=county_counts.get(pk, 0))
            for pk, code, name in counties
        ]

    if by_industry:
        overview.by_industry_section = _by_industry_section(scoped)

    years = (
        scoped.annotate(year=ExtractYear("founded_on"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
        .order_by("year")
    )
    # Every year from the first to the last, so that the trend's spacing is honest.
    year_counts = {year: n for year, n in years if year}
    if year_counts:
        overview.by_founding_year = [
            LabelledCount(key=str(year), label=str(year), count=year_counts.get(year, 0))
            for year in range(min(year_counts), max(year_counts) + 1)
        ]
    return overview


def _by_industry_section(scoped) -> list[LabelledCount]:
    """Counts per GB/T 4754 section (门类), however deep each enterprise's own industry is.

    One query: count per industry with its ancestors' codes, then fold onto the section.
    """
    chain = ["industry"] + [f"industry{'__parent' * depth}" for depth in range(1, 4)]
    columns = []
    for prefix in chain:
        columns += [f"{prefix}__code", f"{prefix}__name", f"{prefix}__level"]
    rows = scoped.values_list(*columns).annotate(n=Count("pk"))
    totals: dict[str, list] = {}
    for row in rows:
        *levels, n = row
        code, name = "", _("未分类")
        for index in range(0, len(levels), 3):
            if levels[index + 2] == "section":
                code, name = levels[index], levels[index + 1]
                break
        entry = totals.setdefault(code, [name, 0])
        entry[1] += n
    ordered = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))
    return [LabelledCount(key=code, label=name, count=n) for code, (name, n) in ordered]


@dataclass
class Attention:
    """One thing an enterprise user should look at, with a link when they may fix it."""

    message: str
    field: str
    can_edit: bool


# The profile fields an enterprise should fill in, and why (in the order shown).
_PROFILE_GAPS = (
    ("contact_phone", gettext_lazy("尚未填写联系电话，金融机构将无法与您联系。")),
    ("address", gettext_lazy("尚未填写住所。")),
    ("legal_representative", gettext_lazy("尚未填写法定代表人。")),
    ("business_scope", gettext_lazy("尚未填写经营范围，这会影响融资产品和政策的匹配。")),
)


@dataclass
class RecognitionSummary:
    """An enterprise's recognition for one data year, as its home page shows it.

    ``year`` is the latest year the enterprise has data for (the year the profile's
    recognition section opens on), ``has_facts`` whether it has any data for it at all;
    ``results`` one ``{title, status, status_label, badge, missing}`` per rule set in force,
    ``missing`` the labels of the facts whose absence leaves that result undecided;
    ``missing`` (on the summary) all of them, each once, in catalogue order.
    """

    year: int
    has_facts: bool
    results: list[dict]
    missing: list[str]


def enterprise_recognition_summary(*, user, enterprise_id) -> RecognitionSummary:
    """The recognition results and missing facts of an enterprise ``user`` may see (404 if not),
    computed as the profile's recognition section computes them."""
    report = recognition_for(user=user, enterprise_id=enterprise_id)
    results: list[dict] = []
    missing: list[str] = []
    for explanation in report.explanations:
        card = explanation_card(explanation)
        labels = [str(fact["label"]) for fact in card["missing"]]
        results.append(
            {
                "title": card["title"],
                "status": card["status"],
                "status_label": str(card["status_label"]),
                "badge": card["badge"],
                "missing": labels,
            }
        )
        missing.extend(label for label in labels if label not in missing)
    return RecognitionSummary(
        year=report.year,
        has_facts=report.year in report.years,
        results=results,
        missing=missing,
    )


def enterprise_home(*, user) -> dict:
    """The enterprise user's own enterprise, its recognition (year, result per rule set and
    the facts still missing) and what needs its attention."""
    enterprise = enterprise_get(user=user, pk=user.enterprise_id)
    editable = enterprise_editable_fields(user=user, enterprise=enterprise)
    attention = [
        Attention(message=str(message), field=name, can_edit=name in editable)
        for name, message in _PROFILE_GAPS
        if not getattr(enterprise, name)
    ]
    return {
        "enterprise": enterprise,
        "attention": attention,
        "can_edit": bool(editable),
        "recognition": enterprise_recognition_summary(user=user, enterprise_id=enterprise.pk),
    }


@dataclass
class RegistryFigures:
    """The 名单库 in an officer's scope: enterprises in scope, on the list, by stage and label,
    and how many have a recognition result that the data cannot decide yet."""

    in_scope: int
    on_list: int
    stages: list[LabelledCount]
    unstaged: int
    labels: list[LabelledCount]
    undetermined: int


def registry_figures(*, user, in_scope: int) -> RegistryFigures:
    """Registry figures for an officer's home page (``in_scope`` from the overview). Five
    queries, whatever the number of enterprises."""
    counts = registry_counts(user=user)
    undetermined = (
        RecognitionResult.objects.filter(
            enterprise__in=enterprise_list(user=user).order_by().values("pk"),
            status=RecognitionStatus.UNDETERMINED,
        )
        .values("enterprise")
        .distinct()
        .count()
    )
    return RegistryFigures(
        in_scope=in_scope,
        on_list=counts.total,
        stages=[
            LabelledCount(key=stage.code, label=stage.name, count=n) for stage, n in counts.stages
        ],
        unstaged=counts.unstaged,
        labels=[
            LabelledCount(key=label.code, label=label.name, count=n) for label, n in counts.labels
        ],
        undetermined=undetermined,
    )


def institution_home(*, user) -> dict:
    """The institution user's institution, its parent and its branches. Two queries."""
    institution = institution_get(user=user, pk=user.institution_id)
    branches = list(institution_list(user=user).filter(parent=institution).order_by("name"))
    return {"institution": institution, "branches": branches}


def department_home(*, user) -> dict:
    """The data provider's department and the credit data it provides. One query."""
    department = Department.objects.select_related("region").get(pk=user.department_id)
    provides = [item.strip() for item in department.provides_data.replace("，", "、").split("、")]
    return {"department": department, "provides": [item for item in provides if item]}


def platform_overview(*, user, audit_limit: int = 10) -> dict:
    """Users by role, enterprise and institution counts and the latest audit events.

    Platform admins only. Four queries.
    """
    require(platform_can_overview, user=user)
    role_counts = dict(
        User.objects.visible_to(user)
        .order_by()
        .values_list("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    users_by_role = [
        LabelledCount(key=role.value, label=str(role.label), count=role_counts.get(role.value, 0))
        for role in Role
    ]
    return {
        "users_by_role": users_by_role,
        "user_total": sum(role_counts.values()),
        "enterprise_total": enterprise_list(user=user).count(),
        "institution_total": institution_list(user=user).count(),
        "latest_audit_events": audit_rows(audit_event_list(user=user)[:audit_limit]),
    }


def officer_scope_name(*, user) -> str:
    """The name of what an officer oversees: their county, or the city. One query."""
    if user.is_county_officer:
        return Region.objects.values_list("name", flat=True).get(pk=user.county_id)
    name = Region.objects.filter(code=settings.KEJIN_CITY).values_list("name", flat=True).first()
    return name or _("全市")
