"""Reads of credit batches, always for an acting user: city officers and platform admins see
every batch, a data provider their department's, nobody else any (``credit_batch_scope``)."""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.core.errors import ApplicationError
from kejin.credit.models import CreditBatch


def credit_batch_list(*, user) -> QuerySet[CreditBatch]:
    """The batches ``user`` may see, newest first (with category, department and uploader:
    one query for a page). ``errors`` is deferred: it may hold 50,000 rows."""
    return (
        CreditBatch.objects.visible_to(user)
        .select_related("category", "department", "uploaded_by")
        .defer("errors")
        .order_by("-created_at", "-id")
    )


def credit_batch_get(*, user, pk) -> CreditBatch:
    """One batch with its errors, or ``not_found`` if it does not exist or ``user`` may not
    see it."""
    batch = (
        CreditBatch.objects.visible_to(user)
        .select_related("category", "department", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if batch is None:
        raise ApplicationError.not_found()
    return batch
