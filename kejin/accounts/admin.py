"""User admin for platform admins: role, organisation and county, checked to agree.

Role/organisation mismatches (the model's check constraints ``user_role_has_its_organisation``
and ``user_county_officer_has_county``) are form errors here, never IntegrityErrors. Creating
and changing users is audited like any other write (password hashes are never recorded).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kejin.accounts.forms import (
    UserAdminChangeForm,
    UserAdminCreationForm,
    UserAdminPasswordChangeForm,
)
from kejin.accounts.models import User
from kejin.accounts.permissions import user_can_manage
from kejin.core.audit import audit_record, model_snapshot, snapshot_diff
from kejin.core.choices import AuditAction
from kejin.core.http import client_ip_address

# The admin site carries the platform's name (it is only for platform admins).
admin.site.site_header = _("科技金融综合服务平台 · 后台管理")
admin.site.site_title = _("科金后台管理")
admin.site.index_title = _("后台管理")


def _admin_site_has_permission(request) -> bool:
    """Staff status alone does not open the admin: the role must allow it too."""
    return bool(request.user.is_staff and user_can_manage(user=request.user))


admin.site.has_permission = _admin_site_has_permission  # type: ignore[method-assign]

# What the audit trail records of a user: never the password hash.
_AUDITED_USER_FIELDS = (
    "username",
    "full_name",
    "phone",
    "email",
    "role",
    "enterprise",
    "institution",
    "department",
    "county",
    "is_active",
    "is_staff",
    "is_superuser",
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    change_password_form = UserAdminPasswordChangeForm
    list_display = (
        "username",
        "full_name",
        "role",
        "organisation_name",
        "county",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_staff", "county")
    search_fields = (
        "username",
        "full_name",
        "phone",
        "email",
        "enterprise__name",
        "institution__name",
        "department__name",
    )
    list_select_related = ("enterprise", "institution", "department", "county")
    autocomplete_fields = ("enterprise", "institution")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "email")}),
        (
            _("角色与所属组织"),
            {
                "fields": ("role", "enterprise", "institution", "department", "county"),
                "description": _(
                    "企业用户选择所属企业，金融机构用户选择所属金融机构，部门工作人员选择所属部门；"
                    "县(市、区)部门工作人员还须选择负责的县(市、区)。"
                ),
            },
        ),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("个人信息"), {"fields": ("full_name", "phone", "email")}),
        (
            _("角色与所属组织"),
            {"fields": ("role", "enterprise", "institution", "department", "county")},
        ),
    )

    @admin.display(description=_("所属组织"))
    def organisation_name(self, obj: User) -> str:
        return str(obj.organisation or "—")

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = model_snapshot(User.objects.get(pk=obj.pk), _AUDITED_USER_FIELDS)
        super().save_model(request, obj, form, change)
        after = model_snapshot(obj, _AUDITED_USER_FIELDS)
        ip_address = client_ip_address(request)
        if before is None:
            audit_record(
                actor=request.user,
                action=AuditAction.CREATE,
                instance=obj,
                after=after,
                ip_address=ip_address,
            )
            return
        changed_before, changed_after = snapshot_diff(before, after)
        if changed_after:
            audit_record(
                actor=request.user,
                action=AuditAction.UPDATE,
                instance=obj,
                before=changed_before,
                after=changed_after,
                ip_address=ip_address,
            )
