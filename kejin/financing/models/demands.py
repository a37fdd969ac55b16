"""Financing demands and their workflow: collateral, attachments, routes, events, deadlines.

A :class:`Demand` moves only by the transitions of ``kejin.financing.workflow`` (never a
free-form status write); each move is one :class:`DemandEvent` with its actor and time,
written in the transaction that moved it. The time of the latest claim, first contact,
decision… are kept on the demand as well (``claimed_at``…) so that monitoring reads one
table; the events are the history. A claim is a conditional UPDATE (only a demand still
``routed`` and unclaimed is taken), so concurrent claims give exactly one winner.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextBlockField, TextLineField
from kejin.core.models import StoredAttachment, TimeStampedModel
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.financing.choices import (
    CollateralKind,
    DeadlineStep,
    DemandAction,
    DemandStatus,
    GuaranteeStatus,
    ProductType,
    RejectionReason,
    Urgency,
)
from kejin.financing.models.products import scoped_q
from kejin.financing.permissions import demand_scope


class DemandQuerySet(EnterpriseOwnedQuerySet):
    def visible_to(self, user) -> DemandQuerySet:
        """Demands ``user`` may see (``demand_scope``): an enterprise its own; an institution
        those routed to it, in the open pool, claimed by it or brought to it as guarantor;
        a county officer the county's; a city officer all."""
        return cast(DemandQuerySet, scoped_q(self, demand_scope(user=user)))


class DemandChildQuerySet(models.QuerySet):
    """Rows that belong to a demand (collateral, attachments, events): seen exactly by who
    sees the demand."""

    def visible_to(self, user) -> DemandChildQuerySet:
        return self.filter(demand__in=Demand.objects.visible_to(user).values("pk"))


class Demand(TimeStampedModel):
    """An enterprise's financing demand (融资需求) and where it stands in the workflow.

    ``amount`` in yuan, ``term_months`` months, ``max_rate`` the highest acceptable annual
    rate in percent (None: no limit). ``county`` is the enterprise's when posted (monitoring
    groups by it). ``institution`` is the claimant once claimed (and kept after a decision);
    ``open_pool`` means every institution may claim it.
    """

    number = models.CharField(_("需求编号"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="financing_demands",
        verbose_name=_("企业"),
    )
    county = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县(市、区)")
    )
    amount = MoneyField(_("融资金额(元)"))
    term_months = models.PositiveSmallIntegerField(_("期限(月)"))
    purpose = TextBlockField(_("资金用途"))
    preferred_types = models.JSONField(_("意向产品类型"), default=list, blank=True)
    max_rate = models.DecimalField(
        _("可接受最高利率(%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    guarantor_ok = models.BooleanField(_("接受担保机构介入"), default=True)
    contact_name = TextLineField(_("联系人"), max_length=64, blank=True)
    contact_phone = TextLineField(_("联系电话"), max_length=32, blank=True)

    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=DemandStatus.choices,
        default=DemandStatus.SUBMITTED,
        db_index=True,
    )
    open_pool = models.BooleanField(_("在抢单池"), default=False)
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_demands",
        verbose_name=_("认领机构"),
    )
    product = models.ForeignKey(
        "financing.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("办理产品"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("认领人"),
    )
    guarantee_status = models.CharField(
        _("担保环节"),
        max_length=16,
        choices=GuaranteeStatus.choices,
        default=GuaranteeStatus.NONE,
    )
    guarantor = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guaranteed_demands",
        verbose_name=_("担保机构"),
    )
    approved_amount = MoneyField(_("批准金额(元)"), null=True, blank=True)
    approved_rate = models.DecimalField(
        _("批准利率(%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    rejection_reason = models.CharField(
        _("拒绝原因"), max_length=32, choices=RejectionReason.choices, blank=True
    )
    rejection_text = TextBlockField(_("拒绝说明"), blank=True)

    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    routed_at = models.DateTimeField(_("推送时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("进入审批时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批决定时间"), null=True, blank=True)
    disbursed_at = models.DateTimeField(_("放款时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    # Deadlines of the current steps (dates in Asia/Shanghai, by working days), and whether
    # the demand is overdue now (kept by the periodic SLA scan; monitoring filters on it).
    claim_due_on = models.DateField(_("认领时限"), null=True, blank=True)
    contact_due_on = models.DateField(_("首次联系时限"), null=True, blank=True)
    decision_due_on = models.DateField(_("审批时限"), null=True, blank=True)
    overdue_step = models.CharField(
        _("逾期环节"), max_length=16, choices=DeadlineStep.choices, blank=True, db_index=True
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    # Working days each finished step took (``kejin.financing.sla.demand_step_workdays_set``,
    # called when a step completes; the deadline scan fills any left empty): routing → claim,
    # claim → first contact, claim → decision, decision → disbursement. Monitoring's medians
    # and 90th percentiles are SQL histograms of these.
    claim_workdays = models.PositiveSmallIntegerField(_("认领用时(工作日)"), null=True, blank=True)
    contact_workdays = models.PositiveSmallIntegerField(
        _("联系用时(工作日)"), null=True, blank=True
    )
    decision_workdays = models.PositiveSmallIntegerField(
        _("审批用时(工作日)"), null=True, blank=True
    )
    disburse_workdays = models.PositiveSmallIntegerField(
        _("放款用时(工作日)"), null=True, blank=True
    )
    # Whether the claimant was one of the institutions the demand was routed to (not a
    # claim from the open pool by another): the scoreboard's claim rate. None until known.
    claimed_via_route = models.BooleanField(_("经推送认领"), null=True, blank=True)

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("融资需求")
        verbose_name_plural = _("融资需求")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(name="demand_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="demand_term_positive", condition=Q(term_months__gt=0)),
            models.CheckConstraint(
                name="demand_max_rate_not_negative",
                condition=Q(max_rate__isnull=True) | Q(max_rate__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["county", "submitted_at"]),
            models.Index(fields=["institution", "status"]),
            models.Index(fields=["status", "open_pool"]),
            # Monitoring (kejin.financing.monitoring) over the whole city reads these
            # instead of the table: each funnel count and step-time histogram is an
            # index-only scan, the scoreboard one covering scan in institution order.
            models.Index(fields=["routed_at"], name="demand_mon_routed"),
            models.Index(fields=["claimed_at"], name="demand_mon_claimed"),
            models.Index(fields=["contacted_at"], name="demand_mon_contacted"),
            models.Index(fields=["review_started_at"], name="demand_mon_review"),
            models.Index(fields=["decided_at", "rejection_reason"], name="demand_mon_decided"),
            models.Index(fields=["disbursed_at"], name="demand_mon_disbursed"),
            models.Index(fields=["county", "overdue_step"], name="demand_mon_county_overdue"),
            models.Index(fields=["overdue_step", "claim_due_on"], name="demand_mon_claim_due"),
            models.Index(fields=["overdue_step", "contact_due_on"], name="demand_mon_contact_due"),
            models.Index(
                fields=["overdue_step", "decision_due_on"], name="demand_mon_decision_due"
            ),
            models.Index(fields=["claim_workdays"], name="demand_mon_claim_days"),
            models.Index(fields=["contact_workdays"], name="demand_mon_contact_days"),
            models.Index(fields=["decision_workdays"], name="demand_mon_decision_days"),
            models.Index(fields=["disburse_workdays"], name="demand_mon_disburse_days"),
            models.Index(
                fields=[
                    "institution",
                    "rejection_reason",
                    "decided_at",
                    "disbursed_at",
                    "overdue_step",
                    "claim_workdays",
                    "decision_workdays",
                    "approved_amount",
                    "claimed_via_route",
                ],
                name="demand_mon_scoreboard",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DemandCollateral(models.Model):
    """Collateral an enterprise offers with a demand: a patent with its number, a receivable
    with its debtor and amount, or another kind described."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="collaterals", verbose_name=_("需求")
    )
    kind = models.CharField(_("类别"), max_length=16, choices=CollateralKind.choices)
    number = TextLineField(
        _("编号"), max_length=64, blank=True, help_text=_("专利号、商标注册号等")
    )
    debtor = TextLineField(_("债务人"), max_length=128, blank=True)
    amount = MoneyField(_("金额/估值(元)"), null=True, blank=True)
    description = TextLineField(_("说明"), max_length=255, blank=True)

    objects = DemandChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("抵质押物")
        verbose_name_plural = _("抵质押物")
        ordering = ["demand", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or self.debtor}".strip()


class DemandAttachment(StoredAttachment):
    """A file given with a demand; served only through the demand to who may see it."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("需求")
    )
    file = models.FileField(_("文件"), upload_to="financing/demands/%Y/%m/")

    objects = DemandChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("需求附件")
        verbose_name_plural = _("需求附件")
        ordering = ["demand", "id"]


class DemandRoute(models.Model):
    """A demand pushed to an institution because one of its products matched (rank 1 best)."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="routes", verbose_name=_("需求")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="demand_routes",
        verbose_name=_("机构"),
    )
    product = models.ForeignKey(
        "financing.Product",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("匹配产品"),
    )
    rank = models.PositiveSmallIntegerField(_("排名"))
    score = models.DecimalField(_("匹配分"), max_digits=6, decimal_places=2)
    routed_at = models.DateTimeField(_("推送时间"))
    referral = models.BooleanField(_("转介"), default=False)

    class Meta:
        verbose_name = _("需求推送")
        verbose_name_plural = _("需求推送")
        ordering = ["demand", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "institution"], name="demand_route_unique_institution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} → {self.institution_id}"


class DemandEvent(models.Model):
    """One move of a demand: action, from and to state, actor, institution and time.

    The timeline an enterprise sees and the funnel officers read. ``reason`` and ``text``
    carry a rejection's code and words (or an escalation's step); ``data`` anything else the
    move recorded (approved amount, referral targets…).
    """

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="events", verbose_name=_("需求")
    )
    action = models.CharField(_("操作"), max_length=20, choices=DemandAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=DemandStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=DemandStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("机构"),
    )
    reason = models.CharField(_("原因代码"), max_length=32, blank=True)
    text = TextBlockField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    objects = DemandChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("需求流转记录")
        verbose_name_plural = _("需求流转记录")
        ordering = ["demand", "at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.action}"


class StepDeadline(models.Model):
    """A step's limit in working days, optionally for one product type (officers set them;
    ``kejin.financing.deadlines`` falls back to ``settings.KEJIN_FINANCING_DEADLINES``)."""

    step = models.CharField(_("环节"), max_length=16, choices=DeadlineStep.choices)
    product_type = models.CharField(
        _("产品类型"), max_length=32, choices=ProductType.choices, blank=True
    )
    working_days = models.PositiveSmallIntegerField(_("时限(工作日)"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        ordering = ["step", "product_type"]
        constraints = [
            models.UniqueConstraint(fields=["step", "product_type"], name="step_deadline_unique"),
            models.CheckConstraint(name="step_deadline_positive", condition=Q(working_days__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.product_type or '*'}: {self.working_days}"
