"""Core models: reference data (regions, industries, departments), the audit trail and the
holiday schedules that extend the working-day calendar beyond chinese-calendar's data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.core.choices import AuditAction, DepartmentKind, RegionLevel, ScheduleDayKind
from kejin.core.fields import TextLineField
from kejin.core.permissions import audit_event_can_browse


class TimeStampedModel(models.Model):
    """Base for domain records: when a row was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class StoredAttachment(models.Model):
    """Base of every uploaded file kept with a record (a demand's, a dispute's, a policy's,
    an application's): what ``kejin.core.attachments.attachments_check`` vouched for. The
    concrete model adds the record it belongs to and its ``file`` (with its folder), and
    serves it only through that record to who may see it."""

    name = TextLineField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("类型"), max_length=100)
    sha256 = models.CharField(_("摘要(SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """An administrative division by its GB/T 2260 code, or a functional zone reporting under a county.

    Functional zones (经济技术开发区, 港区…) have a synthetic code and point at the county they
    report under through ``reports_to``; statistics roll them up into that county.
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = TextLineField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("归属县(市、区)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="zones",
        help_text=_("功能区统计归属的县(市、区)"),
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """A class of the national economic industry classification GB/T 4754-2017."""

    code = models.CharField(_("行业代码"), max_length=8, unique=True)
    name = TextLineField(_("行业名称"), max_length=128)
    level = models.CharField(
        _("层级"),
        max_length=16,
        choices=[
            ("section", _("门类")),
            ("division", _("大类")),
            ("group", _("中类")),
            ("class", _("小类")),
        ],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Department(models.Model):
    """A government department, financial regulator or data-provider department of the city or a county."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = TextLineField(_("名称"), max_length=128)
    short_name = TextLineField(_("简称"), max_length=64, blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=DepartmentKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT)
    former_names = TextLineField(_("曾用名"), max_length=255, blank=True, help_text=_("以顿号分隔"))
    provides_data = TextLineField(_("提供的信用数据"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["region__code", "code"]

    def __str__(self) -> str:
        return self.name


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditEventQuerySet":
        """The trail is one collection: all of it for who may browse it, none for anyone else."""
        return self if audit_event_can_browse(user=user) else self.none()


class AuditEvent(models.Model):
    """One audited change or sensitive read, written by a service in the same transaction.

    ``before``/``after`` hold the changed fields as JSON (None for create/delete sides).
    ``actor_username`` keeps who acted even if the user is later removed.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象ID"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"


class HolidaySchedule(models.Model):
    """A year's official holiday arrangement (国务院办公厅关于某年部分节假日安排的通知).

    Officers enter it for years past chinese-calendar's data. Until a year has one, the
    calendar counts Monday–Friday as working days for that year and says so.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    notice = TextLineField(_("通知文号或标题"), max_length=255)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.notice}"


class HolidayScheduleDay(models.Model):
    """One day of a holiday schedule: a statutory holiday, or a weekend day adjusted to a working day."""

    schedule = models.ForeignKey(HolidaySchedule, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=ScheduleDayKind.choices)
    name = TextLineField(_("节日"), max_length=32)

    class Meta:
        verbose_name = _("节假日安排日期")
        verbose_name_plural = _("节假日安排日期")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
