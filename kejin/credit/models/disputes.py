"""Disputes (异议) about credit records, and the files given with them.

An enterprise's admin disputes one of its current records with a reason; the record's source
department resolves it within a deadline in working days (default 20): corrected (a new
version of the record supersedes the disputed one), removed, or upheld with an annotation the
enterprise may answer once. An open dispute past its deadline is flagged to officers by the
daily scan. At most one dispute per record version is open at a time (a database
constraint). Writes are in ``kejin.credit.disputes`` (audited); nothing here decides who may
do what.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextBlockField
from kejin.core.models import StoredAttachment
from kejin.credit.choices import DisputeAttachmentStage, DisputeStatus
from kejin.credit.models.records import CreditRecord
from kejin.credit.permissions import credit_dispute_scope
from kejin.enterprises.querysets import scoped


class DisputeQuerySet(models.QuerySet):
    def visible_to(self, user) -> DisputeQuerySet:
        """Disputes ``user`` may see (``credit_dispute_scope``): the enterprise its own, the
        source department those about its records, officers their scope."""
        return scoped(self, credit_dispute_scope(user=user))

    def open(self) -> DisputeQuerySet:
        return self.filter(status=DisputeStatus.OPEN)


class Dispute(models.Model):
    """An enterprise's objection to one version of one of its credit records."""

    record = models.ForeignKey(
        CreditRecord, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("异议记录")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="credit_disputes",
        verbose_name=_("企业"),
    )
    #: The record's source department when the dispute was filed: who must resolve it.
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, verbose_name=_("处理部门")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    reason = TextBlockField(_("异议理由"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("提出人"),
    )
    filed_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    #: The last day (Asia/Shanghai) on which the department resolves it in time.
    deadline = models.DateField(_("处理期限"))
    deadline_workdays = models.PositiveSmallIntegerField(_("处理时限(工作日)"))
    #: Some year the deadline crosses had no holiday schedule (counted Monday–Friday).
    deadline_approximate = models.BooleanField(_("期限为估算"), default=False)
    #: When the daily scan found it open past its deadline (flagged to officers).
    overdue_flagged_at = models.DateTimeField(_("逾期标记时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("办结人"),
    )
    #: The department's explanation; for an upheld dispute, the annotation shown with the
    #: record wherever it appears.
    resolution_note = TextBlockField(_("处理说明"), blank=True)
    corrected_record = models.ForeignKey(
        CreditRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="correcting_disputes",
        verbose_name=_("更正后的记录"),
    )
    #: The enterprise's answer to an upheld dispute's annotation (given once).
    reply = TextBlockField(_("企业说明"), blank=True)
    replied_at = models.DateTimeField(_("说明时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("说明人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用异议")
        verbose_name_plural = _("信用异议")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status=DisputeStatus.OPEN),
                name="credit_dispute_one_open_per_record",
            )
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["enterprise", "status"]),
        ]

    def __str__(self) -> str:
        return f"异议#{self.pk} {self.record}"

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN


class DisputeAttachment(StoredAttachment):
    """A file given with a dispute (its filing, its resolution or the enterprise's answer).

    Served only through the dispute's page to who may see the dispute."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("异议")
    )
    stage = models.CharField(
        _("环节"),
        max_length=16,
        choices=DisputeAttachmentStage.choices,
        default=DisputeAttachmentStage.FILING,
    )
    file = models.FileField(_("文件"), upload_to="credit/disputes/%Y/%m/")

    class Meta:
        verbose_name = _("异议附件")
        verbose_name_plural = _("异议附件")
        ordering = ["uploaded_at", "id"]
