"""Renders an ApplicationError raised by a page view as a page with its message."""

from django.http import Http404
from django.shortcuts import render

from kejin.core.errors import ApplicationError, ErrorCode


class ApplicationErrorMiddleware:
    """Pages show an ApplicationError's message with its status; 404s stay Django's 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError):
            return None
        if exception.code == ErrorCode.NOT_FOUND:
            raise Http404(exception.message)
        return render(request, "core/error.html", {"error": exception}, status=exception.status)
