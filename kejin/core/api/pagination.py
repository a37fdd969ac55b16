"""List pagination for the API: ``?page=N&page_size=M`` → ``{count, next, previous, results}``."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from kejin.core.errors import ApplicationError, ErrorCode


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        """As DRF's, but a page past the end (or not a number) says which page was wrong."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            page = request.query_params.get(self.page_query_param, "")
            raise ApplicationError(
                ErrorCode.NOT_FOUND,
                _("第%(page)s页不存在，请从第1页开始翻页。") % {"page": page},
                fields={self.page_query_param: [_("页码无效或超出范围。")]},
            ) from exc


def paginated_response(view, rows):
    """The requested page of ``rows`` as ``{count, next, previous, results}``, each row
    formatted by the view's serializer."""
    page = view.paginate_queryset(rows)
    return view.get_paginated_response(view.get_serializer(page, many=True).data)
