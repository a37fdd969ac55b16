"""Tech insurance (科技保险): policies insurers record, and government-paid group cover.

An :class:`InsurancePolicy` is one tech-insurance policy an insurer wrote for an enterprise
(line, premium, period); an enterprise applies for the premium subsidy on it through a
``tech_insurance`` policy's application, computed by that policy's benefit formula. A
:class:`GroupScheme` is a group cover an officer defines under a ``group_cover`` policy:
the insured are the enterprises its live version's rule finds eligible (one
:class:`GroupMember` each, with the premium per head), the budget is their sum, and the
insurer confirms cover member by member, which records each member's insurance policy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextLineField
from kejin.core.models import TimeStampedModel
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.policies.choices import GroupMemberStatus, GroupSchemeStatus, InsuranceLine


class InsurancePolicy(TimeStampedModel):
    """A tech-insurance policy an insurer wrote for an enterprise."""

    insurer = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="tech_insurance_policies",
        verbose_name=_("保险机构"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="tech_insurance_policies",
        verbose_name=_("投保企业"),
    )
    line = models.CharField(_("险种"), max_length=32, choices=InsuranceLine.choices)
    number = TextLineField(_("保单号"), max_length=64)
    premium = MoneyField(_("保费(元)"))
    sum_insured = MoneyField(_("保险金额(元)"), null=True, blank=True)
    starts_on = models.DateField(_("保险起期"))
    ends_on = models.DateField(_("保险止期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("科技保险保单")
        verbose_name_plural = _("科技保险保单")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["insurer", "number"], name="insurance_number_unique"),
            models.CheckConstraint(name="insurance_premium_positive", condition=Q(premium__gt=0)),
            models.CheckConstraint(
                name="insurance_period_range", condition=Q(starts_on__lte=models.F("ends_on"))
            ),
        ]

    def __str__(self) -> str:
        return self.number


class GroupScheme(TimeStampedModel):
    """A government-paid group cover (政府出资统保) for eligible start-ups in one line."""

    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        related_name="group_schemes",
        verbose_name=_("所依据政策"),
    )
    name = TextLineField(_("统保方案名称"), max_length=128)
    insurer = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="group_schemes",
        verbose_name=_("承保机构"),
    )
    line = models.CharField(_("险种"), max_length=32, choices=InsuranceLine.choices)
    premium_per_head = MoneyField(_("每户保费(元)"))
    sum_insured_per_head = MoneyField(_("每户保险金额(元)"), null=True, blank=True)
    starts_on = models.DateField(_("保险起期"))
    ends_on = models.DateField(_("保险止期"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=GroupSchemeStatus.choices,
        default=GroupSchemeStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    confirmed_at = models.DateTimeField(_("确认承保时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("统保方案")
        verbose_name_plural = _("统保方案")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="group_premium_positive", condition=Q(premium_per_head__gt=0)
            ),
            models.CheckConstraint(
                name="group_period_range", condition=Q(starts_on__lte=models.F("ends_on"))
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    """One enterprise on a group scheme's list, with its premium and cover."""

    scheme = models.ForeignKey(
        GroupScheme, on_delete=models.CASCADE, related_name="members", verbose_name=_("统保方案")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="group_covers",
        verbose_name=_("企业"),
    )
    premium = MoneyField(_("保费(元)"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=GroupMemberStatus.choices,
        default=GroupMemberStatus.LISTED,
    )
    insurance_policy = models.OneToOneField(
        InsurancePolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_member",
        verbose_name=_("保单"),
    )
    added_at = models.DateTimeField(_("列入时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("统保名单")
        verbose_name_plural = _("统保名单")
        ordering = ["scheme", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "enterprise"], name="group_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.enterprise_id}"
