"""Sending notifications: on commit, once per recipient and event; inbox writes.

``notification_send`` is what every module calls inside its own transaction: the messages
are written after that transaction commits (never for a write that rolled back), with
``bulk_create(ignore_conflicts=True)`` on the unique (recipient, key), so an event sent
twice — a retried task, a double click — reaches each user once. Then each new message is
emailed to a recipient who has an address (:func:`notifications_email`): ``emailed_at`` is
taken by a conditional UPDATE before sending, so no message is emailed twice; a failed
send gives it back (a later call may retry) and is logged, never raised into the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.errors import ApplicationError
from kejin.notifications.models import Notification

logger = logging.getLogger(__name__)


def notification_send(
    *, recipients: Iterable, kind: str, key: str, title: str, body: str = "", url: str = ""
) -> None:
    """Queue one message to each of ``recipients`` (users), written and emailed on commit."""
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
        notifications_email(
            ids=Notification.objects.filter(
                key=key, recipient__in=[user.pk for user in users], emailed_at__isnull=True
            ).values_list("pk", flat=True)
        )

    transaction.on_commit(write)


def notifications_email(*, ids: Iterable[int]) -> int:
    """Email each of the messages ``ids`` not yet emailed to its recipient (if they have an
    address); the number sent. Idempotent (see the module docstring)."""
    sent = 0
    pending = (
        Notification.objects.filter(pk__in=list(ids), emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    for note in pending:
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            continue  # another process took it
        body = note.body
        if note.url:
            body = f"{body}\n\n{_('查看详情：')}{note.url}".strip()
        try:
            send_mail(
                subject=note.title,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[note.recipient.email],
            )
        except Exception:  # noqa: BLE001 - a mail server down must not break the caller
            logger.warning("notification %s: email to user %s failed", note.pk, note.recipient_id)
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            continue
        sent += 1
    return sent


def notification_mark_read(*, user, pk: int) -> Notification:
    """Mark one of ``user``'s messages read (already read: unchanged); 404 for anyone else's."""
    note = Notification.objects.visible_to(user).filter(pk=pk).first()
    if note is None:
        raise ApplicationError.not_found()
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        note.refresh_from_db(fields=["read_at"])
    return note


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread message of ``user`` read; how many were."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
