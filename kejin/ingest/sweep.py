"""The dead-work sweep: fail every batch (and run) whose worker stopped renewing its lease.

Stale work is already failed when batches or runs are listed and before a new one starts
(:mod:`kejin.ingest.leases`). The sweep does the same on a schedule —
``manage.py ingest_sweep_stale`` or the Celery task ``ingest.sweep_stale`` — so that a batch
whose worker died is failed, and says why, even when nobody opens the list or starts another.

What is swept:

- every concrete model built on :class:`~kejin.ingest.models.IngestBatch`, found in the app
  registry (a new importer is swept without being named here): running batches whose
  heartbeat is older than the lease's ``stale_after`` (30 minutes), with the reason of
  :func:`~kejin.ingest.runs.stale_reason`;
- the other leased work, which ``kejin.ingest`` may not import (layers import downward):
  named in :data:`OTHER_SWEEPS` by import string, each a public function of its app that
  fails its stale rows and returns how many.

Pending batches are not swept: a batch no worker has claimed yet runs when one does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string

from kejin.ingest.models import IngestBatch
from kejin.ingest.runs import batches_expire_stale

logger = logging.getLogger(__name__)

#: (what it sweeps, import string of a ``() -> int`` that fails its stale rows).
OTHER_SWEEPS: tuple[tuple[str, str], ...] = (
    ("registry.EvaluationRun", "kejin.registry.evaluation.evaluation_run_fail_stale"),
)


def ingest_batch_models() -> list[type[IngestBatch]]:
    """Every installed concrete batch model built on ``IngestBatch``, by label."""
    models = [model for model in apps.get_models() if issubclass(model, IngestBatch)]
    return sorted(models, key=lambda model: model._meta.label)


def ingest_sweep_stale() -> dict[str, int]:
    """Fail every stale batch of every ``IngestBatch`` model and the other leased work of
    :data:`OTHER_SWEEPS`; how many were failed, by model label (zeros included).

    Safe to run at any time, from any process, as often as wanted: each row is failed by a
    conditional UPDATE that re-checks the status and heartbeat, so a worker renewing at the
    same moment keeps its row. Reasons are stored in the platform's language, whatever
    language the caller has active.
    """
    failed: dict[str, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for model in ingest_batch_models():
            ids = batches_expire_stale(model=model)
            failed[model._meta.label] = len(ids)
            if ids:
                logger.warning("failed stale %s: %s", model._meta.label, ids)
        for label, path in OTHER_SWEEPS:
            fail_stale: Callable[[], int] = import_string(path)
            failed[label] = fail_stale()
            if failed[label]:
                logger.warning("failed %s stale %s", failed[label], label)
    return failed
