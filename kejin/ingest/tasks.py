"""Celery task of the ingestion framework: the dead-work sweep, on a schedule (beat)."""

from celery import shared_task


@shared_task(name="ingest.sweep_stale")
def ingest_sweep_stale_task() -> dict[str, int]:
    """Fail every batch and run whose worker died (``kejin.ingest.sweep``); how many, by
    model. Idempotent: a second sweep finds nothing more to fail."""
    from kejin.ingest.sweep import ingest_sweep_stale

    return ingest_sweep_stale()
