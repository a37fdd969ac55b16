"""Platform users: each belongs to one organisation (enterprise, institution or department) with a role."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.accounts.choices import (
    CITY_WIDE_ROLES,
    DEPARTMENT_ROLES,
    ENTERPRISE_ROLES,
    INSTITUTION_ROLES,
    OFFICER_ROLES,
    Role,
)
from kejin.core.fields import TextLineField


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UserQuerySet":
        """Accounts ``user`` may see: every account for platform admins, else their own."""
        from kejin.accounts.permissions import user_can_browse

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user_can_browse(user=user):
            return self
        return self.filter(pk=user.pk) if user_can_browse(user=user, obj=user) else self.none()


class KejinUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Superusers created from the command line are platform admins."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.PLATFORM_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person using Kejin. ``role`` decides what they may see and do; see ``kejin.accounts.scope``.

    Enterprise roles carry ``enterprise``, institution roles ``institution``, department roles
    ``department``; a county officer also carries the ``county`` they are bound to.
    """

    full_name = TextLineField(_("姓名"), max_length=64, blank=True)
    phone = TextLineField(_("手机号"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("所属金融机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    county = models.ForeignKey(
        "core.Region",
        verbose_name=_("负责县(市、区)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("县级工作人员只能查看本县(市、区)的数据"),
    )

    objects: ClassVar[KejinUserManager] = KejinUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_role_has_its_organisation",
                condition=(
                    Q(role__in=sorted(ENTERPRISE_ROLES), enterprise__isnull=False)
                    | Q(role__in=sorted(INSTITUTION_ROLES), institution__isnull=False)
                    | Q(role__in=sorted(DEPARTMENT_ROLES), department__isnull=False)
                    | Q(role=Role.PLATFORM_ADMIN)
                ),
            ),
            models.CheckConstraint(
                name="user_county_officer_has_county",
                condition=~Q(role=Role.COUNTY_OFFICER) | Q(county__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def organisation(self):
        """The enterprise, institution or department the user belongs to (None for platform admins)."""
        return self.enterprise or self.institution or self.department

    # Role facts: which group the user's role is in, over the Role constants. They say nothing
    # about what the user may do; that is decided only by the apps' ``permissions.py``.

    @property
    def is_signed_in(self) -> bool:
        """Authenticated and active: the precondition of every permission."""
        return bool(self.is_authenticated and self.is_active)

    @property
    def is_enterprise_user(self) -> bool:
        return self.role in ENTERPRISE_ROLES

    @property
    def is_enterprise_admin(self) -> bool:
        return self.role == Role.ENTERPRISE_ADMIN

    @property
    def is_institution_user(self) -> bool:
        return self.role in INSTITUTION_ROLES

    @property
    def is_institution_manager(self) -> bool:
        return self.role == Role.INSTITUTION_MANAGER

    @property
    def is_city_officer(self) -> bool:
        return self.role == Role.CITY_OFFICER

    @property
    def is_county_officer(self) -> bool:
        return self.role == Role.COUNTY_OFFICER

    @property
    def is_data_provider(self) -> bool:
        return self.role == Role.DATA_PROVIDER

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    @property
    def is_officer(self) -> bool:
        """City or county government officer."""
        return self.role in OFFICER_ROLES

    @property
    def sees_whole_city(self) -> bool:
        """City officers and platform admins see every county."""
        return self.role in CITY_WIDE_ROLES
