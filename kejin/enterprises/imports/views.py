"""Pages of the import: upload (with the template downloads), the batch list, a batch's
progress and errors, and the error report download.

Reads go through ``kejin.enterprises.imports.selectors`` (a county officer sees their
county's batches), writes through ``import_batch_create``. A batch still pending or running
polls its own status block with HTMX every 2 seconds; the block returned once the batch has
finished carries no trigger, so the polling stops by itself.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.ui.lists import page_context
from kejin.enterprises.choices import ImportKind, ImportStatus
from kejin.enterprises.imports.forms import ImportUploadForm
from kejin.enterprises.imports.reports import import_errors_filename, import_errors_workbook
from kejin.enterprises.imports.selectors import (
    import_batch_get,
    import_batch_list,
)
from kejin.enterprises.imports.services import import_batch_create, import_batches_expire_stale
from kejin.enterprises.imports.templates import (
    XLSX_CONTENT_TYPE,
    import_template_workbook,
    template_filename,
)
from kejin.enterprises.permissions import import_batch_can_create

PAGE_SIZE = 25
ERRORS_SHOWN = 200
STATUS_ID = "import-batch-status"


def _require_importer(user) -> None:
    require(import_batch_can_create, user=user)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload_view(request):
    """Choose the kind, download its template, upload a file."""
    _require_importer(request.user)
    initial = (
        {"kind": request.GET.get("kind")} if request.GET.get("kind") in ImportKind.values else {}
    )
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_batch_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            if error.code != ErrorCode.INVALID:
                raise
            for field, field_messages in error.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("文件“%(name)s”已上传，导入批次 #%(id)s。")
                % {"name": batch.original_name, "id": batch.pk},
            )
            return redirect("imports:detail", pk=batch.pk)
    kinds = [{"value": value, "label": label} for value, label in ImportKind.choices]
    return render(request, "enterprises/imports/upload.html", {"form": form, "kinds": kinds})


@login_required
@require_GET
def import_template_view(request, kind: str):
    """The xlsx template of one import kind."""
    _require_importer(request.user)
    if kind not in ImportKind.values:
        raise Http404(_("没有这种导入模板。"))
    return _xlsx_response(import_template_workbook(kind), template_filename(kind))


@login_required
@require_GET
def import_batch_list_view(request):
    """The batches the user may see, newest first."""
    _require_importer(request.user)
    import_batches_expire_stale()
    return render(
        request,
        "enterprises/imports/batch_list.html",
        {
            **page_context(request, import_batch_list(user=request.user), PAGE_SIZE),
            "list_url": request.path,
        },
    )


def _phase(batch) -> str:
    """What the batch is doing, for people."""
    if batch.status == ImportStatus.PENDING:
        return _("排队中，等待处理……")
    if batch.status == ImportStatus.RUNNING:
        if batch.total_rows and batch.processed_rows >= batch.total_rows:
            return _("校验完成，正在写入数据库（全部写入后一次性生效）……")
        return _("正在校验：已处理 %(done)s 行") % {"done": batch.processed_rows}
    if batch.status == ImportStatus.FAILED:
        return _("导入失败，没有写入任何数据。")
    return _("导入完成。")


@login_required
@require_GET
def import_batch_detail_view(request, pk: int):
    """One batch: counters, progress (polled while it runs), the first errors."""
    import_batches_expire_stale()
    batch = import_batch_get(user=request.user, pk=pk)
    context = {
        "batch": batch,
        "phase": _phase(batch),
        "polling": batch.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
        "errors_shown": (batch.errors or [])[:ERRORS_SHOWN],
        "errors_limit": ERRORS_SHOWN,
        "status_id": STATUS_ID,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == STATUS_ID:
        template = "enterprises/imports/_batch_status.html"
    else:
        template = "enterprises/imports/batch_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def import_errors_download_view(request, pk: int):
    """Every error of the batch as xlsx (行号, 列, 值, 原因)."""
    batch = import_batch_get(user=request.user, pk=pk)
    return _xlsx_response(import_errors_workbook(batch), import_errors_filename(batch))
