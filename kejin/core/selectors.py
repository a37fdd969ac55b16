"""Reads of the core app's protected records (the audit trail), always for an acting user."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from kejin.core.filters import AuditEventFilterSet
from kejin.core.models import AuditEvent
from kejin.core.permissions import audit_event_can_browse, require


def audit_event_list(*, user, filters: Mapping | None = None) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, filtered by :class:`AuditEventFilterSet`.

    Raises ``permission_denied`` for anyone but platform admins and city officers (the trail
    is one collection; nobody sees part of it). Invalid filters are ignored here, as in the
    other list selectors; callers that must report them (the API) validate the FilterSet first.
    """
    require(audit_event_can_browse, user=user)
    queryset = (
        AuditEvent.objects.visible_to(user).select_related("actor").order_by("-created_at", "-id")
    )
    if filters:
        filterset = AuditEventFilterSet(filters, queryset=queryset)
        queryset = filterset.qs if filterset.is_valid() else queryset
    return queryset
