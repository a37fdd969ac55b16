"""Reading the inbox: always a user's own messages (``Notification.objects.visible_to``)."""

from __future__ import annotations

from django.db.models import QuerySet

from kejin.notifications.models import Notification


def notification_list(*, user, unread_only: bool = False) -> QuerySet:
    """``user``'s messages, newest first (only the unread ones if asked)."""
    notes = Notification.objects.visible_to(user)
    return notes.unread() if unread_only else notes


def notification_unread_count(*, user) -> int:
    """How many of ``user``'s messages are unread (the navbar badge)."""
    return Notification.objects.visible_to(user).unread().count()


def notification_get(*, user, pk: int) -> Notification | None:
    """One of ``user``'s messages, or None."""
    return Notification.objects.visible_to(user).filter(pk=pk).first()
