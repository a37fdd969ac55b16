"""The API's JSON parser: DRF's, refusing bodies nested too deeply to handle.

A body longer than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused before it is read (Django
checks form bodies, but DRF reads JSON from the stream, past that check).

Python's JSON decoder recurses once per level of nesting, so a body of 100,000 opening
brackets is a ``RecursionError`` (a 500) in DRF's parser, even on the anonymous token
endpoint. Here such a body, and any body nested deeper than :data:`MAX_DEPTH` levels (no
request of this API needs more than a handful), is a ``400 parse_error``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import parsers

from kejin.core.errors import ApplicationError, ErrorCode

MAX_DEPTH = 32


def _too_deep(data, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` nests lists/objects more than ``limit`` levels (iteratively)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                # As Django does for form bodies (answered 413 request_too_large).
                raise RequestDataTooBig("Request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise _too_deep_error() from exc
        if _too_deep(data):
            raise _too_deep_error()
        return data


def _too_deep_error() -> ApplicationError:
    return ApplicationError(
        ErrorCode.PARSE_ERROR,
        _("请求内容嵌套层级过深（最多%(depth)d层），请检查JSON格式。") % {"depth": MAX_DEPTH},
    )
