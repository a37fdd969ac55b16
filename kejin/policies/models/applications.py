"""Applications for a policy (政策兑现), their history, files and payouts.

An :class:`Application` is one enterprise's claim on one policy for one period (the year,
the quarter or once: ``period_key``), made under the version live on submission, with the
fields that version asks for (``inputs``), the pre-check of the eligibility rule at
submission (``precheck``: status and clauses, kept as shown) and the amount the benefit
formula gave (``amount_computed``, caps applied). Officers accept, return it for more
information, reject it with a reason, or approve an amount; payouts are recorded against
the approved amount. Each step has a working-day deadline (``due_on``, the step's limit
from the version). At most one live application per enterprise, policy and period (the
constraint ``application_once_per_period``; a withdrawn one does not count).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextBlockField, TextLineField
from kejin.core.models import StoredAttachment, TimeStampedModel
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
    ApplicationStep,
    RejectReason,
)


class ApplicationChildQuerySet(EnterpriseOwnedQuerySet):
    """Rows of an application (events, files, payouts), scoped through its enterprise."""

    enterprise_path = "application__enterprise"


class Application(TimeStampedModel):
    """One enterprise's application to a policy for a period (see the module docstring)."""

    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("政策"),
    )
    version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("适用版本"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="policy_applications",
        verbose_name=_("申报企业"),
    )
    period_key = models.CharField(_("申报期"), max_length=16)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    inputs = models.JSONField(_("申报内容"), default=dict, blank=True)
    precheck = models.JSONField(_("预审结果"), default=dict, blank=True)
    amount_computed = MoneyField(_("测算金额(元)"), null=True, blank=True)
    amount_approved = MoneyField(_("核定金额(元)"), null=True, blank=True)
    amount_paid = MoneyField(_("已兑付金额(元)"), default=0)
    insurance_policy = models.ForeignKey(
        "policies.InsurancePolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
        verbose_name=_("科技保险保单"),
    )
    loan = models.ForeignKey(
        "financing.Loan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policy_applications",
        verbose_name=_("贷款"),
    )
    step = models.CharField(
        _("当前环节"), max_length=16, choices=ApplicationStep.choices, blank=True
    )
    step_started_at = models.DateTimeField(_("环节开始时间"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True, db_index=True)
    reject_reason = models.CharField(
        _("不予通过原因"), max_length=16, choices=RejectReason.choices, blank=True
    )
    officer_comment = TextBlockField(_("审核意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核定人"),
    )
    decided_at = models.DateTimeField(_("核定时间"), null=True, blank=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策申报")
        verbose_name_plural = _("政策申报")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "enterprise", "period_key"],
                condition=~Q(status=ApplicationStatus.WITHDRAWN),
                name="application_once_per_period",
            ),
            models.CheckConstraint(
                name="application_paid_within_approved",
                condition=Q(amount_paid__gte=0)
                & (
                    Q(amount_approved__isnull=True)
                    | Q(amount_paid__lte=models.F("amount_approved"))
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.policy_id}/{self.enterprise_id}/{self.period_key}"


class ApplicationEvent(models.Model):
    """One move of an application: action, status before and after, actor, comment, time and
    the working days the step took (``step_workdays``)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("申报")
    )
    action = models.CharField(_("操作"), max_length=16, choices=ApplicationAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=ApplicationStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    comment = TextBlockField(_("说明"), blank=True)
    amount = MoneyField(_("金额(元)"), null=True, blank=True)
    step_workdays = models.PositiveSmallIntegerField(_("环节用时(工作日)"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    objects = ApplicationChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("申报办理记录")
        verbose_name_plural = _("申报办理记录")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


class ApplicationAttachment(StoredAttachment):
    """A file given with an application; served only through it to who may see it."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("申报")
    )
    file = models.FileField(_("文件"), upload_to="policies/applications/%Y/%m/")

    objects = ApplicationChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("申报附件")
        verbose_name_plural = _("申报附件")
        ordering = ["application", "id"]


class Payout(models.Model):
    """Money paid on an approved application (兑付): amount, day, voucher, who recorded it."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("申报")
    )
    amount = MoneyField(_("兑付金额(元)"))
    paid_on = models.DateField(_("兑付日期"))
    voucher = TextLineField(_("凭证号"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ApplicationChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("兑付记录")
        verbose_name_plural = _("兑付记录")
        ordering = ["application", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(name="payout_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.amount}"
