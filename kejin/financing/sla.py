"""The deadline scan (时限督办): overdue steps flagged and escalated, working-day step times.

:func:`demands_overdue_scan` runs daily (Celery beat, ``financing_deadlines_scan``). For
"today" in Asia/Shanghai it:

1. fills the due dates a demand lacks (``claim_due_on`` from routing, ``contact_due_on`` and
   ``decision_due_on`` from the claim; the officers' limits, ``kejin.financing.deadlines``)
   and the working days of steps finished but not yet counted (``claim_workdays``…);
2. clears ``overdue_step`` where the step is done or its new due date is not past;
3. escalates each demand whose current step is past its due date and not yet escalated for
   that step:

   - unclaimed and routed to institutions past the claim limit → the open pool (``POOL``:
     every institution may claim it; the enterprise is told); already in the pool →
     ``ESCALATE``;
   - claimed and not contacted past the contact limit → ``ESCALATE``, the claimant's users
     alerted;
   - no decision past the decision limit → ``ESCALATE``, the county's officers alerted (the
     city's when the county has none).

Each escalation is one transaction: the demand row locked, the move checked by the workflow
table with the platform as actor (``SYSTEM``), one ``DemandEvent``, one audit record and the
notifications (on commit, keyed by demand, step and due date). It is taken only by a
conditional UPDATE on the ``overdue_step`` read, so a second or concurrent run changes
nothing and notifies nobody twice.

Working days between two moments are counted on their Asia/Shanghai dates with the Chinese
holiday calendar (``kejin.core.workdays``): ``workdays(start, end)`` = working days in
(start, end]. Batches count through an ordinal table (date → working days since a first day)
so that 10⁵ demands cost one calendar walk.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.accounts.choices import ENTERPRISE_ROLES, INSTITUTION_ROLES, Role
from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.workdays import WorkdayCalendar, library_years
from kejin.financing.choices import DeadlineStep, DemandAction, DemandStatus
from kejin.financing.models import Demand, DemandEvent, DemandRoute, StepDeadline
from kejin.financing.permissions import SYSTEM
from kejin.financing.workflow import transition_check
from kejin.notifications.services import notification_send

#: Statuses in which each step is the one pending.
STEP_STATUSES: dict[str, frozenset[str]] = {
    DeadlineStep.CLAIM: frozenset({DemandStatus.ROUTED}),
    DeadlineStep.CONTACT: frozenset({DemandStatus.CLAIMED}),
    DeadlineStep.DECISION: frozenset(
        {DemandStatus.CLAIMED, DemandStatus.CONTACTED, DemandStatus.UNDER_REVIEW}
    ),
}
#: The due-date field of each step.
DUE_FIELD: dict[str, str] = {
    DeadlineStep.CLAIM: "claim_due_on",
    DeadlineStep.CONTACT: "contact_due_on",
    DeadlineStep.DECISION: "decision_due_on",
}
#: Steps in order of gravity: a demand flagged for a step is escalated again only for a later one.
STEP_ORDER: dict[str, int] = {
    "": 0,
    DeadlineStep.CLAIM: 1,
    DeadlineStep.CONTACT: 2,
    DeadlineStep.DECISION: 3,
}

#: Stored step times: column → (timestamp the step starts at, timestamp it ends at).
STEP_WORKDAY_SPANS: dict[str, tuple[str, str]] = {
    "claim_workdays": ("routed_at", "claimed_at"),
    "contact_workdays": ("claimed_at", "contacted_at"),
    "decision_workdays": ("claimed_at", "decided_at"),
    "disburse_workdays": ("decided_at", "disbursed_at"),
}


@dataclass
class ScanResult:
    """What one scan did (all zero on a second run the same day)."""

    due_dates_filled: int = 0
    step_times_filled: int = 0
    cleared: int = 0
    escalated: dict[str, int] = field(default_factory=dict)
    pooled: int = 0

    @property
    def total_escalated(self) -> int:
        return sum(self.escalated.values())


# --- working days in batches ----------------------------------------------------------------


def local_date(value: datetime.datetime) -> datetime.date:
    """``value``'s calendar date in Asia/Shanghai."""
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def workday_ordinals(
    first: datetime.date, last: datetime.date, calendar: WorkdayCalendar | None = None
) -> dict[datetime.date, int]:
    """Every date in [first, last] → the working days in (first, date]; so the working days
    in (a, b] are ``ordinals[b] - ordinals[a]`` (``workdays_between(a, b)``)."""
    calendar = calendar or WorkdayCalendar()
    library = library_years()
    ordinals = {}
    count = 0
    day = first
    one = datetime.timedelta(days=1)
    while day <= last:
        if day != first and (
            _library_workday(day) if day.year in library else calendar.is_workday(day)
        ):
            count += 1
        ordinals[day] = count
        day += one
    return ordinals


@lru_cache(maxsize=8192)
def _library_workday(day: datetime.date) -> bool:
    # chinese-calendar's data is fixed for the years it knows (and its lookup scans its
    # tables on every call): remember each day once per process.
    return WorkdayCalendar().is_workday(day)


def demand_step_workdays_set(*, demand: Demand, calendar: WorkdayCalendar | None = None) -> None:
    """Count and save the working days of every finished step of ``demand`` and whether its
    claimant was routed to it (the stored columns monitoring reads). The demand services
    call it in the transaction that finished a step (claim, contact, decision,
    disbursement) or released a claim; the scan fills any left empty."""
    calendar = calendar or WorkdayCalendar()
    changed = []
    for column, (start_field, end_field) in STEP_WORKDAY_SPANS.items():
        start, end = getattr(demand, start_field), getattr(demand, end_field)
        value = None
        if start is not None and end is not None:
            counted = calendar.between(local_date(start), local_date(end)).value
            value = max(counted if isinstance(counted, int) else 0, 0)
        if getattr(demand, column) != value:
            setattr(demand, column, value)
            changed.append(column)
    via_route = None
    if demand.institution_id is not None:
        via_route = DemandRoute.objects.filter(
            demand_id=demand.pk, institution_id=demand.institution_id
        ).exists()
    if demand.claimed_via_route != via_route:
        demand.claimed_via_route = via_route
        changed.append("claimed_via_route")
    if changed:
        demand.save(update_fields=changed)


def _claimed_via_route_fill() -> int:
    """Fill ``claimed_via_route`` where a claimed demand lacks it (one UPDATE)."""
    return Demand.objects.filter(institution__isnull=False, claimed_via_route__isnull=True).update(
        claimed_via_route=Exists(
            DemandRoute.objects.filter(demand=OuterRef("pk"), institution=OuterRef("institution"))
        )
    )


def _step_times_fill(today: datetime.date) -> int:
    """Fill the step-time columns of finished steps not yet counted; the demands updated."""
    missing = Q()
    for column, (start_field, end_field) in STEP_WORKDAY_SPANS.items():
        missing |= Q(
            **{f"{column}__isnull": True, f"{start_field}__isnull": False},
            **{f"{end_field}__isnull": False},
        )
    fields = ["pk", *STEP_WORKDAY_SPANS, *{f for span in STEP_WORKDAY_SPANS.values() for f in span}]
    rows = list(Demand.objects.filter(missing).values(*fields))
    if not rows:
        return 0
    moments = [
        row[f] for row in rows for span in STEP_WORKDAY_SPANS.values() for f in span if row[f]
    ]
    ordinals = workday_ordinals(
        min(local_date(m) for m in moments), max(max(local_date(m) for m in moments), today)
    )
    updates = []
    for row in rows:
        demand = Demand(pk=row["pk"])
        for column, (start_field, end_field) in STEP_WORKDAY_SPANS.items():
            start, end = row[start_field], row[end_field]
            value = row[column]
            if value is None and start is not None and end is not None:
                value = max(ordinals[local_date(end)] - ordinals[local_date(start)], 0)
            setattr(demand, column, value)
        updates.append(demand)
    Demand.objects.bulk_update(updates, list(STEP_WORKDAY_SPANS), batch_size=1000)
    return len(updates)


# --- due dates ------------------------------------------------------------------------------


def _limits() -> dict[tuple[str, str], int]:
    """(step, product type or "") → working days: the officers' rows over the settings."""
    limits = {
        (step, ""): int(settings.KEJIN_FINANCING_DEADLINES[step]) for step in DeadlineStep.values
    }
    limits.update(
        ((row.step, row.product_type), row.working_days) for row in StepDeadline.objects.all()
    )
    return limits


def _limit(limits: dict[tuple[str, str], int], step: str, product_type: str) -> int:
    return limits.get((step, product_type or ""), limits[(step, "")])


def _due_dates_fill(calendar: WorkdayCalendar) -> int:
    """Set the due dates an open demand lacks (see the module docstring); the demands set."""
    limits = _limits()
    starts: dict[str, str] = {
        DeadlineStep.CLAIM: "routed_at",
        DeadlineStep.CONTACT: "claimed_at",
        DeadlineStep.DECISION: "claimed_at",
    }
    filled = set()
    for step, statuses in STEP_STATUSES.items():
        due_field, start_field = DUE_FIELD[step], starts[step]
        pending = Demand.objects.filter(
            status__in=statuses, **{f"{due_field}__isnull": True, f"{start_field}__isnull": False}
        ).values_list("pk", start_field, "product__product_type")
        for pk, start, product_type in pending:
            due = calendar.add(local_date(start), _limit(limits, step, product_type or "")).date
            Demand.objects.filter(pk=pk, **{f"{due_field}__isnull": True}).update(
                **{due_field: due}
            )
            filled.add(pk)
    return len(filled)


# --- flags and escalation -------------------------------------------------------------------


def _overdue_q(step: str, today: datetime.date) -> Q:
    return Q(status__in=STEP_STATUSES[step], **{f"{DUE_FIELD[step]}__lt": today})


def _overdue_clear(today: datetime.date) -> int:
    """Clear the flag of demands whose flagged step is done or no longer past due."""
    cleared = 0
    for step in STEP_STATUSES:
        cleared += (
            Demand.objects.filter(overdue_step=step)
            .exclude(_overdue_q(step, today))
            .update(overdue_step="")
        )
    return cleared


def demand_url(demand_id: int) -> str:
    """The demand's page when the demands part provides one, else ""."""
    try:
        return reverse("financing:demand_detail", args=[demand_id])
    except NoReverseMatch:
        return ""


def _users(query: Q) -> list:
    return list(get_user_model().objects.filter(query, is_active=True).order_by("pk"))


def _county_officers(county_id: int) -> list:
    officers = _users(Q(role=Role.COUNTY_OFFICER, county_id=county_id))
    return officers or _users(Q(role=Role.CITY_OFFICER))


def _escalate(pk: int, step: str, *, today: datetime.date, now: datetime.datetime) -> str | None:
    """Escalate demand ``pk`` for ``step`` if it is still due for it; the action taken."""
    with transaction.atomic():
        demand = (
            Demand.objects.select_for_update(of=("self",))
            .filter(_overdue_q(step, today), pk=pk)
            .select_related("enterprise", "institution")
            .first()
        )
        if demand is None or STEP_ORDER[demand.overdue_step] >= STEP_ORDER[step]:
            return None
        pool = step == DeadlineStep.CLAIM and not demand.open_pool
        action = DemandAction.POOL if pool else DemandAction.ESCALATE
        transition = transition_check(
            action=action, status=demand.status, actor_kinds=frozenset({SYSTEM})
        )
        before = {"overdue_step": demand.overdue_step, "open_pool": demand.open_pool}
        changes = {"overdue_step": step, "escalated_at": now}
        if pool:
            changes["open_pool"] = True
        # Taken only if nobody moved the demand or flagged it since it was read.
        if not Demand.objects.filter(
            pk=pk, status=demand.status, overdue_step=demand.overdue_step
        ).update(**changes):
            return None
        for name, value in changes.items():
            setattr(demand, name, value)
        due_on = getattr(demand, DUE_FIELD[step])
        DemandEvent.objects.create(
            demand=demand,
            action=action,
            from_status=demand.status,
            to_status=transition.target or demand.status,
            actor=None,
            institution=demand.institution,
            reason=step,
            text=_("“%(step)s”环节已超过时限（%(due)s）。")
            % {"step": DeadlineStep(step).label, "due": due_on.isoformat()},
            data={"due_on": due_on.isoformat(), "today": today.isoformat()},
            at=now,
        )
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            instance=demand,
            before=before,
            after={"overdue_step": step, "open_pool": demand.open_pool, "action": action},
        )
        _notify(demand, step=step, due_on=due_on, pooled=pool)
        return action


def _notify(demand: Demand, *, step: str, due_on: datetime.date, pooled: bool) -> None:
    """Who hears of an escalation: the enterprise (pooled), the claimant (contact late), the
    county's officers (decision late, or still unclaimed in the pool)."""
    key = f"demand:{demand.pk}:overdue:{step}:{due_on.isoformat()}"
    values = {"number": demand.number, "enterprise": demand.enterprise.name}
    if pooled:
        recipients = _users(Q(role__in=ENTERPRISE_ROLES, enterprise_id=demand.enterprise_id))
        title = _("需求 %(number)s 已转入抢单池") % values
        body = _("推送的机构未在时限内认领，需求已转入抢单池，所有机构均可认领。")
    elif step == DeadlineStep.CONTACT:
        recipients = _users(Q(role__in=INSTITUTION_ROLES, institution_id=demand.institution_id))
        title = _("需求 %(number)s 首次联系已逾期") % values
        body = _("请尽快联系%(enterprise)s并在平台登记。") % values
    else:
        recipients = _county_officers(demand.county_id)
        title = _("需求 %(number)s “%(step)s”已逾期") % {
            **values,
            "step": DeadlineStep(step).label,
        }
        body = _("%(enterprise)s的融资需求已超过时限（%(due)s），请督办。") % {
            **values,
            "due": due_on.isoformat(),
        }
    notification_send(
        recipients=recipients,
        kind="demand_overdue",
        key=key,
        title=title,
        body=body,
        url=demand_url(demand.pk),
    )


def demands_overdue_scan(*, now: datetime.datetime | None = None) -> ScanResult:
    """Flag and escalate every overdue step (see the module docstring). Idempotent."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    calendar = WorkdayCalendar()
    result = ScanResult()
    result.due_dates_filled = _due_dates_fill(calendar)
    result.step_times_filled = _step_times_fill(today) + _claimed_via_route_fill()
    result.cleared = _overdue_clear(today)
    for step in STEP_STATUSES:
        candidates = (
            Demand.objects.filter(_overdue_q(step, today))
            .exclude(overdue_step__in=_at_least(step))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk in list(candidates):
            action = _escalate(pk, step, today=today, now=now)
            if action is None:
                continue
            result.escalated[step] = result.escalated.get(step, 0) + 1
            result.pooled += action == DemandAction.POOL
    return result


def _at_least(step: str) -> Iterable[str]:
    return [s for s, rank in STEP_ORDER.items() if s and rank >= STEP_ORDER[step]]
