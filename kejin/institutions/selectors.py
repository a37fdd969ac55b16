"""Reads of financial institutions, always for an acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.institutions.filters import InstitutionFilterSet
from kejin.institutions.models import Institution
from kejin.institutions.permissions import (  # re-exported: pages and the API ask it here
    institution_editable_fields as institution_editable_fields,
)


def institution_list(*, user, filters: dict | None = None) -> QuerySet[Institution]:
    """Institutions ``user`` may see, filtered by the shared FilterSet."""
    queryset = Institution.objects.visible_to(user).select_related("county", "parent")
    if filters:
        filterset = InstitutionFilterSet(filters, queryset=queryset)
        queryset = filterset.qs if filterset.is_valid() else queryset
    return queryset


def institution_get(*, user, pk) -> Institution:
    """One institution by id, or ``not_found``."""
    institution = (
        Institution.objects.visible_to(user)
        .select_related("county", "parent")
        .filter(pk=pk)
        .first()
    )
    if institution is None:
        raise ApplicationError.not_found()
    return institution
