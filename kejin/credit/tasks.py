"""Celery tasks of the credit module. Idempotent: a re-run writes no change twice."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction


@shared_task(name="credit.scores_refresh")
def credit_scores_refresh_task(*, enterprise_ids: list[int] | None = None) -> dict:
    """Score every enterprise (or ``enterprise_ids``) with the active scorecard; returns the
    counts (scored, created, changed, unchanged)."""
    from kejin.credit.scoring.batch import credit_scores_recompute

    counts = credit_scores_recompute(enterprise_ids=enterprise_ids)
    return {
        "scored": counts.scored,
        "created": counts.created,
        "changed": counts.changed,
        "unchanged": counts.unchanged,
    }


def credit_scores_refresh(*, enterprise_ids: list[int] | None = None) -> None:
    """Rescore ``enterprise_ids`` (None: every enterprise) once the current transaction
    commits: what ingestion (after a batch), dispute resolution and scorecard activation
    call."""
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    transaction.on_commit(partial(_enqueue, enterprise_ids=ids), robust=True)


def _enqueue(*, enterprise_ids: list[int] | None) -> None:
    credit_scores_refresh_task.delay(enterprise_ids=enterprise_ids)


# --- disputes ---


@shared_task(name="credit.disputes_overdue_flag")
def credit_disputes_scan_task() -> int:
    """The daily scan: flag open disputes past their deadline (Celery beat, see settings)."""
    from kejin.credit.disputes import disputes_overdue_flag

    return disputes_overdue_flag()


# --- ingestion ---
# Registered here so a worker that autodiscovers kejin.credit.tasks knows them.
from kejin.credit.ingest.tasks import (  # noqa: E402, F401
    credit_batch_run_task,
    credit_records_match_task,
)
