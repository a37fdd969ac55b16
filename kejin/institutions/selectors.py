"""Reads of financial institutions, always for an acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.institutions.filters import InstitutionFilterSet
from kejin.institutions.models import Institution

INSTITUTION_SELF_EDITABLE = frozenset({"address", "contact_phone"})
OFFICER_EDITABLE = frozenset(
    {"uscc", "name", "kind", "parent", "county", "registered_capital", "address", "contact_phone"}
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


def institution_editable_fields(*, user, institution: Institution | None) -> frozenset[str]:
    """The fields ``user`` may set on ``institution`` (None: a new one); empty = read only.

    City officers and platform admins keep the directory; an institution's manager keeps
    its own contact details.
    """
    if not user.is_authenticated:
        return frozenset()
    if user.sees_whole_city:
        return OFFICER_EDITABLE
    if (
        institution is not None
        and user.role == "institution_manager"
        and institution.pk == user.institution_id
    ):
        return INSTITUTION_SELF_EDITABLE
    return frozenset()
