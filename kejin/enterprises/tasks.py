"""Celery tasks of the registry. Idempotent: a re-run records no change twice."""

from celery import shared_task

# Registered here so a worker that autodiscovers kejin.enterprises.tasks knows it.
from kejin.enterprises.imports.tasks import import_batch_run_task  # noqa: F401


@shared_task(name="enterprises.registry_reevaluate")
def registry_reevaluate_task(*, year: int, actor_id: int | None = None) -> int:
    """Re-evaluate the list for ``year``; returns the EvaluationRun id."""
    from kejin.accounts.models import User
    from kejin.enterprises.registry import registry_reevaluate

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return registry_reevaluate(year=year, actor=actor).pk
