"""Celery tasks of the enterprises app (the list's re-evaluation is in ``kejin.registry.tasks``)."""

# Registered here so a worker that autodiscovers kejin.enterprises.tasks knows it.
from kejin.enterprises.imports.tasks import import_batch_run_task  # noqa: F401
