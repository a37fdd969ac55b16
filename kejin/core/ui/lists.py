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
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wants_partial(request, target: str) -> bool:
    """An HTMX request that swaps only ``target`` (not a boosted page or a history restore)."""
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


def page_context(request, queryset, size: int) -> dict:
    """The ``?page=`` page of ``queryset`` with the elided page links the pagination shows."""
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    return {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "ellipsis": Paginator.ELLIPSIS,
    }


def sort_headers(columns: Mapping[str, str], current: str) -> dict[str, dict]:
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
    sort_columns: Mapping[str, str],
    list_url: str,
    results_id: str,
    results_template: str,
    page_template: str,
    context: dict | None = None,
    page_rows: Callable[[list], list] | None = None,
    full_page_context: Callable[[], dict] | None = None,
) -> HttpResponse:
    """A filtered, sorted list page, or only its results when HTMX asks for ``results_id``.

    ``queryset`` is already scoped, filtered and ordered. ``page_rows`` turns the page's
    objects into the template's ``rows``; ``full_page_context`` adds what only the whole page
    shows (filter form, counts, buttons) and is not called for an HTMX refresh.
    """
    context = {
        **page_context(request, queryset, page_size),
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
