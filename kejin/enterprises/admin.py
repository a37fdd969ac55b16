"""Enterprise admin for platform admins: search by name or USCC, filters, audited saves.

Saving goes through the directory's services (``enterprise_create``/``enterprise_update``),
so an admin change is validated (the USCC field names what is wrong with a code),
permission-checked and written to the audit trail like any other change.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.http import client_ip_address
from kejin.core.models import Industry
from kejin.core.ui.admin import admin_form_data, audited_delete
from kejin.core.uscc import uscc_normalise
from kejin.enterprises.models import Enterprise
from kejin.enterprises.services import enterprise_create, enterprise_update


class IndustrySectionFilter(admin.SimpleListFilter):
    """Filter by GB/T 4754 section (门类): the section itself or any industry below it."""

    title = _("行业门类")
    parameter_name = "section"

    def lookups(self, request, model_admin):
        return list(Industry.objects.filter(level="section").values_list("code", "name"))

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        return queryset.filter(
            Q(industry__code=code)
            | Q(industry__parent__code=code)
            | Q(industry__parent__parent__code=code)
            | Q(industry__parent__parent__parent__code=code)
        )


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "county", "industry", "size", "founded_on")
    list_filter = (
        ("county", admin.RelatedOnlyFieldListFilter),
        "size",
        IndustrySectionFilter,
        ("zone", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "=uscc")
    list_select_related = ("county", "industry", "zone")
    date_hierarchy = "founded_on"
    readonly_fields = ("created_at", "updated_at")
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("uscc", "name", "county", "zone", "industry")}),
        (None, {"fields": ("founded_on", "size", "registered_capital")}),
        (
            None,
            {"fields": ("legal_representative", "address", "contact_phone", "business_scope")},
        ),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request, queryset, search_term):
        """A pasted code (lower case, spaces) finds its enterprise like a typed one."""
        normalised = uscc_normalise(search_term)
        if len(normalised) == 18:
            search_term = normalised
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        data = admin_form_data(form, change)
        if change:
            saved = enterprise_update(
                actor=request.user, enterprise=obj, data=data, ip_address=client_ip_address(request)
            )
        else:
            saved = enterprise_create(
                actor=request.user, data=data, ip_address=client_ip_address(request)
            )
        # The admin goes on with ``obj`` (messages, its log entry, the redirect).
        obj.pk = saved.pk
        obj._state.adding = False
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at

    def delete_model(self, request, obj):
        audited_delete(actor=request.user, instance=obj, ip_address=client_ip_address(request))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audited_delete(
                    actor=request.user, instance=obj, ip_address=client_ip_address(request)
                )
