"""The credit data catalogue (信用数据目录): record categories and their fields, as data.

Officers add categories and fields without code; every batch is validated against its
category's fields, and the category says who may see its records (public or restricted),
how long they are kept and disclosed, on what legal basis, and which indicators they feed.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextBlockField, TextLineField
from kejin.credit.choices import Disclosure, FieldType


class RecordCategory(models.Model):
    """One kind of credit record a department delivers (e.g. 纳税信用等级, 行政处罚)."""

    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = TextLineField(_("名称"), max_length=64)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("来源部门"),
        on_delete=models.PROTECT,
        related_name="credit_categories",
    )
    description = TextBlockField(_("说明"), blank=True)
    disclosure = models.CharField(
        _("公开属性"), max_length=16, choices=Disclosure.choices, default=Disclosure.RESTRICTED
    )
    #: How long records are kept after their event date (years); the retention job deletes
    #: older ones.
    retention_years = models.PositiveSmallIntegerField(
        _("保存期限(年)"), default=5, validators=[MaxValueValidator(100)]
    )
    #: How long a public record stays on the public credit page after its event date (years;
    #: 0: as long as it is kept).
    disclosure_years = models.PositiveSmallIntegerField(
        _("公示期限(年)"), default=3, validators=[MaxValueValidator(100)]
    )
    legal_basis = TextBlockField(_("法律依据"), blank=True)
    #: Whether the legal basis requires personal information (names, ID numbers, phones)
    #: inside this category's records to be shown unmasked in reports.
    personal_info_disclosed = models.BooleanField(_("依法公开个人信息"), default=False)
    #: How records of this category derive indicators, for readers (the derivation itself
    #: is ``kejin.credit.indicators``): e.g. "近3年按严重程度计数".
    indicator_note = TextBlockField(_("指标口径"), blank=True)
    #: The field holding the date the record is about (penalty date, rating year's end…).
    event_date_field = models.SlugField(_("事件日期字段"), max_length=48, default="event_date")
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("显示顺序"), default=100)

    class Meta:
        verbose_name = _("信用数据类别")
        verbose_name_plural = _("信用数据类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.disclosure == Disclosure.PUBLIC


class CategoryField(models.Model):
    """One field of a record category: name, type, whether required, allowed values, unit.

    ``is_personal`` marks personal information (a person's name, ID number, phone), masked
    in reports unless the category's legal basis requires it (``personal_info_disclosed``).
    """

    category = models.ForeignKey(
        RecordCategory, on_delete=models.CASCADE, related_name="fields", verbose_name=_("类别")
    )
    code = models.SlugField(_("字段代码"), max_length=48)
    name = TextLineField(_("字段名称"), max_length=64)
    type = models.CharField(_("类型"), max_length=16, choices=FieldType.choices)
    required = models.BooleanField(_("必填"), default=False)
    #: For ``choice`` fields: the allowed codes, e.g. ["A", "B", "M", "C", "D"].
    allowed_values = models.JSONField(_("取值范围"), default=list, blank=True)
    value_labels = models.JSONField(
        _("代码含义"),
        default=dict,
        blank=True,
        help_text=_("代码类型字段各代码的中文含义，报告和公示页按含义显示，如 serious → 严重。"),
    )
    unit = TextLineField(_("单位"), max_length=16, blank=True)
    is_personal = models.BooleanField(_("个人信息"), default=False)
    help_text = TextLineField(_("填写说明"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=100)

    class Meta:
        verbose_name = _("数据项")
        verbose_name_plural = _("数据项")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="credit_field_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"

    def value_options(self) -> list[tuple[str, str]]:
        """The allowed codes, each with how it is shown: "严重（serious）", or the bare code
        when it has no meaning recorded."""
        labels = self.value_labels or {}
        return [
            (str(code), f"{labels[str(code)]}（{code}）" if str(code) in labels else str(code))
            for code in self.allowed_values or []
        ]
