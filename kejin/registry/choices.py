"""Enumerations of the list (名单库): its events, overrides and re-evaluation runs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryEventKind(models.TextChoices):
    ENTRY = "entry", _("入库")
    EXIT = "exit", _("出库")
    STAGE_CHANGE = "stage_change", _("阶段变化")
    LABEL_ADDED = "label_added", _("新增标签")
    LABEL_REMOVED = "label_removed", _("移除标签")


class OverrideKind(models.TextChoices):
    MEMBERSHIP = "membership", _("名单")
    STAGE = "stage", _("成长阶段")
    LABEL = "label", _("标签")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
