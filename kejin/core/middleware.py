"""Page-level middleware: ApplicationErrors as pages, and no caching of private answers."""

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

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


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with Django's never-cache headers) on every answer to a
    signed-in caller — pages and API alike — and on every download (an attachment), so
    that no browser or proxy keeps a copy of private data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        download = "attachment" in response.get("Content-Disposition", "")
        if signed_in or download:
            add_never_cache_headers(response)
        return response
