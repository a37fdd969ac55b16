"""Celery tasks of the credit module. Idempotent: a second delivery changes nothing."""

from celery import shared_task

# --- disputes ---


@shared_task(name="credit.disputes_overdue_flag")
def credit_disputes_scan_task() -> int:
    """The daily scan: flag open disputes past their deadline (Celery beat, see settings)."""
    from kejin.credit.disputes import disputes_overdue_flag

    return disputes_overdue_flag()
