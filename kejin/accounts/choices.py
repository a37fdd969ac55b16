"""Roles of platform users."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE_ADMIN = "enterprise_admin", _("企业管理员")
    ENTERPRISE_STAFF = "enterprise_staff", _("企业员工")
    INSTITUTION_MANAGER = "institution_manager", _("金融机构管理员")
    INSTITUTION_OFFICER = "institution_officer", _("金融机构业务员")
    CITY_OFFICER = "city_officer", _("市级部门工作人员")
    COUNTY_OFFICER = "county_officer", _("县(市、区)部门工作人员")
    DATA_PROVIDER = "data_provider", _("数据源部门工作人员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF})
INSTITUTION_ROLES = frozenset({Role.INSTITUTION_MANAGER, Role.INSTITUTION_OFFICER})
DEPARTMENT_ROLES = frozenset({Role.CITY_OFFICER, Role.COUNTY_OFFICER, Role.DATA_PROVIDER})
OFFICER_ROLES = frozenset({Role.CITY_OFFICER, Role.COUNTY_OFFICER})
# Roles whose scope is the whole city (every county): city officers and platform admins.
CITY_WIDE_ROLES = frozenset({Role.CITY_OFFICER, Role.PLATFORM_ADMIN})
