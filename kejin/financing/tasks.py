"""Celery tasks of financing, registered here so that a worker autodiscovering
``kejin.financing.tasks`` knows them (each part keeps its tasks in its own module)."""

from kejin.financing.tasks_loans import loan_import_batch_run_task  # noqa: F401
