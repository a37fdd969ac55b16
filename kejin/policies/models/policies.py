"""Policies, their versions (eligibility and benefit as rules), attachments, categories,
subscriptions and the record of who was told.

A :class:`Policy` is the published document: title, 文号, issuing departments, full text,
categories, validity and status. What it grants lives on a :class:`PolicyVersion`, a stored
rule version (``kejin.facts.rule_versions.RuleVersion``): ``document`` is the eligibility
rule over the facts catalogue (one JSON rule or a rule set, as a product's), targeted by
county, growth stage and label like a product (``kejin.enterprises.eligibility``), and the
benefit is a formula of the same engine (``kejin.rules.expressions``) over the facts, the
application's inputs (``input.<name>``) and the version's parameters (``{"param": name}``),
capped per enterprise and year, per loan and per institution and year. Every number — rates,
shares, caps, step limits — is the version's, never a constant; a change to a published
policy is a new version, and publishing it retires the previous one (``ONE_ACTIVE``).
"""

from __future__ import annotations

import json
from typing import cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextBlockField, TextLineField
from kejin.core.models import StoredAttachment, TimeStampedModel
from kejin.enterprises.eligibility import eligibility_rule
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet, scoped
from kejin.facts.rule_versions import RuleVersion
from kejin.policies.choices import ApplicationPeriod, PolicyAction, PolicyScheme, PolicyStatus
from kejin.policies.permissions import policy_scope
from kejin.rules.ruleset import RuleSet


class PolicyCategory(models.Model):
    """A category enterprises subscribe to (科技保险, 风险补偿, 知识产权, 研发, 上市…)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = TextLineField(_("名称"), max_length=64)
    name_en = TextLineField(_("英文名称"), max_length=64, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("政策类别")
        verbose_name_plural = _("政策类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class PolicyQuerySet(models.QuerySet):
    def visible_to(self, user) -> PolicyQuerySet:
        """Policies ``user`` may see (``policy_scope``: published and expired ones for
        everyone, visitors included; drafts for officers)."""
        scope = policy_scope(user=user)
        if isinstance(scope, models.Q):
            return cast(PolicyQuerySet, self.filter(scope))
        return cast(PolicyQuerySet, scoped(self, scope))

    def published(self) -> PolicyQuerySet:
        return self.filter(status=PolicyStatus.PUBLISHED, live_version__isnull=False)


class Policy(TimeStampedModel):
    """A policy document (identity, text and lifecycle; what it grants is on versions)."""

    title = TextLineField(_("政策名称"), max_length=200)
    doc_number = TextLineField(_("文号"), max_length=64, blank=True)
    issuers = models.JSONField(_("发文部门"), default=list, blank=True)
    region = models.ForeignKey(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布地区"),
        help_text=_("县(市、区)的政策填写所在县；全市政策留空。"),
    )
    summary = TextBlockField(_("政策摘要"), blank=True)
    full_text = TextBlockField(_("政策全文"), blank=True)
    categories = models.ManyToManyField(
        PolicyCategory, blank=True, related_name="policies", verbose_name=_("政策类别")
    )
    scheme = models.CharField(
        _("兑现方式"), max_length=32, choices=PolicyScheme.choices, default=PolicyScheme.GRANT
    )
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=PolicyStatus.choices,
        default=PolicyStatus.DRAFT,
        db_index=True,
    )
    live_version = models.OneToOneField(
        "policies.PolicyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_for",
        verbose_name=_("在用版本"),
    )
    published_at = models.DateTimeField(_("首次发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策")
        verbose_name_plural = _("政策")
        ordering = ["-published_at", "-updated_at", "id"]
        indexes = [models.Index(fields=["status", "scheme"])]
        constraints = [
            models.CheckConstraint(
                name="policy_validity_range",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_to")),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PolicyVersion(RuleVersion):
    """One version of what a policy grants (see the module docstring).

    ``document`` is the eligibility rule (None: every enterprise in the targeted counties,
    stages and labels). ``benefit_formula`` is an expression of ``kejin.rules`` giving the
    amount in yuan from the facts, ``input.<name>`` (the application's fields, ``inputs``)
    and ``{"param": name}``; ``None`` for a policy that pays nothing computed. ``inputs`` are
    the application's fields, each ``{"name", "label", "kind": money|number|text|date,
    "required", "typical"}`` (``typical``: the value an impact simulation assumes).
    ``deadline_days`` are the working-day limits of the application steps
    (``ApplicationStep``), defaults in ``settings.KEJIN_POLICY_DEADLINES``.
    """

    RULE_FIELDS = ("policy",)
    ONE_ACTIVE = True

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="versions", verbose_name=_("政策")
    )
    counties = models.ManyToManyField(
        "core.Region", blank=True, related_name="+", verbose_name=_("适用县(市、区)")
    )
    tiers = models.JSONField(_("适用成长阶段"), default=list, blank=True)
    labels = models.JSONField(_("适用名单标签"), default=list, blank=True)
    benefit_formula = models.JSONField(_("支持金额公式"), null=True, blank=True)
    benefit_reference = TextLineField(_("支持标准依据条款"), max_length=255, blank=True)
    cap_per_enterprise_year = MoneyField(_("每家企业每年上限(元)"), null=True, blank=True)
    cap_per_loan = MoneyField(_("单笔贷款上限(元)"), null=True, blank=True)
    cap_per_institution_year = MoneyField(_("每家机构每年上限(元)"), null=True, blank=True)
    budget = MoneyField(_("年度资金预算(元)"), null=True, blank=True)
    inputs = models.JSONField(_("申报字段"), default=list, blank=True)
    period = models.CharField(
        _("申报周期"),
        max_length=16,
        choices=ApplicationPeriod.choices,
        default=ApplicationPeriod.YEAR,
    )
    deadline_days = models.JSONField(_("办理时限(工作日)"), default=dict, blank=True)
    notes = TextBlockField(_("版本说明"), blank=True)

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["policy", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="policy_version_unique"),
        ]

    @property
    def needs_worked_cases(self) -> bool:
        """A version without an eligibility rule has nothing to check."""
        return bool(self.document)

    def terms(self) -> tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]]:
        """The targeting terms: county ids, growth-stage codes, label codes (sorted)."""
        counties = tuple(sorted(self.counties.values_list("pk", flat=True))) if self.pk else ()
        return counties, tuple(sorted(self.tiers or ())), tuple(sorted(self.labels or ()))

    def rule_set_version(self) -> RuleSet:
        """The eligibility rule set (document with parameters and terms), compiled once per
        distinct version content (``kejin.enterprises.eligibility.eligibility_rule``)."""
        counties, tiers, labels = self.terms()
        return eligibility_rule(
            json.dumps(self.document, sort_keys=True) if self.document else None,
            json.dumps(self.parameters or {}, sort_keys=True),
            counties,
            tiers,
            labels,
        )


class PolicyEvent(models.Model):
    """One move of a policy (drafted, edited, new version, published, expired): the history."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="events", verbose_name=_("政策")
    )
    version = models.ForeignKey(
        PolicyVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("版本"),
    )
    action = models.CharField(_("操作"), max_length=16, choices=PolicyAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=PolicyStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=PolicyStatus.choices)
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
        verbose_name = _("政策变动记录")
        verbose_name_plural = _("政策变动记录")
        ordering = ["policy", "at", "id"]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.action}"


class PolicyAttachment(StoredAttachment):
    """A file of a policy (the signed document, application forms); public with the policy."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("政策")
    )
    file = models.FileField(_("文件"), upload_to="policies/%Y/%m/")

    class Meta:
        verbose_name = _("政策附件")
        verbose_name_plural = _("政策附件")
        ordering = ["policy", "id"]


class PolicySubscription(models.Model):
    """An enterprise's subscription to a category: its users are told of new policies."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="policy_subscriptions",
        verbose_name=_("企业"),
    )
    category = models.ForeignKey(
        PolicyCategory, on_delete=models.CASCADE, related_name="+", verbose_name=_("政策类别")
    )
    created_at = models.DateTimeField(_("订阅时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策订阅")
        verbose_name_plural = _("政策订阅")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "category"], name="policy_subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.category_id}"


class PolicyNotice(models.Model):
    """That an enterprise was told of a policy version, and why (subscribed or qualifying):
    the unique key makes "notified once" hold however often publication is retried."""

    class Reason(models.TextChoices):
        SUBSCRIBED = "subscribed", _("订阅类别")
        QUALIFIES = "qualifies", _("符合条件")

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="notices", verbose_name=_("版本")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("企业")
    )
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策推送记录")
        verbose_name_plural = _("政策推送记录")
        constraints = [
            models.UniqueConstraint(fields=["version", "enterprise"], name="policy_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.enterprise_id}"
