"""Reads of the enterprise directory (企业名录), always for an acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.models import Enterprise
from kejin.enterprises.permissions import (  # re-exported: pages and the API ask it here
    enterprise_editable_fields as enterprise_editable_fields,
)


def enterprise_list(
    *, user, filters: dict | None = None, for_count: bool = False
) -> QuerySet[Enterprise]:
    """Enterprises ``user`` may see, filtered by the shared FilterSet (invalid filters are ignored).

    ``for_count=True``: the same rows, planned for a bounded ``count()`` (the list page's
    capped count) instead of for a page in name order; see ``enterprise_name_search``.
    """
    queryset = Enterprise.objects.visible_to(user)
    if not for_count:
        queryset = queryset.select_related("county", "industry", "zone")
    if filters:
        filterset = EnterpriseFilterSet(filters, queryset=queryset, for_count=for_count)
        queryset = filterset.qs if filterset.is_valid() else queryset
    return queryset


def enterprise_get(*, user, pk) -> Enterprise:
    """One enterprise by id, or ``not_found`` if it does not exist or ``user`` may not see it."""
    enterprise = (
        Enterprise.objects.visible_to(user)
        .select_related("county", "industry", "zone")
        .filter(pk=pk)
        .first()
    )
    if enterprise is None:
        raise ApplicationError.not_found()
    return enterprise
