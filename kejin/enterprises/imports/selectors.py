"""Reads of import batches, always for an acting user.

City officers and platform admins see every batch; a county officer sees the batches
limited to their county (their own and their county colleagues'); nobody else sees any.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.enterprises.models import ImportBatch


def import_batch_can_create(*, user) -> bool:
    """Whether ``user`` may upload import files: city and county officers, platform admins."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.sees_whole_city or user.is_county_officer)
    )


def import_batch_list(*, user) -> QuerySet[ImportBatch]:
    """The batches ``user`` may see, newest first."""
    queryset = ImportBatch.objects.select_related("uploaded_by", "county").order_by(
        "-created_at", "-id"
    )
    if not import_batch_can_create(user=user):
        return queryset.none()
    if user.sees_whole_city:
        return queryset
    return queryset.filter(county_id=user.county_id)


def import_batch_get(*, user, pk) -> ImportBatch:
    """One batch, or ``not_found`` if it does not exist or ``user`` may not see it."""
    batch = import_batch_list(user=user).filter(pk=pk).first()
    if batch is None:
        raise ApplicationError.not_found()
    return batch
