"""The abstract batch every ingestion client's batch model is built on.

``kejin.ingest`` owns no table: a client declares its own concrete batch model (with its own
extra fields, e.g. the kind of file or the uploader's county) by inheriting
:class:`IngestBatch`, so each module's batches stay in its own app and migrations.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.ingest.choices import BatchStatus


class IngestBatch(models.Model):
    """One uploaded file and what running it did.

    Rejected rows are listed in ``errors`` as ``{"row", "column", "value", "reason"}``.
    ``heartbeat_at`` is the worker's lease: renewed while it runs (see
    :mod:`kejin.ingest.leases`); a running batch whose heartbeat is too old is failed.
    """

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    failure = models.TextField(_("失败原因"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
