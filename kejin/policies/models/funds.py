"""The tech sub-branch credit risk compensation fund (科技支行信贷风险补偿资金).

A :class:`CompensationFund` runs under a ``risk_compensation`` policy, whose live version
holds every number: the share of principal loss by loan type and tier (the benefit formula
over the loan's facts), the caps per loan and per institution and year, the pooled
non-performing ratio above which an institution's enrolment pauses (parameter
``npl_pause_ratio``) and the review limit. ``balance`` is the money in the fund; it never
goes negative — a payout takes it by one conditional UPDATE inside the approval's
transaction (``balance >= amount``) and the check constraint ``fund_balance_not_negative``
backs it. :class:`FundEntry` is the ledger (contributions, payouts, recoveries) with the
balance after each entry. A :class:`CompensationClaim` is a tech sub-branch's claim for one
defaulted loan (at most one live claim per loan); recoveries after a payout flow back to
the fund pro rata (the fund's share of the loss).
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextBlockField, TextLineField
from kejin.core.models import TimeStampedModel
from kejin.enterprises.querysets import scoped
from kejin.policies.choices import (
    ClaimStatus,
    EnrolmentStatus,
    FundEntryKind,
    FundSource,
    RejectReason,
)
from kejin.policies.permissions import claim_scope


class CompensationFund(TimeStampedModel):
    """A risk compensation pool with its balance (see the module docstring)."""

    name = TextLineField(_("资金池名称"), max_length=128)
    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        related_name="funds",
        verbose_name=_("所依据政策"),
    )
    region = models.ForeignKey(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属地区"),
        help_text=_("县级资金池填写所在县；市级资金池留空。"),
    )
    balance = MoneyField(_("可用余额(元)"), default=0)

    class Meta:
        verbose_name = _("风险补偿资金池")
        verbose_name_plural = _("风险补偿资金池")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="fund_balance_not_negative", condition=Q(balance__gte=0)),
        ]

    def __str__(self) -> str:
        return self.name


class FundEntry(models.Model):
    """One entry of a fund's ledger; ``amount`` is positive, its direction is ``kind``'s."""

    fund = models.ForeignKey(
        CompensationFund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("资金池")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=FundEntryKind.choices)
    source = models.CharField(_("资金来源"), max_length=16, choices=FundSource.choices, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("机构"),
    )
    region = models.ForeignKey(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("出资地区"),
    )
    claim = models.ForeignKey(
        "policies.CompensationClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("补偿申请"),
    )
    amount = MoneyField(_("金额(元)"))
    balance_after = MoneyField(_("入账后余额(元)"))
    on = models.DateField(_("入账日期"))
    memo = TextLineField(_("摘要"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金池流水")
        verbose_name_plural = _("资金池流水")
        ordering = ["fund", "at", "id"]
        constraints = [
            models.CheckConstraint(name="fund_entry_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="fund_entry_balance_not_negative", condition=Q(balance_after__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.kind} {self.amount}"


class FundEnrolment(models.Model):
    """An institution's enrolment in a fund: active, or paused while its pooled
    non-performing ratio is above the version's threshold (re-checked by the services)."""

    fund = models.ForeignKey(
        CompensationFund,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("资金池"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="fund_enrolments",
        verbose_name=_("合作机构"),
    )
    status = models.CharField(
        _("入池状态"),
        max_length=16,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ACTIVE,
    )
    since = models.DateField(_("状态起始日期"))
    npl_ratio = models.DecimalField(
        _("入池贷款不良率(%)"), max_digits=7, decimal_places=3, null=True, blank=True
    )
    checked_at = models.DateTimeField(_("最近核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合作机构入池")
        verbose_name_plural = _("合作机构入池")
        ordering = ["fund", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "institution"], name="fund_enrolment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.institution_id}"


class CompensationClaimQuerySet(models.QuerySet):
    def visible_to(self, user) -> CompensationClaimQuerySet:
        """Claims ``user`` may see (``claim_scope``: the lender its own, county officers their
        county's borrowers', city officers all)."""
        return cast(CompensationClaimQuerySet, scoped(self, claim_scope(user=user)))


class CompensationClaim(TimeStampedModel):
    """A claim for compensation of one defaulted loan (see the module docstring)."""

    fund = models.ForeignKey(
        CompensationFund, on_delete=models.PROTECT, related_name="claims", verbose_name=_("资金池")
    )
    version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="compensation_claims",
        verbose_name=_("适用版本"),
    )
    loan = models.ForeignKey(
        "financing.Loan",
        on_delete=models.PROTECT,
        related_name="compensation_claims",
        verbose_name=_("不良贷款"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="compensation_claims",
        verbose_name=_("申请机构"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="compensation_claims",
        verbose_name=_("借款企业"),
    )
    principal_loss = MoneyField(_("本金损失(元)"))
    share = models.DecimalField(_("补偿比例"), max_digits=6, decimal_places=4)
    amount_claimed = MoneyField(_("测算补偿金额(元)"))
    amount_approved = MoneyField(_("核准补偿金额(元)"), null=True, blank=True)
    recovered = MoneyField(_("累计追偿回收(元)"), default=0)
    returned_to_fund = MoneyField(_("累计返还资金池(元)"), default=0)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ClaimStatus.choices,
        default=ClaimStatus.SUBMITTED,
        db_index=True,
    )
    explanation = models.JSONField(_("测算说明"), default=dict, blank=True)
    due_on = models.DateField(_("审核期限"), null=True, blank=True)
    reject_reason = models.CharField(
        _("不予通过原因"), max_length=16, choices=RejectReason.choices, blank=True
    )
    officer_comment = TextBlockField(_("审核意见"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    submitted_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = CompensationClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("风险补偿申请")
        verbose_name_plural = _("风险补偿申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=~Q(status=ClaimStatus.WITHDRAWN),
                name="compensation_once_per_loan",
            ),
            models.CheckConstraint(
                name="claim_amounts_not_negative",
                condition=Q(principal_loss__gt=0) & Q(amount_claimed__gte=0) & Q(recovered__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.loan_id}"
