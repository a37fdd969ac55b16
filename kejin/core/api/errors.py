"""The API's one error shape: ``{"error": {"code", "message", "fields"}}`` for every 4xx.

DRF's own exceptions, Django's Http404/PermissionDenied/ValidationError and our
:class:`ApplicationError` all come out the same way.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from kejin.core.api.exceptions import CsrfFailed, TokenExpired
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.handlers import bad_request_error, csrf_failed_error, request_too_large_error

_DRF_CODES = {
    TokenExpired: (
        ErrorCode.TOKEN_EXPIRED,
        _("令牌已过期，请重新申请令牌（POST /api/v1/auth/token/）。"),
    ),
    exceptions.NotAuthenticated: (ErrorCode.NOT_AUTHENTICATED, _("请先登录或提供有效的令牌。")),
    exceptions.AuthenticationFailed: (
        ErrorCode.NOT_AUTHENTICATED,
        _("身份验证失败：令牌或账号无效。"),
    ),
    exceptions.PermissionDenied: (ErrorCode.PERMISSION_DENIED, _("您无权执行此操作。")),
    exceptions.NotFound: (ErrorCode.NOT_FOUND, _("未找到该记录，或您无权查看。")),
    exceptions.MethodNotAllowed: (ErrorCode.METHOD_NOT_ALLOWED, _("不支持该请求方法。")),
    exceptions.NotAcceptable: (ErrorCode.NOT_ACCEPTABLE, _("无法提供请求的格式。")),
    exceptions.UnsupportedMediaType: (
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        _("不支持的请求内容类型，请使用JSON。"),
    ),
    exceptions.Throttled: (ErrorCode.THROTTLED, _("请求过于频繁，请稍后再试。")),
    exceptions.ParseError: (ErrorCode.PARSE_ERROR, _("请求内容无法解析，请检查JSON格式。")),
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _field_messages(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def to_application_error(exc) -> ApplicationError | None:
    """Translate a known exception into an ApplicationError, or None if it is not ours to handle."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, Http404):
        return ApplicationError.not_found()
    if isinstance(exc, PermissionDenied):
        return ApplicationError.permission_denied()
    if isinstance(exc, RequestDataTooBig):
        return request_too_large_error()
    if isinstance(exc, SuspiciousOperation):
        return bad_request_error()
    if isinstance(exc, CsrfFailed):
        return csrf_failed_error()
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return ApplicationError.invalid(fields)
    if isinstance(exc, exceptions.ValidationError):
        return ApplicationError.invalid(_field_messages(exc.detail))
    for cls, (code, message) in _DRF_CODES.items():
        if isinstance(exc, cls):
            return ApplicationError(code, str(message), status=exc.status_code)
    if isinstance(exc, exceptions.APIException):
        return ApplicationError(
            str(exc.default_code), "; ".join(_flatten(exc.detail)), status=exc.status_code
        )
    return None


def exception_handler(exc, context):
    """DRF exception handler rendering every error in the one shape."""
    error = to_application_error(exc)
    if error is None:
        return None
    set_rollback()
    response = Response(error.as_dict(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Token realm="api"'
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait:
        response["Retry-After"] = str(int(wait) + 1)
    return response


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(
                    help_text="stable error code, e.g. invalid, not_found"
                ),
                "message": serializers.CharField(help_text="zh-hans message for people"),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="messages per input field; may be empty",
                ),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error statuses, all in the one error shape."""
    described = {
        400: "输入有误 (invalid)",
        401: "未认证 (not_authenticated)",
        403: "无权操作 (permission_denied)",
        404: "不存在或无权查看 (not_found)",
        409: "状态冲突 (conflict)",
        429: "请求过于频繁 (throttled)",
    }
    return {s: OpenApiResponse(ErrorSerializer, description=described.get(s, "")) for s in statuses}
