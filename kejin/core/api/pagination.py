"""List pagination for the API: ``?page=N&page_size=M`` → ``{count, next, previous, results}``.

Both parameters are strict: ``page`` is a whole number from 1, ``page_size`` a whole number
from 1 to :attr:`PageNumberPagination.max_page_size`. Anything else (empty, 0, negative,
``null``, ``false``, ``1.5``, too large) is a ``400 invalid`` naming the parameter — never
silently replaced by the default. A page past the end is a ``404 not_found``.
"""

import re

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from kejin.core.errors import ApplicationError, ErrorCode

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def _positive_int(value: str) -> int | None:
    """``value`` as a whole number ≥ 1 (ASCII digits only, at most 18), else None."""
    if not _WHOLE_NUMBER.fullmatch(value):
        return None
    number = int(value)
    return number if number >= 1 else None


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _positive_int(raw)
        if size is None or size > self.max_page_size:
            message = _("每页条数必须是1到%(max)d之间的整数。") % {"max": self.max_page_size}
            raise ApplicationError.invalid({self.page_size_query_param: [message]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        """As DRF's, but strict about the parameters, and a page past the end says which
        page was wrong."""
        raw_page = request.query_params.get(self.page_query_param)
        if raw_page is not None and _positive_int(raw_page) is None:
            raise ApplicationError.invalid({self.page_query_param: [_("页码必须是正整数。")]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                _("第%(page)s页不存在，请从第1页开始翻页。") % {"page": raw_page},
                fields={self.page_query_param: [_("页码无效或超出范围。")]},
            ) from exc

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "页码，从1开始 (a page past the end is 404)"
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
                parameter["description"] = (
                    f"每页条数 1–{self.max_page_size} (default {self.page_size}; "
                    "anything else is 400 invalid)"
                )
        return parameters


def paginated_response(view, rows):
    """The requested page of ``rows`` as ``{count, next, previous, results}``, each row
    formatted by the view's serializer."""
    page = view.paginate_queryset(rows)
    return view.get_paginated_response(view.get_serializer(page, many=True).data)
