"""Site-wide error handlers: API paths answer in the API's error shape, pages as pages in the
platform's layout (Chinese by default), each with a way back: the home page and the page the
visitor came from.

Django itself answers some requests before (or instead of) a view: a bad ``Host`` header or
another suspicious request (400), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 here;
Django's own answer is a 400), a failed CSRF check (403, ``CSRF_FAILURE_VIEW``), no route
(404), an unhandled exception (500). Under ``/api/`` each of these is ``{"error": {"code",
"message", "fields"}}`` with a stable code; elsewhere it is a page.

404, 403 and 400 pages use the full layout (navigation included). The 500 page renders a
self-contained template on a minimal base, without the request, context processors or the
database: whatever broke the request must not break its error page too.
"""

from __future__ import annotations

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.csrf import requires_csrf_token

from kejin.core.errors import ApplicationError, ErrorCode

_API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(_API_PREFIX)


def api_error_response(error: ApplicationError) -> JsonResponse:
    """``error`` as the API's JSON error answer."""
    response = JsonResponse(error.as_dict(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Token realm="api"'
    return response


def request_too_large_error() -> ApplicationError:
    return ApplicationError(
        ErrorCode.REQUEST_TOO_LARGE, gettext("请求内容过大，请减小上传的数据量后重试。")
    )


def bad_request_error() -> ApplicationError:
    return ApplicationError(ErrorCode.BAD_REQUEST, gettext("请求无效，服务器无法处理。"))


def csrf_failed_error() -> ApplicationError:
    return ApplicationError(
        ErrorCode.CSRF_FAILED,
        gettext("安全校验（CSRF）未通过：页面可能已过期。请刷新页面后重新提交。"),
    )


def server_error_error() -> ApplicationError:
    return ApplicationError(ErrorCode.SERVER_ERROR, _server_error_message())


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
        return api_error_response(ApplicationError.not_found())
    return _error_page(request, "404.html", 404)


@requires_csrf_token
def permission_denied(request, exception):
    """403 for an action the visitor may not take (an ApplicationError has its own page)."""
    if _is_api(request):
        return api_error_response(ApplicationError.permission_denied())
    return _error_page(request, "403.html", 403)


@requires_csrf_token
def bad_request(request, exception):
    """400 for a request Django refuses before any view (e.g. a disallowed host or too many
    fields); 413 for a body over the upload limit."""
    if isinstance(exception, RequestDataTooBig):
        error = request_too_large_error()
        if _is_api(request):
            return api_error_response(error)
        return render(
            request,
            "core/error.html",
            {"error": error, "back_url": back_url(request)},
            status=error.status,
        )
    if _is_api(request):
        return api_error_response(bad_request_error())
    return _error_page(request, "400.html", 400)


@requires_csrf_token
def server_error(request):
    """500: the self-contained page (no context processors, no database)."""
    if _is_api(request):
        return api_error_response(server_error_error())
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: say clearly that the security check failed (not a bare 403)."""
    error = csrf_failed_error()
    if _is_api(request):
        return api_error_response(error)
    return render(
        request,
        "core/error.html",
        {"error": error, "back_url": back_url(request)},
        status=error.status,
    )


def _server_error_message() -> str:
    return gettext("服务器出错，请稍后重试。如果问题持续，请联系平台管理员。")
