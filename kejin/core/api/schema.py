"""The OpenAPI schema tells the truth about errors and nulls.

:class:`KejinAutoSchema` (``DEFAULT_SCHEMA_CLASS``) adds, to every operation, the error
answers any endpoint of its kind can give, in the one error shape — a view documents only
what is special to it. :func:`drop_ambiguous_one_of` (a postprocessing hook) rewrites
``oneOf: [{}, {"type": "null"}]``, which drf-spectacular emits for a nullable free-form
JSON field and which no value can satisfy (null matches both), into the free-form ``{}``.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

from kejin.core.api.errors import ErrorSerializer

_DESCRIPTIONS = {
    400: "输入有误 (invalid, parse_error): a body field, a query parameter or the request itself",
    401: "未认证或令牌已过期 (not_authenticated, token_expired)",
    403: "无权操作 (permission_denied, csrf_failed)",
    404: "不存在、无权查看或页码超出范围 (not_found)",
    413: "请求内容过大 (request_too_large)",
    415: "不支持的请求内容类型 (unsupported_media_type)",
    429: "请求过于频繁 (throttled)",
}


class KejinAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, documenting the errors every operation may answer."""

    def _error_statuses(self) -> list[int]:
        statuses = [400]
        perms = self.view.get_permissions()
        if not all(isinstance(p, permissions.AllowAny) for p in perms):
            statuses += [401, 403]
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            statuses.append(404)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [413, 415]
        if self.view.get_throttles():
            statuses.append(429)
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status]),
                    str(status),
                    direction=direction,
                )
        return responses


def _unambiguous(node):
    if isinstance(node, dict):
        one_of = node.get("oneOf")
        if isinstance(one_of, list) and any(option == {} for option in one_of):
            # One option already accepts anything: the union is that option.
            node = {k: v for k, v in node.items() if k != "oneOf"}
        return {k: _unambiguous(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unambiguous(v) for v in node]
    return node


def drop_ambiguous_one_of(result, generator, request, public):
    """Postprocessing hook: no ``oneOf`` that a value (null) can match twice."""
    return _unambiguous(result)
