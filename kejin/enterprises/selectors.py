"""Reads of the enterprise registry, always for an acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.models import Enterprise

# What an enterprise's own administrator may change; the registry facts (code, name,
# county, founding date, capital) are kept by officers.
ENTERPRISE_SELF_EDITABLE = frozenset(
    {
        "legal_representative",
        "address",
        "contact_phone",
        "business_scope",
        "industry",
        "size",
        "zone",
    }
)
OFFICER_EDITABLE = frozenset(
    {
        "uscc",
        "name",
        "county",
        "zone",
        "industry",
        "founded_on",
        "size",
        "registered_capital",
        "legal_representative",
        "address",
        "contact_phone",
        "business_scope",
    }
)


def enterprise_list(*, user, filters: dict | None = None) -> QuerySet[Enterprise]:
    """Enterprises ``user`` may see, filtered by the shared FilterSet (invalid filters are ignored)."""
    queryset = Enterprise.objects.visible_to(user).select_related("county", "industry", "zone")
    if filters:
        filterset = EnterpriseFilterSet(filters, queryset=queryset)
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


def enterprise_editable_fields(*, user, enterprise: Enterprise | None) -> frozenset[str]:
    """The fields ``user`` may set on ``enterprise`` (None: on a new enterprise); empty = read only."""
    if not user.is_authenticated:
        return frozenset()
    if user.sees_whole_city:
        return OFFICER_EDITABLE
    if user.is_county_officer:
        if enterprise is None or enterprise.county_id == user.county_id:
            return OFFICER_EDITABLE
        return frozenset()
    if (
        enterprise is not None
        and user.role == "enterprise_admin"
        and enterprise.pk == user.enterprise_id
    ):
        return ENTERPRISE_SELF_EDITABLE
    return frozenset()
