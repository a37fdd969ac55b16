"""The tech-enterprise list (名单库): growth stages, labels, membership, its history and overrides,
re-evaluation runs and the recognition results they stored.

Stages and labels are data: their criteria are JSON rules over the facts frame (plus the
recognition statuses ``tech_sme.status`` / ``high_tech.status``), editable by officers.
An annual re-evaluation (``kejin.registry.evaluation``) recomputes them and records only
changes as :class:`RegistryEvent`; an active :class:`RegistryOverride` wins until lifted.

The models moved here from the enterprises app without moving their data: each keeps its
table (``db_table = "enterprises_…"``), see migration ``registry.0001_initial``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextBlockField, TextLineField
from kejin.core.models import TimeStampedModel
from kejin.core.text import validate_multiline_text
from kejin.enterprises.choices import RecognitionStatus
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.facts.rule_versions import RuleVersion
from kejin.registry.choices import OverrideKind, RegistryEventKind, RunStatus
from kejin.registry.permissions import registry_can_browse
from kejin.rules.expressions import variables
from kejin.rules.ruleset import Condition, Parameter, RuleSet, resolve_parameters


class EvaluationRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> EvaluationRunQuerySet:
        """Runs of the whole list: for whoever may browse the list (a county officer sees a
        run's events only for their county, through ``RegistryEvent.objects.visible_to``)."""
        return self if registry_can_browse(user=user) else self.none()


class GrowthStage(models.Model):
    """A growth stage (初创期/成长期/成熟期). Stages are tried in ``order``; the first whose
    criteria hold is the enterprise's stage (the last should be a catch-all: ``true``)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = TextLineField(_("名称"), max_length=32)
    order = models.PositiveSmallIntegerField(_("判定顺序"))
    criteria = models.JSONField(
        _("判定规则"),
        help_text=_("当前生效版本的JSON规则（JsonLogic子集）；修改规则请新建版本"),
    )
    description = TextBlockField(_("说明"), blank=True)
    reference = TextLineField(_("依据"), max_length=255, blank=True)

    class Meta:
        db_table = "enterprises_growthstage"
        verbose_name = _("成长阶段")
        verbose_name_plural = _("成长阶段")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    """A label on the list (科技型中小企业, 高新技术企业, 上市后备…). Computed labels have
    criteria; manual labels (``criteria`` empty) are given by officers through overrides."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = TextLineField(_("名称"), max_length=32)
    criteria = models.JSONField(
        _("判定规则"),
        null=True,
        blank=True,
        help_text=_("当前生效版本的规则；为空表示由工作人员认定"),
    )
    description = TextBlockField(_("说明"), blank=True)
    reference = TextLineField(_("依据"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("显示顺序"), default=100)

    class Meta:
        db_table = "enterprises_label"
        verbose_name = _("名单标签")
        verbose_name_plural = _("名单标签")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_computed(self) -> bool:
        return self.criteria is not None


class RegistryRuleVersion(RuleVersion):
    """One dated version of a growth stage's or a label's rule (``document``: one JSON rule;
    ``None`` for a label given only by officers). Officers draft a version, add worked cases
    (facts in, the rule's outcome — true or false — out: ``expect`` is
    ``{"condition.rule": …}``) and activate it; a run uses the version in force on its
    evaluation day, and the list's events name the version that produced them. The stage's
    or label's ``criteria`` mirrors the version in force when one was last activated."""

    RULE_FIELDS = ("stage", "label")

    stage = models.ForeignKey(
        GrowthStage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("成长阶段"),
    )
    label = models.ForeignKey(
        Label,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("标签"),
    )

    class Meta:
        db_table = "registry_ruleversion"
        verbose_name = _("名单规则版本")
        verbose_name_plural = _("名单规则版本")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="rule_version_of_stage_or_label",
                condition=Q(stage__isnull=False, label__isnull=True)
                | Q(stage__isnull=True, label__isnull=False),
            )
        ]

    @property
    def rule_id(self) -> str:
        """``stage:<code>`` or ``label:<code>``, as the list's events name their rule."""
        return f"{'stage' if self.stage_id else 'label'}:{self.owner.code}"

    @property
    def owner(self) -> GrowthStage | Label:
        """The stage or label whose rule this is (the check constraint: exactly one)."""
        owner = self.stage if self.stage_id else self.label
        assert owner is not None
        return owner

    @property
    def needs_worked_cases(self) -> bool:
        """A label's version without a rule (given by officers) computes nothing to check."""
        return self.document is not None

    def named_parameters(self) -> dict[str, Parameter]:
        return {
            name: Parameter(name, p.get("value"), p.get("reference", ""), p.get("label", ""))
            for name, p in (self.parameters or {}).items()
        }

    def rule(self) -> Any:
        """The rule with its named parameters put in."""
        return resolve_parameters(self.document, self.named_parameters())

    def rule_set_version(self) -> RuleSet:
        """The rule as the engine's rule set: one condition, ``rule``, whose outcome the
        worked cases expect."""
        rule = self.rule()
        return RuleSet(
            id=self.rule_id,
            title=str(self.owner),
            reference=self.reference,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            facts=tuple(sorted(variables(rule))),
            conditions=(Condition(id="rule", label=str(self.owner), test=rule),),
            version=self.version,
            parameters=tuple(self.named_parameters().values()),
        )


#: The statuses of a run that holds the one slot for an active run.
RUN_ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class EvaluationRun(models.Model):
    """One re-evaluation of recognition, stages and labels (annual, or on demand).

    Created ``queued`` by ``registry_run_start``; the worker marks it ``running`` and beats
    ``heartbeat_at`` while it works. At most one run is queued or running at a time (a partial
    unique index on a constant, portable to SQLite and PostgreSQL); a run whose heartbeat
    went stale has lost its worker and is marked failed before a new one may start.
    """

    year = models.PositiveSmallIntegerField(_("评价年度"))
    as_of = models.DateField(_("评价日"))
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    enterprises = models.PositiveIntegerField(_("评价企业数"), default=0)
    changes = models.PositiveIntegerField(_("变化数"), default=0)
    summary = models.JSONField(_("变化汇总"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)

    objects = EvaluationRunQuerySet.as_manager()

    class Meta:
        db_table = "enterprises_evaluationrun"
        verbose_name = _("名单评价批次")
        verbose_name_plural = _("名单评价批次")
        ordering = ["-started_at", "-id"]
        constraints = [
            # Every active run indexes the same constant, so a second one is a duplicate.
            models.UniqueConstraint(
                Value(1),
                condition=Q(status__in=RUN_ACTIVE_STATUSES),
                name="evaluation_run_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} #{self.pk}"


class EvaluationPreview(models.Model):
    """A re-evaluation preview computed in the background, for a list too large to preview
    within a page request (``settings.KEJIN_REGISTRY_PREVIEW_SYNC_MAX``).

    Created ``queued`` by ``registry_preview_request`` for the officer who asked; the
    worker claims it (``running``, beating ``heartbeat_at`` after each chunk) and stores
    ``result`` (``RegistryPreview.as_json``). Only its requester reads it; old ones are
    deleted as new ones are asked for. It writes nothing to the list.
    """

    year = models.PositiveSmallIntegerField(_("评价年度"))
    as_of = models.DateField(_("评价日"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.JSONField(_("预览结果"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("重新评价预览")
        verbose_name_plural = _("重新评价预览")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} preview #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in RUN_ACTIVE_STATUSES


class RecognitionResult(models.Model):
    """The latest result of one recognition rule set for one enterprise."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="recognitions",
        verbose_name=_("企业"),
    )
    ruleset = models.CharField(_("认定规则"), max_length=32)
    ruleset_version = models.CharField(_("认定规则版本"), max_length=32, blank=True)
    year = models.PositiveSmallIntegerField(_("数据年度"))
    status = models.CharField(_("结果"), max_length=20, choices=RecognitionStatus.choices)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("评价批次")
    )
    evaluated_at = models.DateTimeField(_("评价时间"), auto_now=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        db_table = "enterprises_recognitionresult"
        verbose_name = _("认定结果")
        verbose_name_plural = _("认定结果")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "ruleset"], name="recognition_one_per_ruleset"
            )
        ]
        indexes = [models.Index(fields=["ruleset", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.ruleset} {self.status}"


class RegistryEntry(TimeStampedModel):
    """An enterprise's current place on the list: whether it is on it, its stage and labels."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="registry_entry",
        verbose_name=_("企业"),
    )
    on_list = models.BooleanField(_("在库"), default=False)
    stage = models.ForeignKey(
        GrowthStage, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("成长阶段")
    )
    labels = models.ManyToManyField(Label, blank=True, verbose_name=_("标签"))
    since = models.DateField(_("入库日期"), null=True, blank=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        db_table = "enterprises_registryentry"
        verbose_name = _("名单库条目")
        verbose_name_plural = _("名单库条目")
        indexes = [models.Index(fields=["on_list", "stage"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {'在库' if self.on_list else '不在库'}"


class RegistryEvent(models.Model):
    """One change on the list — entry, exit, stage change, label added or removed — with
    its date, reason, and the rule or the officer that caused it."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="registry_events",
        verbose_name=_("企业"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RegistryEventKind.choices)
    happened_on = models.DateField(_("日期"))
    from_value = models.CharField(_("变更前"), max_length=64, blank=True)
    to_value = models.CharField(_("变更后"), max_length=64, blank=True)
    reason = models.CharField(_("原因"), max_length=255)
    rule = models.CharField(_("依据规则"), max_length=64, blank=True)
    rule_version = models.ForeignKey(
        RegistryRuleVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("规则版本"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("评价批次")
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        db_table = "enterprises_registryevent"
        verbose_name = _("名单变动")
        verbose_name_plural = _("名单变动")
        ordering = ["-happened_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "happened_on"])]

    def __str__(self) -> str:
        return f"{self.happened_on} {self.get_kind_display()} {self.to_value}"


class RegistryOverride(TimeStampedModel):
    """An officer's decision that wins over the computed result until lifted.

    ``membership``: ``value`` keeps the enterprise on (True) or off (False) the list;
    ``stage``: forces ``stage``; ``label``: gives (True) or withholds (False) ``label``.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="registry_overrides",
        verbose_name=_("企业"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=OverrideKind.choices)
    value = models.BooleanField(_("在库/具有"), default=True)
    stage = models.ForeignKey(
        GrowthStage, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("成长阶段")
    )
    label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("标签")
    )
    reason = models.CharField(_("原因"), max_length=255, validators=[validate_multiline_text])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lift_reason = models.CharField(
        _("解除原因"), max_length=255, blank=True, validators=[validate_multiline_text]
    )

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        db_table = "enterprises_registryoverride"
        verbose_name = _("人工调整")
        verbose_name_plural = _("人工调整")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="override_target_matches_kind",
                condition=(
                    Q(kind=OverrideKind.MEMBERSHIP, stage__isnull=True, label__isnull=True)
                    | Q(kind=OverrideKind.STAGE, stage__isnull=False, label__isnull=True)
                    | Q(kind=OverrideKind.LABEL, stage__isnull=True, label__isnull=False)
                ),
            ),
            # One active override per target. Two partial constraints rather than one with
            # nulls_distinct=False, which SQLite does not support.
            models.UniqueConstraint(
                fields=["enterprise", "kind"],
                condition=Q(lifted_at__isnull=True, label__isnull=True),
                name="override_one_active_per_enterprise_target",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "label"],
                condition=Q(lifted_at__isnull=True, label__isnull=False),
                name="override_one_active_per_label",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind} {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
