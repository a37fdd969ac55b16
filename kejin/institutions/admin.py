"""Institution admin for platform admins: search by name or USCC, filters, audited saves.

Saving goes through ``institution_create``/``institution_update``, so an admin change is
validated, permission-checked and written to the audit trail like any other change.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kejin.core.http import client_ip_address
from kejin.core.ui.admin import admin_form_data, audited_delete
from kejin.core.uscc import uscc_normalise
from kejin.institutions.models import Institution
from kejin.institutions.services import institution_create, institution_update


class BranchInline(admin.TabularInline):
    """The institution's branches, read only (each is edited on its own page)."""

    model = Institution
    fk_name = "parent"
    fields = ("name", "kind", "county")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("下属分支机构")
    verbose_name_plural = _("下属分支机构")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "kind", "county", "parent")
    list_filter = ("kind", ("county", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "=uscc")
    list_select_related = ("county", "parent")
    autocomplete_fields = ("parent",)
    readonly_fields = ("created_at", "updated_at")
    ordering = ("name",)
    inlines = (BranchInline,)

    def get_inlines(self, request, obj):
        """Branches are listed on an existing institution's page only."""
        return self.inlines if obj is not None else ()

    def get_search_results(self, request, queryset, search_term):
        """A pasted code (lower case, spaces) finds its institution like a typed one."""
        normalised = uscc_normalise(search_term)
        if len(normalised) == 18:
            search_term = normalised
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        data = admin_form_data(form, change)
        if change:
            saved = institution_update(
                actor=request.user,
                institution=obj,
                data=data,
                ip_address=client_ip_address(request),
            )
        else:
            saved = institution_create(
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
