"""What every list page shares: pages of rows, sortable column headers, the HTMX refresh of
the results alone, and the xlsx export response.

The pages keep their own reads (scoped selectors) and their own filter forms; these helpers
only turn a queryset into a page and a context into a response.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django_stubs_ext import StrOrPromise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wants_partial(request, target: str) -> bool:
    """An HTMX request that swaps only ``target`` (not a boosted page or a history restore)."""
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


class CappedCountPaginator(Paginator):
    """A Paginator that counts no further than ``count_limit`` + 1 rows, and reads a page of a
    queryset in two steps.

    An exact ``count()`` visits every matching row; for a list of a million rows a broad filter
    costs that on every page view, while nobody reads past the first pages. This one asks the
    database for ``count(*)`` of at most ``count_limit + 1`` rows: below the limit the count is
    exact, above it ``count_capped`` is true, the count is ``count_limit + 1`` and the pages end
    at ``count_limit`` rows (the template says "more than ``count_limit``").

    ``count_source`` (default: the object list itself) is the queryset counted: the same rows,
    possibly planned differently for counting than for reading a page in order.

    A page of a queryset is read as ``pk IN (<the page's ids, filtered and ordered>)`` with the
    queryset's ``select_related`` and ordering: the database finds the page's ids without the
    joined tables, and joins them for those rows only (otherwise it may join every candidate
    before sorting). The queryset's annotations and ``only``/``defer`` are not carried over:
    use it for plain model rows.
    """

    def __init__(self, object_list, per_page, *, count_limit: int, count_source=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = count_limit
        self.count_source = object_list if count_source is None else count_source

    @cached_property
    def count(self) -> int:
        source = self.count_source
        if isinstance(source, QuerySet):
            # No ORDER BY in the counted subquery: which rows fill the bound does not matter.
            return source.order_by()[: self.count_limit + 1].count()
        return len(source[: self.count_limit + 1])

    @property
    def count_capped(self) -> bool:
        return self.count > self.count_limit

    @cached_property
    def num_pages(self) -> int:
        if self.count_capped:
            return -(-self.count_limit // self.per_page)
        return super().num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.count_capped:
            top = min(top, self.count_limit)
        elif top + self.orphans >= self.count:
            top = self.count
        if isinstance(self.object_list, QuerySet):
            return self._get_page(_rows_by_ids(self.object_list, bottom, top), number, self)
        return self._get_page(self.object_list[bottom:top], number, self)


def _select_related_lookups(tree: dict, prefix: str = "") -> list[str]:
    """``Query.select_related``'s nested dict as ``select_related()`` lookups."""
    lookups = []
    for name, below in tree.items():
        lookups.append(prefix + name)
        lookups += _select_related_lookups(below, f"{prefix}{name}__")
    return lookups


def _rows_by_ids(queryset: QuerySet, bottom: int, top: int) -> QuerySet:
    """The rows ``queryset[bottom:top]`` as ``pk IN (that slice's ids)``, joined and ordered
    as ``queryset`` is."""
    ids = queryset.values("pk")[bottom:top]
    rows = queryset.model._default_manager.filter(pk__in=ids)
    related = queryset.query.select_related
    if related is True:
        rows = rows.select_related()
    elif related:
        rows = rows.select_related(*_select_related_lookups(related))
    if queryset.query.order_by or not queryset.query.default_ordering:
        rows = rows.order_by(*queryset.query.order_by)
    # Django keeps the prefetches in a private attribute (not in the stubs' QuerySet).
    return rows.prefetch_related(*getattr(queryset, "_prefetch_related_lookups", ()))


def page_context(
    request, queryset, size: int, *, count_limit: int | None = None, count_source=None
) -> dict:
    """The ``?page=`` page of ``queryset`` with the elided page links the pagination shows.

    With ``count_limit`` the count stops there (``CappedCountPaginator``; ``count_source`` is
    the queryset it counts, by default ``queryset``).
    """
    if count_limit is None:
        paginator = Paginator(queryset, size)
    else:
        paginator = CappedCountPaginator(
            queryset, size, count_limit=count_limit, count_source=count_source
        )
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "ellipsis": Paginator.ELLIPSIS,
    }


def sort_headers(columns: Mapping[str, StrOrPromise], current: str) -> dict[str, dict]:
    """For each sortable column (ordering key → label): the ordering a click asks for and the
    current direction."""
    headers = {}
    for key, label in columns.items():
        if current == key:
            headers[key] = {"label": label, "next": f"-{key}", "direction": "asc"}
        elif current == f"-{key}":
            headers[key] = {"label": label, "next": key, "direction": "desc"}
        else:
            headers[key] = {"label": label, "next": key, "direction": ""}
    return headers


def list_page_response(
    request,
    *,
    queryset,
    page_size: int,
    ordering: str,
    sort_columns: Mapping[str, StrOrPromise],
    list_url: str,
    results_id: str,
    results_template: str,
    page_template: str,
    context: dict | None = None,
    page_rows: Callable[[list], list] | None = None,
    full_page_context: Callable[[], dict] | None = None,
    count_limit: int | None = None,
    count_source=None,
) -> HttpResponse:
    """A filtered, sorted list page, or only its results when HTMX asks for ``results_id``.

    ``queryset`` is already scoped, filtered and ordered. ``page_rows`` turns the page's
    objects into the template's ``rows``; ``full_page_context`` adds what only the whole page
    shows (filter form, counts, buttons) and is not called for an HTMX refresh.
    ``count_limit`` and ``count_source``: see ``page_context``.
    """
    context = {
        **page_context(
            request, queryset, page_size, count_limit=count_limit, count_source=count_source
        ),
        "ordering": ordering,
        "sort_headers": sort_headers(sort_columns, ordering),
        "list_url": list_url,
        "results_id": results_id,
        **(context or {}),
    }
    if page_rows is not None:
        context["rows"] = page_rows(context["page"].object_list)
    if wants_partial(request, results_id):
        template = results_template
    else:
        template = page_template
        if full_page_context is not None:
            context.update(full_page_context())
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def xlsx_text(sheet, value: str) -> WriteOnlyCell:
    """A cell that is always text: a name starting with "=" must never become a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def xlsx_formatted(sheet, value, number_format: str) -> WriteOnlyCell:
    """A date or number cell shown with ``number_format`` (e.g. ``yyyy-mm-dd``, ``#,##0.00``)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    """The workbook as a download named ``filename``."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return HttpResponse(
        buffer.getvalue(),
        content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
