"""Scorecards as versioned data, and the scores they give.

A ``ScorecardVersion`` is one version of a scorecard: its ``document`` is a points table in
the rules engine's form (``kejin.rules.ruleset.RuleSet``: indicators → bands → points, base
points, grade bands, reason codes), evaluated vectorised over the credit indicators. At most
one version is active at a time (platform-wide); batch scoring writes each enterprise's
current ``CreditScore`` and, whenever the score, grade, reasons or scorecard change, a
``CreditScoreHistory`` row.

The version fields (code, version, valid_from/to, reference, status, created_by,
activated_by/at) are those of the stored rule-version base the rules module is getting, so
the model can adopt it later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextBlockField, TextLineField
from kejin.credit.choices import ScorecardKind, ScorecardStatus
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet


class ScorecardVersion(models.Model):
    """One version of a credit scorecard (expert or statistical), as a points table."""

    code = models.SlugField(_("评分卡代码"), max_length=48)
    version = models.PositiveIntegerField(_("版本"))
    title = TextLineField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=ScorecardKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    reference = TextBlockField(_("依据"), blank=True)
    #: The points table (a rule set document: indicators, bands, points, base points,
    #: grades, reason count).
    document = models.JSONField(_("评分表"), default=dict)
    #: Training metrics of a statistical scorecard (AUC, KS, Gini, calibration table…).
    metrics = models.JSONField(_("模型指标"), default=dict, blank=True)
    note = TextBlockField(_("修订说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("启用人"),
    )
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分卡版本")
        verbose_name_plural = _("评分卡版本")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="credit_scorecard_version"),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=ScorecardStatus.ACTIVE),
                name="credit_scorecard_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_active(self) -> bool:
        return self.status == ScorecardStatus.ACTIVE


class CreditScore(models.Model):
    """An enterprise's current credit score, grade and top reason codes."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="credit_score",
        verbose_name=_("企业"),
    )
    scorecard = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分卡")
    )
    score = models.DecimalField(_("评分"), max_digits=9, decimal_places=2, null=True)
    grade = models.CharField(_("等级"), max_length=8, blank=True)
    #: Indicator ids that cost the most points, worst first.
    reasons = models.JSONField(_("主要扣分原因"), default=list, blank=True)
    as_of = models.DateField(_("数据截止日"))
    computed_at = models.DateTimeField(_("计算时间"))

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用评分")
        verbose_name_plural = _("信用评分")

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.score} {self.grade}"


class CreditScoreHistory(models.Model):
    """One change of an enterprise's score (a new scorecard, or changed records)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="credit_score_history",
        verbose_name=_("企业"),
    )
    scorecard = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分卡")
    )
    score = models.DecimalField(_("评分"), max_digits=9, decimal_places=2, null=True)
    grade = models.CharField(_("等级"), max_length=8, blank=True)
    reasons = models.JSONField(_("主要扣分原因"), default=list, blank=True)
    as_of = models.DateField(_("数据截止日"))
    computed_at = models.DateTimeField(_("计算时间"))

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用评分历史")
        verbose_name_plural = _("信用评分历史")
        ordering = ["enterprise", "-computed_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "computed_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id}@{self.computed_at:%Y-%m-%d}: {self.score}"
