"""Pages of the inbox (站内消息): the list, open one (marks it read and goes where it
leads), mark all read, and the navbar's unread badge (loaded by HTMX)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kejin.core.ui.lists import page_context
from kejin.notifications import selectors, services

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list_view(request):
    """The user's messages, newest first; ``?unread=1`` only the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    context = page_context(
        request,
        selectors.notification_list(user=request.user, unread_only=unread_only),
        PAGE_SIZE,
    )
    context.update(
        unread_only=unread_only,
        list_url=reverse("notifications:list"),
        unread_count=selectors.notification_unread_count(user=request.user),
    )
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notification_open_view(request, pk: int):
    """Mark the message read and go to what it is about (or back to the inbox)."""
    note = services.notification_mark_read(user=request.user, pk=pk)
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all_view(request):
    """Mark every unread message read."""
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
    return redirect("notifications:list")


@require_GET
def notification_badge_view(request):
    """The unread count for the navbar (empty when none, or for a visitor not signed in)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return HttpResponse("")
    count = selectors.notification_unread_count(user=user)
    return render(request, "notifications/_badge.html", {"count": count})
