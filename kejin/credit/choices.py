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


# --- reports ---


class ReportPurpose(models.TextChoices):
    """Why an institution asks for a report (stated in the request, kept in every read)."""

    LOAN_PRE_REVIEW = "loan_pre_review", _("贷前审查")
    POST_LOAN = "post_loan", _("贷后管理")
    GUARANTEE_REVIEW = "guarantee_review", _("担保审查")
    INSURANCE_UNDERWRITING = "insurance_underwriting", _("保险承保")
    INVESTMENT_DUE_DILIGENCE = "investment_due_diligence", _("投资尽调")
    CREDIT_RATING = "credit_rating", _("信用评级")


class ReportRequestStatus(models.TextChoices):
    """A report request's stored state. "Expired" is not stored: a granted request whose
    ``valid_until`` has passed (Asia/Shanghai) is expired (``ReportRequest.state``)."""

    PENDING = "pending", _("待授权")
    GRANTED = "granted", _("已授权")
    REFUSED = "refused", _("已拒绝")
    REVOKED = "revoked", _("已撤销")


class ReportState(models.TextChoices):
    """What a request is today: its status, with a granted one past its date as expired."""

    PENDING = "pending", _("待授权")
    GRANTED = "granted", _("已授权")
    REFUSED = "refused", _("已拒绝")
    REVOKED = "revoked", _("已撤销")
    EXPIRED = "expired", _("已过期")


class ReportFormat(models.TextChoices):
    """How a report was read."""

    PAGE = "page", _("网页")
    PDF = "pdf", "PDF"  # the same in every language
    XLSX = "xlsx", "Excel"
    API = "api", _("接口")
