"""Credit in the Django admin (platform admins only): the record catalogue and the batches'
lineage, to look at — nothing to change, and no way to credit records.

What is here, and why (docs/architecture.md, "Credit in the admin"):

- **The record catalogue** (categories with their fields), read only. Its content —
  what is collected, what is public and for how long, on what legal basis — is the
  departments' decision: city officers keep it on ``/credit/catalogue/`` through
  ``record_category_save`` / ``category_field_save`` (``credit_category_can_edit``, audited),
  and platform admins may not (the permission table).
- **Credit batches**, read only: lineage (department, uploader, time, channel, file name and
  SHA-256, counters, status, quality summary). Batches are written only by the ingestion
  service. The delivered file and the rejected rows are *not* shown: they hold the records
  themselves (personal information, restricted categories); the batch page under
  ``/credit/ingest/`` serves the rejects report to those allowed.

Not registered, on purpose: credit records, report requests and grants, the read log,
scorecards and scores, disputes and their attachments. Records and reports are reached only
through ``kejin.credit.reports.credit_report_for`` (grant checked, read logged), public
records through ``kejin.credit.disclosure``; an admin page would be a way round both
(``tests/test_credit_access.py`` scans this module too, and ``test_admin.py`` pins the list).
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kejin.credit.ingest.selectors import credit_batch_list
from kejin.credit.ingest.services import credit_batches_expire_stale
from kejin.credit.models import CategoryField, CreditBatch, RecordCategory
from kejin.credit.permissions import credit_batch_can_view, credit_category_can_view


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Seen, never added, changed or deleted here: a service owns every write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CategoryFieldInline(admin.TabularInline):
    """A category's fields, in order, read only."""

    model = CategoryField
    fields = (
        "order",
        "code",
        "name",
        "type",
        "required",
        "allowed_values",
        "value_labels",
        "unit",
        "is_personal",
    )
    readonly_fields = fields
    ordering = ("order", "id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecordCategory)
class RecordCategoryAdmin(_ReadOnlyAdmin):
    """The record catalogue, read only; city officers edit it on the catalogue pages."""

    list_display = (
        "code",
        "name",
        "department",
        "disclosure",
        "disclosure_years",
        "retention_years",
        "is_active",
        "catalogue_page",
    )
    list_filter = ("disclosure", "is_active", ("department", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    list_select_related = ("department",)
    ordering = ("order", "code")
    inlines = (CategoryFieldInline,)
    fields = (
        "code",
        "name",
        "department",
        "description",
        "disclosure",
        "disclosure_years",
        "retention_years",
        "legal_basis",
        "personal_info_disclosed",
        "indicator_note",
        "event_date_field",
        "is_active",
        "order",
        "catalogue_page",
    )
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return credit_category_can_view(user=request.user, obj=obj)

    @admin.display(description=_("目录页面"))
    def catalogue_page(self, category: RecordCategory) -> str:
        url = reverse("credit:catalogue_detail", args=[category.pk])
        return format_html('<a href="{}">{}</a>', url, _("在信用数据目录中查看"))


@admin.register(CreditBatch)
class CreditBatchAdmin(_ReadOnlyAdmin):
    """Batches' lineage, read only; never the delivered file or its rejected rows."""

    list_display = (
        "id",
        "category",
        "department",
        "channel",
        "original_name",
        "uploaded_by",
        "created_at",
        "status",
        "total_rows",
        "accepted",
        "error_count",
        "unmatched_count",
    )
    list_filter = (
        "status",
        "channel",
        ("department", admin.RelatedOnlyFieldListFilter),
        ("category", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("original_name", "=file_sha256")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "category",
        "department",
        "channel",
        "uploaded_by",
        "created_at",
        "original_name",
        "file_sha256",
        "status",
        "total_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "unmatched_count",
        "quality",
        "failure",
        "heartbeat_at",
        "finished_at",
        "batch_page",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The batches the admin may see, as the ingestion pages list them (rows deferred).
        return credit_batch_list(user=request.user)

    def has_view_permission(self, request, obj=None):
        return credit_batch_can_view(user=request.user, obj=obj)

    def changelist_view(self, request, extra_context=None):
        credit_batches_expire_stale()  # as every batch list does: dead workers' batches fail
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        credit_batches_expire_stale()
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("接收"))
    def accepted(self, batch: CreditBatch) -> int:
        return batch.accepted_count

    @admin.display(description=_("批次页面"))
    def batch_page(self, batch: CreditBatch) -> str:
        url = reverse("credit:batch_detail", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, _("查看批次与错误报告"))
