"""Sending notifications: on commit, once per recipient and event.

``notification_send`` is what every module calls inside its own transaction: the messages
are written after that transaction commits (never for a write that rolled back), with
``bulk_create(ignore_conflicts=True)`` on the unique (recipient, key), so an event sent
twice — a retried task, a double click — reaches each user once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from kejin.notifications.models import Notification


def notification_send(
    *, recipients: Iterable, kind: str, key: str, title: str, body: str = "", url: str = ""
) -> None:
    """Queue one message to each of ``recipients`` (users), written on commit."""
    users = [user for user in recipients if getattr(user, "pk", None) and user.is_active]
    if not users:
        return

    def write() -> None:
        Notification.objects.bulk_create(
            [
                Notification(recipient=user, kind=kind, key=key, title=title, body=body, url=url)
                for user in users
            ],
            ignore_conflicts=True,
        )

    transaction.on_commit(write)
