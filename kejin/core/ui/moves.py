"""The write half of a page: call a service, show its refusal, say what was done, redirect.

``form_service_submit`` serves a form page (a valid POST calls the service; a refusal is shown
on the form, a state conflict above it); ``service_move`` a one-button move (the outcome is a
flash message either way, then back to the page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kejin.core.errors import ApplicationError
from kejin.core.ui.forms import form_add_service_error


def form_service_submit(
    request: HttpRequest,
    form,
    call: Callable[[], Any],
    *,
    done: str,
    url: Callable[[Any], str],
) -> HttpResponse | None:
    """On a valid POST of ``form``: ``call()`` the service, then the success message ``done``
    and a redirect to ``url(result)``. None for a GET, an invalid form or a refusal (a 409
    above the form, any other on its fields: see ``form_add_service_error``), so the caller
    renders the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = call()
    except ApplicationError as error:
        if error.status == 409:
            form.add_error(None, error.message)
        else:
            form_add_service_error(form, error)
        return None
    messages.success(request, done)
    return redirect(url(result))


def service_move(
    request: HttpRequest, call: Callable[[], Any], *, done: str, url: str
) -> HttpResponse:
    """``call()`` a move and redirect to ``url``: the message ``done``, or the refusal (400 or
    409: its message and field messages in one error message; any other is raised)."""
    try:
        call()
    except ApplicationError as error:
        if error.status not in (400, 409):
            raise
        messages.error(
            request, " ".join([error.message, *(m for ms in error.fields.values() for m in ms)])
        )
    else:
        messages.success(request, done)
    return redirect(url)
