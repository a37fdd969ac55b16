"""Celery tasks of financing's deadlines and monitoring (imported by the app's ``ready()``).
Idempotent: a re-run the same day escalates and notifies nothing twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="financing.demands_overdue_scan")
def demands_overdue_scan_task() -> dict:
    """The periodic deadline scan (Celery beat, see settings): counts of what it did."""
    from kejin.financing.sla import demands_overdue_scan

    result = demands_overdue_scan()
    return {
        "due_dates_filled": result.due_dates_filled,
        "step_times_filled": result.step_times_filled,
        "cleared": result.cleared,
        "escalated": result.escalated,
        "pooled": result.pooled,
    }
