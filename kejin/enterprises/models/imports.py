"""Import batches: an uploaded xlsx/csv of enterprises or annual facts, its progress and rejects.

The lifecycle fields come from :class:`kejin.ingest.models.IngestBatch` (the shared
ingestion framework); this model adds what the enterprise import needs: the kind of file and
the county an uploader is limited to.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.enterprises.choices import ImportKind
from kejin.enterprises.querysets import ImportBatchQuerySet
from kejin.ingest.models import IngestBatch


class ImportBatch(IngestBatch):
    """One uploaded file. Valid rows are committed, rejects listed in ``errors`` as
    ``{"row", "column", "value", "reason"}``; re-importing the same file changes nothing."""

    kind = models.CharField(_("类型"), max_length=16, choices=ImportKind.choices)
    county = models.ForeignKey(
        "core.Region",
        verbose_name=_("限定县(市、区)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("县级工作人员上传时只接受本县(市、区)的企业"),
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"
