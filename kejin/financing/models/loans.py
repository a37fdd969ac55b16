"""Loans (a disbursed demand, or a loan an institution reports) and their repayments.

Loans feed credit repayment records, statistics and the risk compensation fund; institutions
keep their status (performing, overdue, default, repaid) by form, file or API.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextLineField
from kejin.core.models import TimeStampedModel
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.financing.choices import LoanChannel, LoanStatus, PledgeType, ProductType
from kejin.financing.models.products import scoped_q
from kejin.financing.permissions import loan_import_batch_scope, loan_scope
from kejin.ingest.models import IngestBatch


class LoanQuerySet(EnterpriseOwnedQuerySet):
    def visible_to(self, user) -> LoanQuerySet:
        """Loans ``user`` may see (``loan_scope``: the borrower, the lender, the guarantor,
        the county's officers, city officers)."""
        return cast(LoanQuerySet, scoped_q(self, loan_scope(user=user)))


class LoanRepaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> LoanRepaymentQuerySet:
        """Repayments are seen exactly by who sees the loan."""
        return self.filter(loan__in=Loan.objects.visible_to(user).values("pk"))


class Loan(TimeStampedModel):
    """A loan: amount in yuan, annual rate in percent, term in months; ``outstanding`` the
    principal still owed. ``pledge_numbers`` are the registration numbers of IP or
    receivables pledges (质押登记号)."""

    demand = models.OneToOneField(
        "financing.Demand",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loan",
        verbose_name=_("融资需求"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("借款企业"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("贷款机构"),
    )
    county = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县(市、区)")
    )
    contract_number = TextLineField(_("合同编号"), max_length=64)
    product_type = models.CharField(_("产品类型"), max_length=32, choices=ProductType.choices)
    amount = MoneyField(_("贷款金额(元)"))
    rate = models.DecimalField(_("年利率(%)"), max_digits=6, decimal_places=3)
    term_months = models.PositiveSmallIntegerField(_("期限(月)"))
    pledge_type = models.CharField(
        _("担保方式"), max_length=16, choices=PledgeType.choices, default=PledgeType.NONE
    )
    pledge_numbers = models.JSONField(_("质押登记号"), default=list, blank=True)
    guarantor = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guaranteed_loans",
        verbose_name=_("担保机构"),
    )
    disbursed_on = models.DateField(_("放款日期"), db_index=True)
    maturity_on = models.DateField(_("到期日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=LoanStatus.choices, default=LoanStatus.PERFORMING
    )
    status_since = models.DateField(_("状态起始日期"))
    outstanding = MoneyField(_("贷款余额(元)"))

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("贷款")
        verbose_name_plural = _("贷款")
        ordering = ["-disbursed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "contract_number"], name="loan_contract_unique"
            ),
            models.CheckConstraint(name="loan_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="loan_outstanding_range",
                condition=Q(outstanding__gte=0) & Q(outstanding__lte=models.F("amount")),
            ),
            models.CheckConstraint(
                name="loan_maturity_after_disbursement",
                condition=Q(maturity_on__gte=models.F("disbursed_on")),
            ),
        ]
        indexes = [
            models.Index(fields=["county", "disbursed_on"]),
            models.Index(fields=["institution", "status"]),
        ]

    def __str__(self) -> str:
        return self.contract_number


class LoanRepayment(models.Model):
    """A repayment of principal and interest on a day (yuan)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="repayments", verbose_name=_("贷款")
    )
    paid_on = models.DateField(_("还款日期"))
    principal = MoneyField(_("归还本金(元)"))
    interest = MoneyField(_("支付利息(元)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = LoanRepaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("还款记录")
        verbose_name_plural = _("还款记录")
        ordering = ["loan", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="repayment_not_negative",
                condition=Q(principal__gte=0) & Q(interest__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on}"


class LoanStatusEvent(models.Model):
    """One change of a loan's status (the history): from and to, the day it took effect, who
    and through what channel (form, API, file import, the demand's disbursement)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="status_events", verbose_name=_("贷款")
    )
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=LoanStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=LoanStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    channel = models.CharField(_("渠道"), max_length=16, choices=LoanChannel.choices)
    note = TextLineField(_("说明"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("记录时间"))

    objects = LoanRepaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("贷款状态变更")
        verbose_name_plural = _("贷款状态变更")
        ordering = ["loan", "at", "id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.from_status}→{self.to_status}"


class LoanImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> LoanImportBatchQuerySet:
        """Batches ``user`` may see: those of their own institution."""
        return cast(LoanImportBatchQuerySet, scoped_q(self, loan_import_batch_scope(user=user)))


class LoanImportBatch(IngestBatch):
    """A file of repayments and status updates uploaded by a lending institution; rows name
    the institution's own loans by contract number."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="loan_import_batches",
        verbose_name=_("贷款机构"),
    )

    objects = LoanImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("贷款信息导入批次")
        verbose_name_plural = _("贷款信息导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name
