"""Financial products and their versions, and leads an officer pushes to an institution.

A :class:`Product` is the identity an institution publishes (its type and name); what it
offers — amounts, terms, prices, collateral, counties, tiers, labels, materials and the
eligibility rule — lives on a :class:`ProductVersion`. A version is a stored rule version
(``kejin.facts.rule_versions.RuleVersion``: ``document`` is the eligibility rule over the facts
catalogue, evaluated by ``kejin.rules``; worked cases gate its activation) with the terms
beside it. Changing a published product drafts a new version; the officer's approval
activates it and the previous one is retired (``ONE_ACTIVE``), so ``Product.live_version``
is always the one version matching reads.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextBlockField, TextLineField
from kejin.core.models import TimeStampedModel
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet, scoped
from kejin.facts.rule_versions import RuleVersion
from kejin.financing.choices import (
    PREMIUM_PRICED,
    LeadStatus,
    ProductAction,
    ProductStatus,
    ProductType,
    ProductVersionReview,
)
from kejin.financing.permissions import lead_scope, product_scope
from kejin.rules.expressions import variables
from kejin.rules.ruleset import Condition, RuleSet


class ProductQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProductQuerySet:
        """Products ``user`` may see (``product_scope``: published ones for everyone signed
        in, an institution's own in any state, all for officers)."""
        return cast(ProductQuerySet, scoped_q(self, product_scope(user=user)))

    def published(self) -> ProductQuerySet:
        return self.filter(status=ProductStatus.PUBLISHED, live_version__isnull=False)


def scoped_q(queryset, scope):
    """``queryset`` limited to ``scope``: ``ALL``, ``NONE``, field values or a ``Q``."""
    if isinstance(scope, Q):
        return queryset.filter(scope)
    return scoped(queryset, scope)


class Product(TimeStampedModel):
    """A financing product an institution offers (identity and lifecycle; terms on versions)."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("发布机构"),
    )
    name = TextLineField(_("产品名称"), max_length=128)
    product_type = models.CharField(_("产品类型"), max_length=32, choices=ProductType.choices)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ProductStatus.choices,
        default=ProductStatus.DRAFT,
        db_index=True,
    )
    live_version = models.OneToOneField(
        "financing.ProductVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_for",
        verbose_name=_("在用版本"),
    )
    published_at = models.DateTimeField(_("首次发布时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("下架时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("金融产品")
        verbose_name_plural = _("金融产品")
        ordering = ["-updated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="product_name_unique_per_institution"
            ),
        ]
        indexes = [models.Index(fields=["status", "product_type"])]

    def __str__(self) -> str:
        return self.name


class ProductVersion(RuleVersion):
    """One version of a product's terms and eligibility rule (see the module docstring).

    Amounts are yuan; terms months; ``rate_min``/``rate_max`` an annual interest rate in
    percent (for insurance and guarantee products: the premium or fee rate in percent).
    ``counties`` empty means the whole city; ``tiers`` (growth-stage codes) and ``labels``
    (list-label codes) empty mean any; ``collateral_kinds`` are the kinds of which the
    enterprise must offer at least one (empty: none needed). ``document`` is the eligibility
    rule (a rule set as in the recognition YAMLs, or None: no further condition).
    """

    RULE_FIELDS = ("product",)
    ONE_ACTIVE = True

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="versions", verbose_name=_("产品")
    )
    amount_min = MoneyField(_("最低金额(元)"))
    amount_max = MoneyField(_("最高金额(元)"))
    term_min_months = models.PositiveSmallIntegerField(_("最短期限(月)"))
    term_max_months = models.PositiveSmallIntegerField(_("最长期限(月)"))
    rate_min = models.DecimalField(_("最低利率/费率(%)"), max_digits=6, decimal_places=3)
    rate_max = models.DecimalField(_("最高利率/费率(%)"), max_digits=6, decimal_places=3)
    collateral_kinds = models.JSONField(_("可接受的抵质押物"), default=list, blank=True)
    guarantee_required = models.BooleanField(_("需要担保"), default=False)
    counties = models.ManyToManyField(
        "core.Region", blank=True, related_name="+", verbose_name=_("服务县(市、区)")
    )
    tiers = models.JSONField(_("适用成长阶段"), default=list, blank=True)
    labels = models.JSONField(_("适用名单标签"), default=list, blank=True)
    materials = models.JSONField(_("所需材料"), default=list, blank=True)
    description = TextBlockField(_("产品介绍"), blank=True)
    review = models.CharField(
        _("审核状态"),
        max_length=16,
        choices=ProductVersionReview.choices,
        default=ProductVersionReview.DRAFT,
    )
    review_comment = TextBlockField(_("审核意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("产品版本")
        verbose_name_plural = _("产品版本")
        ordering = ["product", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="product_version_unique"),
            models.CheckConstraint(
                name="product_amount_range", condition=Q(amount_min__lte=models.F("amount_max"))
            ),
            models.CheckConstraint(name="product_amount_positive", condition=Q(amount_min__gte=0)),
            models.CheckConstraint(
                name="product_term_range",
                condition=Q(term_min_months__lte=models.F("term_max_months")),
            ),
            models.CheckConstraint(
                name="product_rate_range",
                condition=Q(rate_min__gte=0) & Q(rate_min__lte=models.F("rate_max")),
            ),
        ]

    @property
    def needs_worked_cases(self) -> bool:
        """A version without an eligibility rule has nothing to check."""
        return bool(self.document)

    #: The id of the one condition a product's rule set has (worked cases expect
    #: ``{"condition.rule": true|false}``, as the list's stage and label rules do).
    RULE_CONDITION = "rule"

    def rule(self):
        """The eligibility rule: one JSON rule over the facts catalogue (``True``: every
        enterprise, when the version has none)."""
        return True if self.document in (None, {}) else self.document

    def rule_set_version(self) -> RuleSet:
        """The rule as the engine's rule set: one condition, ``rule``; batch evaluation
        (``evaluate_frame``) gives ``condition.rule``, ``explain`` the clause by clause why."""
        rule = self.rule()
        return RuleSet(
            id=self.rule_id,
            title=str(self.product) if self.product_id else "",
            reference=self.reference,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            facts=tuple(sorted(variables(rule))) if isinstance(rule, dict) else (),
            conditions=(Condition(id=self.RULE_CONDITION, label=str(_("准入条件")), test=rule),),
            version=self.version,
        )

    def activation_day(self) -> datetime.date:
        """A version takes effect the day an officer approves it (never earlier)."""
        return max(self.valid_from, timezone.localdate())

    @property
    def is_pending(self) -> bool:
        """Not yet approved: a draft, a returned one or one under review."""
        return self.review != ProductVersionReview.APPROVED

    @property
    def price_is_premium(self) -> bool:
        """Whether the price is a premium or fee rate (insurance products), not interest."""
        return self.product.product_type in PREMIUM_PRICED


class ProductEvent(models.Model):
    """One move of a product: action, product status before and after, the version it
    concerns, actor, comment (an officer's return reason) and time — the product's history."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="events", verbose_name=_("产品")
    )
    version = models.ForeignKey(
        ProductVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("版本"),
    )
    action = models.CharField(_("操作"), max_length=16, choices=ProductAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=ProductStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=ProductStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    comment = TextBlockField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("产品变动记录")
        verbose_name_plural = _("产品变动记录")
        ordering = ["product", "at", "id"]

    def __str__(self) -> str:
        return f"{self.product_id} {self.action}"


class LeadQuerySet(EnterpriseOwnedQuerySet):
    def visible_to(self, user) -> LeadQuerySet:
        """Leads ``user`` may see (``lead_scope``: the institution pushed to, officers)."""
        return cast(LeadQuerySet, scoped_q(self, lead_scope(user=user)))


class Lead(TimeStampedModel):
    """An enterprise that fits a product, pushed by an officer to the product's institution."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="leads", verbose_name=_("产品")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="financing_leads",
        verbose_name=_("企业"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("机构"),
    )
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("推送人"),
    )
    note = TextBlockField(_("推送说明"), blank=True)
    score = models.DecimalField(_("匹配分"), max_digits=6, decimal_places=2, null=True)
    status = models.CharField(
        _("跟进状态"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("推送线索")
        verbose_name_plural = _("推送线索")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "enterprise"], name="lead_unique"),
        ]
