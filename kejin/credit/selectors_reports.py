"""Reads of the consent workflow: requests and the read log, always for an acting user.

The report itself (the records) is not read here: only ``kejin.credit.reports`` reaches the
records of a report, through ``credit_report_for``.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.core.uscc import uscc_normalise
from kejin.credit.choices import ReportRequestStatus, ReportState
from kejin.credit.models import RecordCategory, ReportRead, ReportRequest
from kejin.credit.models.reports import shanghai_today
from kejin.credit.permissions import report_read_can_browse, report_request_can_browse
from kejin.enterprises.models import Enterprise


def _with_categories(queryset: QuerySet[ReportRequest]) -> QuerySet[ReportRequest]:
    ordered = RecordCategory.objects.order_by("order", "code")
    return queryset.select_related(
        "enterprise", "institution", "requested_by", "decided_by", "revoked_by"
    ).prefetch_related(
        Prefetch("categories", queryset=ordered),
        Prefetch("granted_categories", queryset=ordered),
    )


def report_request_list(*, user, state: str | None = None) -> QuerySet[ReportRequest]:
    """Requests ``user`` may see, newest first, optionally in one ``ReportState`` today.
    Four queries for any page (requests, their two category sets, and the count)."""
    require(report_request_can_browse, user=user)
    queryset = ReportRequest.objects.visible_to(user)
    if state:
        queryset = queryset.in_state(state)
    return _with_categories(queryset).order_by("-created_at", "-id")


def report_request_get(*, user, pk) -> ReportRequest:
    """One request ``user`` may see, or ``not_found``."""
    request = _with_categories(ReportRequest.objects.visible_to(user).filter(pk=pk)).first()
    if request is None:
        raise ApplicationError.not_found()
    return request


def report_request_pending_count(*, user) -> int:
    """How many requests wait for an answer (the enterprise side) or for one (institutions)."""
    return ReportRequest.objects.visible_to(user).filter(status=ReportRequestStatus.PENDING).count()


def report_read_list(*, user) -> QuerySet[ReportRead]:
    """The read log ``user`` may see, newest first: an enterprise's reads of its reports, an
    institution's own reads. Two queries for any page (rows and count)."""
    require(report_read_can_browse, user=user)
    return (
        ReportRead.objects.visible_to(user)
        .select_related("institution", "enterprise", "request")
        .order_by("-read_at", "-id")
    )


def report_categories_requestable() -> QuerySet[RecordCategory]:
    """The categories an institution may ask for: the active catalogue (it is public)."""
    return RecordCategory.objects.filter(is_active=True).order_by("order", "code")


def report_enterprise_by_uscc(*, uscc: str) -> Enterprise | None:
    """The registered enterprise with this credit code, for an institution naming the
    enterprise it asks (institutions cannot list enterprises; a code identifies one)."""
    code = uscc_normalise(uscc)
    if len(code) != 18:
        return None
    return Enterprise.objects.filter(uscc=code).only("pk", "name", "uscc").first()


def report_state_counts(*, user) -> dict[str, int]:
    """Requests ``user`` may see, counted by ``ReportState`` today (the list's tabs); one query."""
    today = shanghai_today()
    granted = Q(status=ReportRequestStatus.GRANTED)
    return ReportRequest.objects.visible_to(user).aggregate(
        **{
            ReportState.PENDING: Count("pk", filter=Q(status=ReportRequestStatus.PENDING)),
            ReportState.GRANTED: Count("pk", filter=granted & Q(valid_until__gte=today)),
            ReportState.REFUSED: Count("pk", filter=Q(status=ReportRequestStatus.REFUSED)),
            ReportState.REVOKED: Count("pk", filter=Q(status=ReportRequestStatus.REVOKED)),
            ReportState.EXPIRED: Count("pk", filter=granted & Q(valid_until__lt=today)),
        }
    )


def report_category_names() -> dict[str, str]:
    """Category code → name, to show the categories a read contained (one query)."""
    return dict(RecordCategory.objects.values_list("code", "name"))
