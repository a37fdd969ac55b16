"""Forms of the sign-in pages and of the user admin.

The auth forms are Django's, styled for Bootstrap and with Chinese messages where Django's
catalogue has none. The admin forms check that a user's role and organisation agree, so
that a wrong combination is a form error instead of a database IntegrityError.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordChangeForm,
    UserChangeForm,
)
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kejin.accounts.choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, INSTITUTION_ROLES, Role
from kejin.accounts.models import User
from kejin.core.choices import RegionLevel
from kejin.core.models import Region
from kejin.core.ui.forms import bootstrap_style


def _password_error_in_chinese(error: ValidationError) -> ValidationError:
    """Django 5.2 changed the too-short message and its zh-hans catalogue lacks the new one;
    give that message in Chinese, keep the others (already translated) as they are."""
    messages = []
    for item in error.error_list:
        if item.code == "password_too_short":
            item = ValidationError(
                gettext("密码太短，至少需要%(min_length)d个字符。")
                % {"min_length": cast(dict[str, Any], item.params)["min_length"]},
                code=item.code,
            )
        messages.append(item)
    return ValidationError(messages)


class _ChinesePasswordValidationMixin:
    """Runs the password validators (settings.AUTH_PASSWORD_VALIDATORS) with Chinese messages."""

    def validate_password_for_user(self, user, password_field_name="password2", **kwargs):
        # The admin's "add user" form may create a user without a usable password.
        if not self.cleaned_data.get("set_usable_password", True):
            return
        password = self.cleaned_data.get(password_field_name)
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, _password_error_in_chinese(error))


class LoginForm(AuthenticationForm):
    """The sign-in form: username and password."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确（区分大小写），请重新输入。"),
        "inactive": _("该账号已停用，请联系平台管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        bootstrap_style(self)


class KejinPasswordChangeForm(_ChinesePasswordValidationMixin, PasswordChangeForm):
    """Change one's own password: the old one, then the new one twice, checked by the validators."""

    error_messages = {
        "password_mismatch": _("两次输入的新密码不一致。"),
        "password_incorrect": _("原密码不正确，请重新输入。"),
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = _("原密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("确认新密码")
        bootstrap_style(self)


class _RoleOrganisationMixin:
    """Checks that role, organisation and county agree (the model's check constraints
    ``user_role_has_its_organisation`` and ``user_county_officer_has_county``, and a little
    more: a user belongs to exactly the organisation its role names; only platform admins
    may enter the admin site)."""

    fields: dict[str, forms.Field]  # the form's, this being a form mixin

    def _limit_county_choices(self) -> None:
        if "county" in self.fields:
            county = cast(forms.ModelChoiceField, self.fields["county"])
            county.queryset = Region.objects.filter(level=RegionLevel.COUNTY)

    def _role_organisation_errors(self, data: dict) -> dict[str, str | Promise]:
        role = data.get("role")
        if not role:
            return {}
        wanted = None
        if role in ENTERPRISE_ROLES:
            wanted = "enterprise"
        elif role in INSTITUTION_ROLES:
            wanted = "institution"
        elif role in DEPARTMENT_ROLES:
            wanted = "department"
        required_message = {
            "enterprise": _("角色为企业用户时必须选择所属企业。"),
            "institution": _("角色为金融机构用户时必须选择所属金融机构。"),
            "department": _("角色为部门工作人员时必须选择所属部门。"),
        }
        errors: dict[str, str | Promise] = {}
        for name in ("enterprise", "institution", "department"):
            if name not in data:
                continue
            if name == wanted and not data.get(name):
                errors[name] = required_message[name]
            elif name != wanted and data.get(name):
                errors[name] = _("该角色的用户不属于此类组织，请清空此项。")
        if "county" in data:
            if role == Role.COUNTY_OFFICER and not data.get("county"):
                errors["county"] = _("县(市、区)部门工作人员必须选择负责的县(市、区)。")
            elif role != Role.COUNTY_OFFICER and data.get("county"):
                errors["county"] = _(
                    "只有县(市、区)部门工作人员需要填写负责县(市、区)，请清空此项。"
                )
        if role != Role.PLATFORM_ADMIN:
            for name in ("is_staff", "is_superuser"):
                if data.get(name):
                    errors[name] = _(
                        "只有平台管理员可以进入后台管理，请取消勾选或将角色改为平台管理员。"
                    )
        return errors

    def clean(self):
        cleaned = super().clean()
        for name, message in self._role_organisation_errors(cleaned).items():
            self.add_error(name, message)
        return cleaned


USER_ADMIN_FIELDS = (
    "username",
    "full_name",
    "phone",
    "email",
    "role",
    "enterprise",
    "institution",
    "department",
    "county",
)


class UserAdminCreationForm(
    _RoleOrganisationMixin, _ChinesePasswordValidationMixin, AdminUserCreationForm
):
    """The admin's "add user" form: account, role and organisation in one step."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = USER_ADMIN_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_county_choices()


class UserAdminChangeForm(_RoleOrganisationMixin, UserChangeForm):
    """The admin's "change user" form."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_county_choices()


class UserAdminPasswordChangeForm(_ChinesePasswordValidationMixin, AdminPasswordChangeForm):
    """The admin's "change password" form for a user, with the validators' Chinese messages."""
