"""Celery tasks of policy publishing (imported by the app's ``ready()``). Idempotent: a
re-run for the same version notifies nobody twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="policies.notify_publication")
def policy_notify_publication_task(*, version_id: int) -> int:
    """Tell the subscribed and the qualifying enterprises of a published version (queued on
    commit by ``policy_publish``); the number of enterprises newly told."""
    from kejin.policies.services_policies import policy_publication_notify

    return policy_publication_notify(version_id=version_id)
