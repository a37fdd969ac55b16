"""Import batches: an uploaded xlsx/csv of enterprises or annual facts, its progress and rejects."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.enterprises.choices import ImportKind, ImportStatus


class ImportBatch(models.Model):
    """One uploaded file. Valid rows are committed, rejects listed in ``errors`` as
    ``{"row", "column", "value", "reason"}``; re-importing the same file changes nothing."""

    kind = models.CharField(_("类型"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT
    )
    county = models.ForeignKey(
        "core.Region",
        verbose_name=_("限定县(市、区)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("县级工作人员上传时只接受本县(市、区)的企业"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
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
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
