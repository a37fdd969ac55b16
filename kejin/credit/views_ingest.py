"""Pages of the credit data catalogue and of ingestion.

Catalogue: every signed-in user reads it; city officers add and change categories and fields
(``credit_category_can_edit``; the buttons follow the same predicate). Ingestion: a data
provider's home lists their categories (with a template each), their recent batches with
status and progress, and the upload form; a batch page polls its own status block with HTMX
while it runs and shows the quality summary and every reject, a page at a time (and all of
them downloadable as xlsx or csv); the quality dashboard shows a provider's batches per month. City officers and platform
admins see every department's batches. Reads go through selectors, writes through services.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.core.ui.forms import form_add_service_error
from kejin.core.ui.lists import page_context
from kejin.credit.catalogue import (
    category_field_save,
    category_fields,
    provider_categories,
    provider_departments,
    record_category_get,
    record_category_list,
    record_category_save,
)
from kejin.credit.forms_ingest import CategoryFieldForm, CreditUploadForm, RecordCategoryForm
from kejin.credit.ingest.selectors import credit_batch_get, credit_batch_list
from kejin.credit.ingest.services import credit_batch_create, credit_batches_expire_stale
from kejin.credit.permissions import (
    credit_batch_can_create,
    credit_batch_can_view,
    credit_category_can_edit,
)
from kejin.credit.quality import provider_quality_months, quality_rule_rows
from kejin.ingest.choices import BatchStatus
from kejin.ingest.reports import ERROR_REPORT_HEADERS, errors_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_BATCHES = 10
PAGE_SIZE = 25
REJECTS_PAGE_SIZE = 100
STATUS_ID = "credit-batch-status"


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


# --- catalogue -----------------------------------------------------------------------------


@login_required
@require_GET
def catalogue_list_view(request):
    """Every category with its department, disclosure and fields."""
    categories = list(record_category_list(user=request.user))
    return render(
        request,
        "credit/catalogue_list.html",
        {"categories": categories, "can_edit": credit_category_can_edit(user=request.user)},
    )


@login_required
@require_GET
def catalogue_detail_view(request, pk: int):
    category = record_category_get(user=request.user, pk=pk)
    return render(
        request,
        "credit/catalogue_detail.html",
        {
            "category": category,
            "fields": category_fields(category),
            "can_edit": credit_category_can_edit(user=request.user, obj=category),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit_view(request, pk: int | None = None):
    """Add a category (``pk`` None) or change one: city officers only."""
    category = record_category_get(user=request.user, pk=pk) if pk else None
    require(credit_category_can_edit, user=request.user, obj=category)
    form = RecordCategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = record_category_save(
                actor=request.user,
                category=category,
                data=data,
                ip_address=_ip(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("信用数据类别“%(name)s”已保存。") % {"name": saved.name})
            return redirect("credit:catalogue_detail", pk=saved.pk)
    return render(request, "credit/catalogue_form.html", {"form": form, "category": category})


@login_required
@require_http_methods(["GET", "POST"])
def field_edit_view(request, pk: int, field_pk: int | None = None):
    """Add a field to a category (``field_pk`` None) or change one: city officers only."""
    category = record_category_get(user=request.user, pk=pk)
    require(credit_category_can_edit, user=request.user, obj=category)
    field = None
    if field_pk is not None:
        field = next((f for f in category.fields.all() if f.pk == field_pk), None)
        if field is None:
            raise ApplicationError.not_found()
    form = CategoryFieldForm(request.POST or None, instance=field)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            category_field_save(
                actor=request.user,
                category=category,
                field=field,
                data=data,
                ip_address=_ip(request),
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("数据项“%(name)s”已保存。") % {"name": data["name"]})
            return redirect("credit:catalogue_detail", pk=category.pk)
    return render(
        request,
        "credit/catalogue_field_form.html",
        {"form": form, "category": category, "field": field},
    )


# --- ingestion -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ingest_home_view(request):
    """A data provider's home: categories, recent batches, the upload form."""
    require(credit_batch_can_view, user=request.user)
    credit_batches_expire_stale()
    categories = provider_categories(user=request.user)
    can_upload = credit_batch_can_create(user=request.user)
    form = CreditUploadForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST":
        require(credit_batch_can_create, user=request.user)
        if form.is_valid():
            try:
                batch = credit_batch_create(
                    actor=request.user,
                    category=form.cleaned_data["category"],
                    uploaded_file=form.cleaned_data["file"],
                )
            except ApplicationError as error:
                form_add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("文件“%(name)s”已上传，批次 #%(id)s。")
                    % {"name": batch.original_name, "id": batch.pk},
                )
                return redirect("credit:batch_detail", pk=batch.pk)
    batches = list(credit_batch_list(user=request.user)[:RECENT_BATCHES])
    return render(
        request,
        "credit/ingest_home.html",
        {
            "categories": list(categories),
            "batches": batches,
            "form": form,
            "can_upload": can_upload,
        },
    )


@login_required
@require_GET
def batch_list_view(request):
    require(credit_batch_can_view, user=request.user)
    credit_batches_expire_stale()
    return render(
        request,
        "credit/ingest_batch_list.html",
        {**page_context(request, credit_batch_list(user=request.user), PAGE_SIZE)},
    )


def _phase(batch) -> str:
    if batch.status == BatchStatus.PENDING:
        return _("排队中，等待处理……")
    if batch.status == BatchStatus.RUNNING:
        if batch.total_rows and batch.processed_rows >= batch.total_rows:
            return _("校验完成，正在写入数据库（全部写入后一次性生效）……")
        return _("正在校验：已处理 %(done)s 行") % {"done": batch.processed_rows}
    if batch.status == BatchStatus.FAILED:
        return _("处理失败，没有写入任何数据。")
    return _("处理完成。")


@login_required
@require_GET
def batch_detail_view(request, pk: int):
    """One batch: lineage, progress (polled while it runs), quality, and the rejects a page
    (``?page=``) at a time, so every stored reject is reachable here as well as in the
    downloadable report."""
    credit_batches_expire_stale()
    batch = credit_batch_get(user=request.user, pk=pk)
    context = {
        "batch": batch,
        "phase": _phase(batch),
        "polling": batch.status in (BatchStatus.PENDING, BatchStatus.RUNNING),
        **page_context(request, batch.errors or [], REJECTS_PAGE_SIZE),
        "list_url": reverse("credit:batch_detail", args=[batch.pk]),
        "quality_rules": quality_rule_rows(batch.quality),
        "status_id": STATUS_ID,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == STATUS_ID:
        template = "credit/_ingest_batch_status.html"
    else:
        template = "credit/ingest_batch_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def batch_rejects_view(request, pk: int, fmt: str):
    """Every rejected cell of the batch: 行号, 列, 值, 原因 as xlsx or csv."""
    if fmt not in ("xlsx", "csv"):
        raise ApplicationError.not_found()
    batch = credit_batch_get(user=request.user, pk=pk)
    name = f"credit-batch-{batch.pk}-rejects.{fmt}"
    if fmt == "xlsx":
        return _download(errors_workbook(batch.errors), name, XLSX)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ERROR_REPORT_HEADERS)
    for problem in batch.errors or []:
        writer.writerow(
            [
                problem.get("row"),
                problem.get("column"),
                _csv_safe(problem.get("value")),
                problem.get("reason"),
            ]
        )
    return _download(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), name, "text/csv; charset=utf-8"
    )


def _csv_safe(value) -> str:
    """A value from the file as text Excel will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
@require_GET
def category_template_view(request, pk: int):
    """An empty xlsx with the category's columns (Chinese names) for a data provider."""
    category = record_category_get(user=request.user, pk=pk)
    require(credit_batch_can_create, user=request.user, obj=category)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(category.name[:31])
    headers = [_("来源记录编号"), _("统一社会信用代码")]
    headers += [f.name + ("*" if f.required else "") for f in category_fields(category)]
    sheet.append(headers)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), f"{category.code}-template.xlsx", XLSX)


@login_required
@require_GET
def quality_dashboard_view(request):
    """Quality of a provider's batches per month over the last 12 months. A data provider
    sees their department; city officers and admins choose one (``?department=``)."""
    require(credit_batch_can_view, user=request.user)
    batches = credit_batch_list(user=request.user)
    departments = []
    chosen = None
    if not request.user.is_data_provider:
        departments = list(provider_departments())
        chosen = next((d for d in departments if d.code == request.GET.get("department")), None)
        if chosen is not None:
            batches = batches.filter(department=chosen)
    months = provider_quality_months(batches=batches)
    recent = list(batches.filter(status=BatchStatus.DONE)[:RECENT_BATCHES])
    return render(
        request,
        "credit/ingest_quality.html",
        {"months": months, "recent": recent, "departments": departments, "chosen": chosen},
    )
