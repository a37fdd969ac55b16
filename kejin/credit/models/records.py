"""Credit records and the batches that delivered them.

A record is identified by its category and the source department's own record id. A
correction (the same id delivered again with different content) supersedes the current
version: the old row stays, ``status`` superseded, and the new row is ``version`` + 1, so the
history is kept. Re-delivering identical content changes nothing. A record whose USCC names
no registered enterprise is kept unmatched (``enterprise`` null) and matched when that
enterprise is registered.
"""

from __future__ import annotations

from typing import cast

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextLineField
from kejin.credit.choices import BatchChannel, RecordStatus
from kejin.credit.models.catalogue import RecordCategory
from kejin.credit.permissions import credit_batch_scope, credit_record_scope
from kejin.enterprises.querysets import scoped
from kejin.ingest.models import IngestBatch


class CreditBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> CreditBatchQuerySet:
        """Batches ``user`` may see (``credit_batch_scope``)."""
        return cast(CreditBatchQuerySet, scoped(self, credit_batch_scope(user=user)))


class CreditBatch(IngestBatch):
    """One delivery of records of one category by a data-provider department (file or API).

    Lineage: who (department, user), when, how (channel), the file's SHA-256, and the counts
    of rows received, accepted (created + updated + unchanged), rejected and unmatched.
    ``quality`` holds the per-rule data-quality findings of the batch.
    """

    category = models.ForeignKey(
        RecordCategory, on_delete=models.PROTECT, related_name="batches", verbose_name=_("类别")
    )
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, verbose_name=_("报送部门")
    )
    channel = models.CharField(
        _("报送方式"), max_length=16, choices=BatchChannel.choices, default=BatchChannel.UPLOAD
    )
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64, blank=True)
    unmatched_count = models.PositiveIntegerField(_("未匹配企业"), default=0)
    quality = models.JSONField(_("数据质量"), default=dict, blank=True)

    objects = CreditBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用数据批次")
        verbose_name_plural = _("信用数据批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "created_at"])]

    def __str__(self) -> str:
        return f"{self.category} #{self.pk}"

    @property
    def received_count(self) -> int:
        return self.total_rows

    @property
    def accepted_count(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count


class CreditRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> CreditRecordQuerySet:
        """Records ``user`` may list (``credit_record_scope``). Institutions get none: they
        read records only in an authorised report, through the report access function."""
        return cast(CreditRecordQuerySet, scoped(self, credit_record_scope(user=user)))

    def current(self) -> CreditRecordQuerySet:
        return self.filter(status=RecordStatus.CURRENT)


class CreditRecord(models.Model):
    """One version of one record of a category about one enterprise (or a USCC not yet
    registered). ``data`` holds the category's fields, already parsed and checked."""

    category = models.ForeignKey(
        RecordCategory, on_delete=models.PROTECT, related_name="records", verbose_name=_("类别")
    )
    source_record_id = TextLineField(_("来源记录编号"), max_length=128)
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.CURRENT
    )
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="credit_records",
        verbose_name=_("企业"),
    )
    event_date = models.DateField(_("事件日期"))
    data = models.JSONField(_("数据"), default=dict)
    #: A hash of ``data`` and ``event_date``: re-delivering identical content is recognised
    #: without comparing JSON.
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    batch = models.ForeignKey(
        CreditBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
        verbose_name=_("批次"),
    )
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-event_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "source_record_id", "version"],
                name="credit_record_version_unique",
            ),
            models.UniqueConstraint(
                fields=["category", "source_record_id"],
                condition=Q(status=RecordStatus.CURRENT),
                name="credit_record_one_current",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "category", "event_date"]),
            models.Index(
                fields=["uscc"], condition=Q(enterprise__isnull=True), name="credit_unmatched"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}:{self.source_record_id} v{self.version}"
