"""Enumerations of the core app (Chinese labels; English in the translation catalogue)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县/市/区")
    ZONE = "zone", _("功能区")


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    REGULATOR = "regulator", _("金融管理部门")
    DATA_PROVIDER = "data_provider", _("数据源部门")


class AuditAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    READ_SENSITIVE = "read_sensitive", _("查阅敏感信息")
    IMPORT = "import", _("批量导入")


class ScheduleDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")
