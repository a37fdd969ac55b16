"""Enumerations of the credit module (信用信息共享)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Disclosure(models.TextChoices):
    """Who may see a category's records without a grant."""

    PUBLIC = "public", _("公开")
    RESTRICTED = "restricted", _("受限")


class FieldType(models.TextChoices):
    """The type of one field of a record category (how a cell is parsed and checked)."""

    TEXT = "text", _("文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("数值")
    AMOUNT = "amount", _("金额(元)")
    DATE = "date", _("日期")
    CHOICE = "choice", _("代码")
    BOOLEAN = "boolean", _("是/否")


class BatchChannel(models.TextChoices):
    """How a batch reached the platform."""

    UPLOAD = "upload", _("文件上传")
    API = "api", _("接口推送")


class RecordStatus(models.TextChoices):
    """A record version's life: the current one, one a correction replaced, one removed."""

    CURRENT = "current", _("有效")
    SUPERSEDED = "superseded", _("已更正")
    REMOVED = "removed", _("已删除")


# --- scoring ---


class ScorecardKind(models.TextChoices):
    """How a scorecard's points were set."""

    EXPERT = "expert", _("专家评分卡")
    STATISTICAL = "statistical", _("统计评分卡")


class ScorecardStatus(models.TextChoices):
    """A scorecard version's life: drafted, the one active, retired."""

    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("现行")
    RETIRED = "retired", _("已停用")


# --- disputes ---


class DisputeStatus(models.TextChoices):
    """A dispute's life: open until the source department resolves it (corrected, removed or
    upheld) or the enterprise withdraws it."""

    OPEN = "open", _("处理中")
    CORRECTED = "corrected", _("已更正")
    REMOVED = "removed", _("已删除")
    UPHELD = "upheld", _("维持原记录")
    WITHDRAWN = "withdrawn", _("已撤回")


class DisputeAttachmentStage(models.TextChoices):
    """Which step of a dispute an attachment was given with."""

    FILING = "filing", _("异议申请")
    RESOLUTION = "resolution", _("处理结果")
    REPLY = "reply", _("企业说明")
