"""Process monitoring (流程监控): the funnel, step times, overdue demands, institutions'
scoreboards — for officers by county and month, for an institution its own scoreboard.

Everything is aggregated in SQL over the demands ``user`` may see (``visible_to``), filtered
by county (a county officer: always their own) and month of submission:

- the funnel: demands that reached each step (one aggregate over the step timestamps);
- step times in working days: the stored columns ``claim_workdays``… (counted once when the
  step finished, ``kejin.financing.sla``) grouped into a histogram in SQL — a few dozen rows
  whatever the number of demands — from which the median and the 90th percentile are read
  exactly (linear interpolation between the two nearest ranks, numpy's default; the median
  of an even count is the mean of the middle two);
- the overdue list: demands flagged by the deadline scan, the longest overdue first, with
  working days overdue;
- the scoreboard: per institution, demands routed to it and how many of those it claimed,
  claimed, decided and approved, mean working days to claim and to decide, approved amount,
  rejection reasons.

A page costs a fixed number of queries, however many demands and institutions.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.errors import ApplicationError
from kejin.core.models import Region
from kejin.core.permissions import require
from kejin.core.workdays import WorkdayCalendar
from kejin.financing.choices import DeadlineStep, RejectionReason
from kejin.financing.models import Demand, DemandRoute
from kejin.financing.permissions import monitoring_can_view, scoreboard_can_view
from kejin.financing.sla import DUE_FIELD, workday_ordinals
from kejin.institutions.models import Institution

#: Funnel steps: key, label, the condition a demand that reached the step meets.
FUNNEL = (
    ("submitted", _("提交"), Q()),
    ("routed", _("推送/入池"), Q(routed_at__isnull=False)),
    ("claimed", _("认领"), Q(claimed_at__isnull=False)),
    ("contacted", _("首次联系"), Q(contacted_at__isnull=False)),
    ("under_review", _("进入审批"), Q(review_started_at__isnull=False)),
    ("decided", _("作出决定"), Q(decided_at__isnull=False)),
    ("approved", _("批准"), Q(decided_at__isnull=False, rejection_reason="")),
    ("disbursed", _("放款"), Q(disbursed_at__isnull=False)),
)

#: Step times: key, label, the stored working-day column.
STEP_TIMES = (
    ("claim", _("推送→认领"), "claim_workdays"),
    ("contact", _("认领→首次联系"), "contact_workdays"),
    ("decision", _("认领→审批决定"), "decision_workdays"),
    ("disburse", _("决定→放款"), "disburse_workdays"),
)

OVERDUE_LIMIT = 50


@dataclass(frozen=True)
class Scope:
    """What a report covers: a county (None: the whole city) and a month of submission."""

    county: Region | None = None
    month: datetime.date | None = None  # the first day

    def demand_filter(self, prefix: str = "") -> dict:
        """Filter keyword arguments on Demand (``prefix``: from a related model)."""
        kwargs: dict = {}
        if self.county is not None:
            kwargs[f"{prefix}county_id"] = self.county.pk
        if self.month is not None:
            start, end = month_bounds(self.month)
            kwargs[f"{prefix}submitted_at__gte"] = start
            kwargs[f"{prefix}submitted_at__lt"] = end
        return kwargs


@dataclass(frozen=True)
class StepTime:
    key: str
    label: str
    count: int
    median: float | None
    p90: float | None


@dataclass
class ScoreRow:
    """One institution's scoreboard (rates in [0, 1], None when nothing to divide by)."""

    institution_id: int
    name: str = ""
    routed: int = 0
    routed_claimed: int = 0
    claimed: int = 0
    decided: int = 0
    approved: int = 0
    disbursed: int = 0
    overdue: int = 0
    approved_amount: Decimal = Decimal("0.00")
    mean_claim_days: float | None = None
    mean_decision_days: float | None = None
    rejections: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def claim_rate(self) -> float | None:
        return self.routed_claimed / self.routed if self.routed else None

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.decided if self.decided else None


@dataclass
class OverdueRow:
    demand: Demand
    step_label: str
    due_on: datetime.date
    workdays_overdue: int


@dataclass
class MonitoringReport:
    scope: Scope
    funnel: list[tuple[str, str, int]]
    step_times: list[StepTime]
    overdue: list[OverdueRow]
    overdue_total: int
    scoreboard: list[ScoreRow]


# --- scope ----------------------------------------------------------------------------------


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware start of ``month`` and of the next, in Asia/Shanghai."""
    start = datetime.datetime(month.year, month.month, 1)
    end = datetime.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def parse_month(value: str | None) -> datetime.date | None:
    """``2026-11`` → 2026-11-01; empty → None; anything else is invalid input (400)."""
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise ApplicationError.invalid(
            {"month": [str(_("月份格式应为 2026-11。"))]}, str(_("月份无效。"))
        ) from None


def monitoring_scope(*, user, county_id=None, month: datetime.date | None = None) -> Scope:
    """The scope ``user`` asked for and may have: a county officer always their county; a
    city officer any county (``county_id``) or the whole city. 403 for others; a county
    that does not exist is a 404."""
    require(monitoring_can_view, user=user)
    county = None
    if user.is_county_officer:
        county = Region.objects.filter(pk=user.county_id).first()
    elif county_id:
        county = Region.objects.filter(pk=county_id, level="county").first()
        if county is None:
            raise ApplicationError.not_found()
    return Scope(county=county, month=month)


def monitoring_counties(*, user) -> list[Region]:
    """The counties ``user`` may pick (a county officer: only theirs)."""
    if user.is_county_officer:
        return list(Region.objects.filter(pk=user.county_id))
    return list(Region.objects.filter(level="county").order_by("code"))


def _demands(user, scope: Scope) -> QuerySet:
    return Demand.objects.visible_to(user).filter(**scope.demand_filter())


# --- aggregates -----------------------------------------------------------------------------


def monitoring_funnel(demands: QuerySet) -> list[tuple[str, str, int]]:
    """(key, label, demands that reached the step) for every funnel step: one ``COUNT`` a
    step, each an index-only scan over the whole city (a table scan evaluating every
    condition on 10⁵ rows costs several times more)."""
    demands = demands.order_by()
    return [
        (key, str(label), demands.filter(condition).count()) for key, label, condition in FUNNEL
    ]


def histogram_quantile(histogram: list[tuple[int, int]], q: float) -> float | None:
    """The ``q``-quantile of the values a sorted (value, count) histogram holds, by linear
    interpolation between the nearest ranks (numpy's default); None when empty."""
    total = sum(count for _v, count in histogram)
    if not total:
        return None
    position = (total - 1) * q
    low, high = math.floor(position), math.ceil(position)

    def value_at(rank: int) -> int:
        seen = 0
        for value, count in histogram:
            seen += count
            if rank < seen:
                return value
        raise IndexError(rank)

    low_value, high_value = value_at(low), value_at(high)
    return low_value + (high_value - low_value) * (position - low)


def monitoring_step_times(demands: QuerySet) -> list[StepTime]:
    """Median and 90th percentile of each step's working days; one grouped query a step."""
    rows = []
    for key, label, column in STEP_TIMES:
        histogram = list(
            demands.filter(**{f"{column}__isnull": False})
            .order_by()
            .values_list(column)
            .annotate(n=Count("pk"))
            .order_by(column)
        )
        rows.append(
            StepTime(
                key=key,
                label=str(label),
                count=sum(n for _v, n in histogram),
                median=_round(histogram_quantile(histogram, 0.5)),
                p90=_round(histogram_quantile(histogram, 0.9)),
            )
        )
    return rows


def monitoring_overdue(
    demands: QuerySet, *, today: datetime.date, limit: int = OVERDUE_LIMIT
) -> tuple[list[OverdueRow], int]:
    """Demands flagged overdue now (the longest overdue first — the earliest due date —,
    at most ``limit``) and how many there are; five queries."""
    flagged = demands.filter(overdue_step__gt="")
    total = flagged.order_by().count()
    if not total:
        return [], 0
    # Per step, the earliest due dates first: an index range scan of (overdue_step, due
    # date) each, then the page's rows with their names.
    firsts = sorted(
        (due_on, pk)
        for step, column in DUE_FIELD.items()
        for pk, due_on in flagged.filter(overdue_step=step, **{f"{column}__isnull": False})
        .order_by(column, "pk")
        .values_list("pk", column)[:limit]
    )[:limit]
    if not firsts:
        return [], total
    by_pk = {
        demand.pk: demand
        for demand in demands.filter(pk__in=[pk for _d, pk in firsts])
        .select_related("enterprise", "institution", "county")
        .only(
            "number",
            "status",
            "overdue_step",
            "enterprise__name",
            "institution__name",
            "county__name",
        )
    }
    page = []
    for due_on, pk in firsts:
        demand = by_pk[pk]
        demand.due = due_on
        page.append(demand)
    ordinals = workday_ordinals(page[0].due, max(page[-1].due, today), WorkdayCalendar())
    rows = [
        OverdueRow(
            demand=demand,
            step_label=str(DeadlineStep(demand.overdue_step).label),
            due_on=demand.due,
            workdays_overdue=ordinals[max(today, demand.due)] - ordinals[demand.due],
        )
        for demand in page
    ]
    return rows, total


def monitoring_scoreboard(
    *, demands: QuerySet, routes: QuerySet, institution_ids: list[int] | None = None
) -> list[ScoreRow]:
    """One row per institution that was routed or claimed a demand in ``demands`` (or just
    ``institution_ids``), most claimed first; four queries (five while some claim's route
    is not yet recorded on the demand)."""
    claimed = demands.filter(institution__isnull=False)
    if institution_ids is not None:
        claimed = claimed.filter(institution_id__in=institution_ids)
        routes = routes.filter(institution_id__in=institution_ids)
    decided = Q(decided_at__isnull=False)
    approved = decided & Q(rejection_reason="")
    rows: dict[int, ScoreRow] = {}
    unknown_route = 0
    for row in (
        claimed.order_by()
        .values("institution_id")
        .annotate(
            claimed=Count("pk"),
            decided=Count("pk", filter=decided),
            approved=Count("pk", filter=approved),
            disbursed=Count("pk", filter=Q(disbursed_at__isnull=False)),
            overdue=Count("pk", filter=Q(overdue_step__gt="")),
            approved_amount=Sum("approved_amount", filter=approved),
            mean_claim=Avg("claim_workdays"),
            mean_decision=Avg("decision_workdays"),
            routed_claimed=Count("pk", filter=Q(claimed_via_route=True)),
            unknown=Count("pk", filter=Q(claimed_via_route__isnull=True)),
        )
    ):
        unknown_route += row["unknown"]
        rows[row["institution_id"]] = ScoreRow(
            institution_id=row["institution_id"],
            claimed=row["claimed"],
            decided=row["decided"],
            approved=row["approved"],
            disbursed=row["disbursed"],
            overdue=row["overdue"],
            approved_amount=row["approved_amount"] or Decimal("0.00"),
            mean_claim_days=_round(row["mean_claim"]),
            mean_decision_days=_round(row["mean_decision"]),
            routed_claimed=row["routed_claimed"],
        )
    for institution_id, routed in (
        routes.order_by().values_list("institution_id").annotate(n=Count("pk"))
    ):
        rows.setdefault(institution_id, ScoreRow(institution_id)).routed = routed
    # Claimed by an institution it was routed to: stored on the demand when claimed
    # (``sla.demand_step_workdays_set``); demands the scan has not seen yet are joined to
    # their route of the same institution.
    if unknown_route:
        for institution_id, routed_claimed in (
            claimed.filter(
                claimed_via_route__isnull=True, routes__institution_id=F("institution_id")
            )
            .order_by()
            .values_list("institution_id")
            .annotate(n=Count("pk"))
        ):
            rows[institution_id].routed_claimed += routed_claimed
    reasons = dict(RejectionReason.choices)
    for institution_id, reason, count in (
        claimed.filter(rejection_reason__gt="")
        .order_by()
        .values_list("institution_id", "rejection_reason")
        .annotate(n=Count("pk"))
    ):
        rows[institution_id].rejections.append((reason, str(reasons.get(reason, reason)), count))
    names = dict(Institution.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    for score in rows.values():
        score.name = names.get(score.institution_id, "")
        score.rejections.sort(key=lambda r: (-r[2], r[0]))
    return sorted(rows.values(), key=lambda r: (-r.claimed, -r.routed, r.name))


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


# --- what pages and the API call ------------------------------------------------------------


def monitoring_report(
    *, user, scope: Scope, today: datetime.date | None = None
) -> MonitoringReport:
    """The officers' report for ``scope`` (from :func:`monitoring_scope`)."""
    require(monitoring_can_view, user=user)
    today = today or timezone.localdate()
    demands = _demands(user, scope)
    overdue, overdue_total = monitoring_overdue(
        Demand.objects.visible_to(user).filter(**Scope(county=scope.county).demand_filter()),
        today=today,
    )
    return MonitoringReport(
        scope=scope,
        funnel=monitoring_funnel(demands),
        step_times=monitoring_step_times(demands),
        overdue=overdue,
        overdue_total=overdue_total,
        scoreboard=monitoring_scoreboard(
            demands=demands,
            routes=DemandRoute.objects.filter(**scope.demand_filter("demand__")),
        ),
    )


def institution_scoreboard_get(
    *, user, institution_id: int, scope: Scope | None = None
) -> ScoreRow:
    """One institution's scoreboard: its own users see it over everything it handled,
    officers within their scope. 404 for an unknown institution, 403 for someone else's."""
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise ApplicationError.not_found()
    require(scoreboard_can_view, user=user, obj=institution)
    scope = scope or Scope()
    if user.is_county_officer:
        scope = Scope(county=Region.objects.filter(pk=user.county_id).first(), month=scope.month)
    demands = Demand.objects.visible_to(user).filter(**scope.demand_filter())
    rows = monitoring_scoreboard(
        demands=demands,
        routes=DemandRoute.objects.filter(**scope.demand_filter("demand__")),
        institution_ids=[institution.pk],
    )
    return rows[0] if rows else ScoreRow(institution.pk, name=institution.name)
