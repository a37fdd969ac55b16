"""Site-wide error handlers: API paths answer in the API's error shape, pages as pages in the
platform's layout (Chinese by default), each with a way back: the home page and the page the
visitor came from.

404, 403 and 400 pages use the full layout (navigation included). The 500 page renders a
self-contained template on a minimal base, without the request, context processors or the
database: whatever broke the request must not break its error page too.
"""

from __future__ import annotations

from django.core.exceptions import DisallowedHost
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.csrf import requires_csrf_token

from kejin.core.errors import ApplicationError

_API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(_API_PREFIX)


def back_url(request) -> str:
    """The page the visitor came from, if it is one of ours; else empty (the page offers home)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the very reason for a 400: nothing to go back to
        return ""
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _error_page(request, template_name: str, status: int):
    return render(request, template_name, {"back_url": back_url(request)}, status=status)


def page_not_found(request, exception):
    """404 for a URL no route matches or an object the visitor may not see."""
    if _is_api(request):
        return JsonResponse(ApplicationError.not_found().as_dict(), status=404)
    return _error_page(request, "404.html", 404)


@requires_csrf_token
def permission_denied(request, exception):
    """403 for an action the visitor may not take (an ApplicationError has its own page)."""
    if _is_api(request):
        return JsonResponse(ApplicationError.permission_denied().as_dict(), status=403)
    return _error_page(request, "403.html", 403)


@requires_csrf_token
def bad_request(request, exception):
    """400 for a request Django refuses before any view (e.g. a disallowed host or too many fields)."""
    if _is_api(request):
        error = ApplicationError.invalid({})
        return JsonResponse(error.as_dict(), status=400)
    return _error_page(request, "400.html", 400)


@requires_csrf_token
def server_error(request):
    """500: the self-contained page (no context processors, no database)."""
    if _is_api(request):
        # "server_error": the code the API's own exception handler gives a 500 too.
        error = ApplicationError("server_error", _server_error_message(), status=500)
        return JsonResponse(error.as_dict(), status=500)
    return HttpResponseServerError(loader.get_template("500.html").render())


def _server_error_message() -> str:
    return gettext("服务器出错，请稍后重试。如果问题持续，请联系平台管理员。")
