"""Celery tasks of applications' deadlines (imported by the app's ``ready()``). Idempotent: a
re-run the same day reminds nobody twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="policies.applications_overdue_scan")
def applications_overdue_scan_task() -> dict:
    """The daily deadline scan (Celery beat, see settings): reminders sent, by step."""
    from kejin.policies.sla_applications import applications_overdue_scan

    return {"reminded": applications_overdue_scan().reminded}
