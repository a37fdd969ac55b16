"""Financial institutions: banks and their tech sub-branches, insurers, guarantors, micro-lenders, funds."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextLineField, USCCField
from kejin.core.models import TimeStampedModel
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.permissions import institution_can_view


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InstitutionQuerySet":
        """Institutions are a public directory for every signed-in, active user."""
        return self if institution_can_view(user=user) else self.none()


class Institution(TimeStampedModel):
    """A financial institution or one of its branches (``parent`` is the head or upper branch)."""

    uscc = USCCField(
        unique=True,
        error_messages={"unique": _("该统一社会信用代码已登记，不能重复登记；请先查找已有机构。")},
    )
    name = TextLineField(_("机构名称"), max_length=128, db_index=True)
    kind = models.CharField(_("机构类型"), max_length=32, choices=InstitutionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    county = models.ForeignKey(
        "core.Region",
        verbose_name=_("所在县(市、区)"),
        on_delete=models.PROTECT,
        related_name="institutions",
        limit_choices_to={"level__in": ["city", "county"]},
    )
    registered_capital = MoneyField(
        _("注册资本(元)"), null=True, blank=True, help_text=_("分支机构可不填")
    )
    address = TextLineField(_("地址"), max_length=255, blank=True)
    contact_phone = TextLineField(_("联系电话"), max_length=32, blank=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("金融机构")
        verbose_name_plural = _("金融机构")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="institution_capital_not_negative",
                condition=Q(registered_capital__isnull=True) | Q(registered_capital__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return self.name
