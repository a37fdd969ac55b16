"""Products, their versions and history, and leads in the Django admin (platform admins):
to look at only. Every write is a service's (``kejin.financing.services_products``: the
workflow table, the audit trail, the worked cases); an admin form would go round them."""

from __future__ import annotations

from django.contrib import admin

from kejin.financing.models import Lead, Product, ProductEvent, ProductVersion


class _ReadOnly:
    """Seen, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProductVersionInline(_ReadOnly, admin.TabularInline):
    model = ProductVersion
    fields = (
        "version",
        "review",
        "status",
        "amount_min",
        "amount_max",
        "term_min_months",
        "term_max_months",
        "rate_min",
        "rate_max",
        "submitted_at",
        "reviewed_at",
    )
    readonly_fields = fields
    extra = 0


class ProductEventInline(_ReadOnly, admin.TabularInline):
    model = ProductEvent
    fields = ("at", "action", "from_status", "to_status", "version", "actor", "comment")
    readonly_fields = fields
    extra = 0


@admin.register(Product)
class ProductAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("name", "institution", "product_type", "status", "published_at")
    list_filter = ("status", "product_type")
    search_fields = ("name", "institution__name")
    list_select_related = ("institution",)
    readonly_fields = (
        "name",
        "institution",
        "product_type",
        "status",
        "live_version",
        "published_at",
        "withdrawn_at",
        "created_by",
    )
    fields = readonly_fields
    inlines = [ProductVersionInline, ProductEventInline]


@admin.register(Lead)
class LeadAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("enterprise", "product", "institution", "status", "score", "created_at")
    list_filter = ("status",)
    search_fields = ("enterprise__name", "product__name")
    list_select_related = ("enterprise", "product", "institution")
