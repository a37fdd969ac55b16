"""Scorecards as versioned data, and the scores they give.

A ``ScorecardVersion`` is one dated version of a scorecard, a stored rule version
(``kejin.facts.rule_versions.RuleVersion``): its ``document`` is a points table in the rules
engine's form (``kejin.rules.ruleset.RuleSet``: indicators → bands → points, base points,
grade bands, reason codes), evaluated vectorised over the credit indicators; its
``worked_cases`` (facts in, expected score and grade out) must pass on the explanation and
the batch path before it can be activated (``rule_version_activate``). Every scorecard
version is a version of one rule, the platform's scorecard: at most one is active at a time
(platform-wide, a partial unique index), and activating one retires the other. Batch scoring
writes each enterprise's current ``CreditScore`` and, whenever the score, grade, reasons or
scorecard change, a ``CreditScoreHistory`` row; both point at the version that gave them.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextBlockField, TextLineField
from kejin.credit.choices import ScorecardKind
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.facts.choices import RuleVersionStatus
from kejin.facts.rule_versions import RuleVersion
from kejin.rules.ruleset import RuleSet

#: The engine's id of the one rule every scorecard version is a version of.
SCORECARD_RULE_ID = "credit_scorecard"


class ScorecardVersion(RuleVersion):
    """One version of a credit scorecard (expert or statistical), as a points table.

    ``code`` names the scorecard (``jiaxing_expert``, a trained one…) and ``version`` counts
    its versions (an integer, unlike the base's label, so versions sort and number on).
    """

    ONE_ACTIVE: ClassVar[bool] = True

    code = models.SlugField(_("评分卡代码"), max_length=48)
    version = models.PositiveIntegerField(_("版本"))  # type: ignore[assignment]
    title = TextLineField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=ScorecardKind.choices)
    #: Training metrics of a statistical scorecard (AUC, KS, Gini, calibration table…).
    metrics = models.JSONField(_("模型指标"), default=dict, blank=True)
    note = TextBlockField(_("修订说明"), blank=True)

    class Meta:
        verbose_name = _("评分卡版本")
        verbose_name_plural = _("评分卡版本")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="credit_scorecard_version"),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RuleVersionStatus.ACTIVE),
                name="credit_scorecard_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_active(self) -> bool:
        return self.status == RuleVersionStatus.ACTIVE

    @property
    def rule_id(self) -> str:
        """Every scorecard version is a version of the platform's one scorecard."""
        return SCORECARD_RULE_ID

    def activation_day(self) -> datetime.date:
        """A scorecard takes effect when it is activated (never before its ``valid_from``)."""
        return max(self.valid_from, timezone.localdate())

    def rule_set_version(self) -> RuleSet:
        """The points table as the engine's rule set, dated and named as this version."""
        return RuleSet.from_dict(
            {
                **(self.document or {}),
                "id": self.code,
                "version": str(self.version),
                "valid_from": self.valid_from,
                "valid_to": self.valid_to,
                "reference": self.reference,
                "parameters": self.parameters or (self.document or {}).get("parameters") or {},
            }
        )


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
