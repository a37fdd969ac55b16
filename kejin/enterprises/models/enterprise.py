"""The enterprise record: the directory's (企业名录) core model."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MONEY_MAX, MoneyField, TextBlockField, TextLineField, USCCField
from kejin.core.models import TimeStampedModel
from kejin.enterprises.choices import EnterpriseSize
from kejin.enterprises.querysets import EnterpriseQuerySet
from kejin.enterprises.validation import validate_founding_date


class Enterprise(TimeStampedModel):
    """An enterprise, identified by its unified social credit code."""

    uscc = USCCField(
        unique=True,
        error_messages={"unique": _("该统一社会信用代码已登记，不能重复登记；请先查找已有企业。")},
    )
    name = TextLineField(_("企业名称"), max_length=128, db_index=True)
    county = models.ForeignKey(
        "core.Region",
        verbose_name=_("所在县(市、区)"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": "county"},
    )
    zone = models.ForeignKey(
        "core.Region",
        verbose_name=_("所在功能区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="zone_enterprises",
        limit_choices_to={"level": "zone"},
    )
    industry = models.ForeignKey(
        "core.Industry",
        verbose_name=_("所属行业"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    founded_on = models.DateField(_("成立日期"), validators=[validate_founding_date])
    size = models.CharField(_("企业规模"), max_length=16, choices=EnterpriseSize.choices)
    registered_capital = MoneyField(_("注册资本(元)"))
    legal_representative = TextLineField(_("法定代表人"), max_length=64, blank=True)
    address = TextLineField(_("住所"), max_length=255, blank=True)
    contact_phone = TextLineField(_("联系电话"), max_length=32, blank=True)
    business_scope = TextBlockField(_("经营范围"), blank=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="enterprise_capital_not_negative", condition=Q(registered_capital__gte=0)
            ),
            models.CheckConstraint(
                name="enterprise_capital_within_money_max",
                condition=Q(registered_capital__lte=MONEY_MAX),
            ),
        ]

    def __str__(self) -> str:
        return self.name
