"""Celery tasks of credit ingestion: run a batch (enqueued on commit by the delivery
services; eager without a broker) and the nightly matching of unmatched records. Both are
idempotent: a batch no longer pending is left alone; matching twice matches nothing more."""

from celery import shared_task


@shared_task(name="credit.batch_run")
def credit_batch_run_task(batch_id: int) -> str | None:
    """Run batch ``batch_id``; returns its final status (None if it no longer exists)."""
    from kejin.credit.ingest.services import credit_batch_run
    from kejin.credit.models import CreditBatch

    batch = CreditBatch.objects.select_related("category").filter(pk=batch_id).first()
    if batch is None:
        return None
    return credit_batch_run(batch=batch).status


@shared_task(name="credit.records_match")
def credit_records_match_task() -> int:
    """Nightly: attach unmatched records to enterprises registered since (count matched)."""
    from kejin.credit.ingest.services import credit_records_match

    return credit_records_match()
