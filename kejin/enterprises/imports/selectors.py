"""Reads of import batches, always for an acting user.

City officers and platform admins see every batch; a county officer sees the batches
limited to their county (their own and their county colleagues'); nobody else sees any.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.enterprises.models import ImportBatch


def import_batch_list(*, user) -> QuerySet[ImportBatch]:
    """The batches ``user`` may see, newest first."""
    return (
        ImportBatch.objects.visible_to(user)
        .select_related("uploaded_by", "county")
        .order_by("-created_at", "-id")
    )


def import_batch_get(*, user, pk) -> ImportBatch:
    """One batch, or ``not_found`` if it does not exist or ``user`` may not see it."""
    batch = import_batch_list(user=user).filter(pk=pk).first()
    if batch is None:
        raise ApplicationError.not_found()
    return batch
