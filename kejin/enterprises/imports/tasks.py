"""Celery task running an import batch. Enqueued on commit by ``import_batch_create``;
without a broker it runs eagerly in-process. Idempotent: a batch that is no longer pending
(already run, or claimed by another worker) is left alone."""

from celery import shared_task


@shared_task(name="enterprises.import_batch_run")
def import_batch_run_task(batch_id: int) -> str | None:
    """Run batch ``batch_id``; returns its final status (None if it no longer exists)."""
    from kejin.enterprises.imports.services import import_batch_run
    from kejin.enterprises.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return None
    return import_batch_run(batch=batch).status
