"""Institutions' service record (服务记录) from the demands they handled: the part of the
matching score that rewards institutions that claim and decide promptly (Chongqing marks
late banks down), and the core of the monitoring scoreboard.

``institution_service_scores`` is a number in [0, 1] per institution over the last
``window_days``: half the share of the demands routed to it that it claimed, half the
share of its decided demands decided within the decision limit. An institution with no
history scores ``NEUTRAL`` (no penalty for being new).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.utils import timezone

from kejin.financing.models import Demand, DemandRoute

#: The score of an institution without any routed or decided demand in the window.
NEUTRAL = 0.5


def institution_service_scores(
    institution_ids: Iterable[int], *, window_days: int = 365, now: datetime.datetime | None = None
) -> dict[int, float]:
    """Each institution's service score in [0, 1] (see the module docstring); two queries."""
    ids = list(set(institution_ids))
    if not ids:
        return {}
    since = (now or timezone.now()) - datetime.timedelta(days=window_days)
    routed = dict(
        DemandRoute.objects.filter(institution_id__in=ids, routed_at__gte=since)
        .values_list("institution_id")
        .annotate(n=Count("id"))
    )
    handled = {
        row["institution_id"]: row
        for row in Demand.objects.filter(institution_id__in=ids, claimed_at__gte=since)
        .values("institution_id")
        .annotate(
            claimed=Count("id"),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
            on_time=Count(
                "id",
                filter=Q(decided_at__isnull=False, decision_due_on__isnull=False)
                & Q(decided_at__date__lte=F("decision_due_on")),
            ),
        )
    }
    scores = {}
    for institution in ids:
        row = handled.get(institution)
        claim_rate = (
            min(1.0, row["claimed"] / routed[institution])
            if row and routed.get(institution)
            else None
        )
        on_time = row["on_time"] / row["decided"] if row and row["decided"] else None
        parts = [value for value in (claim_rate, on_time) if value is not None]
        scores[institution] = sum(parts) / len(parts) if parts else NEUTRAL
    return scores
