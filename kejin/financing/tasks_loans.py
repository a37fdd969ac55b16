"""Celery task of the loan import: run a batch (enqueued on commit by
``loan_import_batch_create``; eager without a broker). Idempotent: a batch no longer pending
(already run, or claimed by another worker) is left alone."""

from celery import shared_task


@shared_task(name="financing.loan_import_batch_run")
def loan_import_batch_run_task(batch_id: int) -> str | None:
    """Run batch ``batch_id``; returns its final status (None if it no longer exists)."""
    from kejin.financing.models import LoanImportBatch
    from kejin.financing.services_loans import loan_import_batch_run

    batch = LoanImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return None
    return loan_import_batch_run(batch=batch).status
