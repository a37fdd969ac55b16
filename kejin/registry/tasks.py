"""Celery tasks of the list (名单库). Idempotent: a re-run records no change twice."""

from celery import shared_task


# The task keeps the name it had in the enterprises app, so that messages queued before the
# move are still delivered.
@shared_task(name="enterprises.registry_reevaluate")
def registry_reevaluate_task(
    *, run_id: int | None = None, year: int | None = None, actor_id: int | None = None
) -> int | None:
    """Carry out the queued EvaluationRun ``run_id`` (created by ``registry_run_start``);
    a second delivery finds it no longer queued and does nothing. Returns the run's id.

    ``year`` (and ``actor_id``) without ``run_id``: tasks queued before runs were created by
    the service; the run is created here, refused while another is active."""
    from kejin.accounts.models import User
    from kejin.registry.evaluation import registry_reevaluate
    from kejin.registry.models import EvaluationRun

    if run_id is None:
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        return registry_reevaluate(year=year, actor=actor).pk
    run = EvaluationRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    return registry_reevaluate(run=run).pk


@shared_task(name="registry.registry_preview")
def registry_preview_task(*, preview_id: int, limit: int = 200) -> None:
    """Compute the queued background preview ``preview_id`` (``registry_preview_request``);
    a second delivery finds it no longer queued and does nothing."""
    from kejin.registry.evaluation import evaluation_preview_compute

    evaluation_preview_compute(preview_id, limit=limit)
