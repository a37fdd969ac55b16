"""API of the import: upload a file (multipart), follow a batch, read its errors.

Reads go through ``kejin.enterprises.imports.selectors``, the upload through
``import_batch_create``. Without a Celery broker the batch has run by the time the upload
returns; with one, poll ``GET /api/v1/enterprises/imports/{id}/`` until ``status`` is
``done`` or ``failed``.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.permissions import require
from kejin.enterprises.choices import ImportKind
from kejin.enterprises.imports.selectors import (
    import_batch_get,
    import_batch_list,
)
from kejin.enterprises.imports.services import import_batch_create, import_batches_expire_stale
from kejin.enterprises.models import ImportBatch
from kejin.enterprises.permissions import import_batch_can_create, import_batch_can_view

IMPORTS_TAG = "enterprises 企业"


class ImportErrorSerializer(serializers.Serializer):
    """One rejected cell or row."""

    row = serializers.IntegerField(help_text="行号：用户在 Excel 中看到的行号（表头为第1行）")
    column = serializers.CharField(help_text="列名（中文表头）")
    value = serializers.CharField(help_text="文件中的原值", allow_blank=True)
    reason = serializers.CharField(help_text="原因及修改方法（中文）")


class ImportBatchSummarySerializer(serializers.ModelSerializer):
    """A batch's status and counters."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    county = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="县级工作人员上传时限定的县(市、区)代码"
    )
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True, help_text="校验进度 0–100")

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "kind_label",
            "original_name",
            "status",
            "status_label",
            "county",
            "uploaded_by",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "failure",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportBatchSerializer(ImportBatchSummarySerializer):
    """A batch with every error (row, column, value, reason), sorted by row."""

    errors = ImportErrorSerializer(many=True, read_only=True)

    class Meta(ImportBatchSummarySerializer.Meta):
        fields = [*ImportBatchSummarySerializer.Meta.fields, "errors"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    """The upload: multipart/form-data with ``kind`` and ``file``."""

    kind = serializers.ChoiceField(
        choices=ImportKind.choices, help_text="enterprises 企业名录; annual_facts 企业年度数据"
    )
    file = serializers.FileField(help_text=".xlsx 或 .csv，表头见导入模板")


class ImportBatchListView(generics.GenericAPIView):
    """Import batches: list those the caller may see; upload a new file."""

    serializer_class = ImportBatchSummarySerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return import_batch_list(user=self.request.user)

    @extend_schema(
        tags=[IMPORTS_TAG],
        summary="导入批次列表 (List import batches)",
        description="市级工作人员和平台管理员看全部，县级工作人员看本县(市、区)的批次。",
        responses={200: ImportBatchSummarySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        require(import_batch_can_view, user=request.user)
        import_batches_expire_stale()
        return paginated_response(self, self.get_queryset())

    @extend_schema(
        tags=[IMPORTS_TAG],
        summary="上传导入文件 (Upload an import file)",
        description=(
            "multipart/form-data: `kind` (enterprises | annual_facts) and `file` (.xlsx/.csv "
            "with the template's Chinese headers). 县级工作人员只能导入本县企业，其他县的行"
            "逐行拒绝。 Valid rows are upserted by USCC (+ year); rejected rows are listed in "
            "`errors`. Without a task broker the batch has run when this returns (201 with its "
            "final status); otherwise poll the batch. A file whose header row does not fit "
            "`kind` is refused with 400 and nothing is stored."
        ),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(import_batch_can_create, user=request.user)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        batch = import_batch_create(
            actor=request.user,
            kind=upload.validated_data["kind"],
            uploaded_file=upload.validated_data["file"],
        )
        return Response(
            ImportBatchSerializer(batch).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-import-batch-detail", kwargs={"pk": batch.pk})},
        )


class ImportBatchDetailView(generics.GenericAPIView):
    """One import batch: status, counters and errors."""

    serializer_class = ImportBatchSerializer

    def get_queryset(self):
        return import_batch_list(user=self.request.user)

    @extend_schema(
        tags=[IMPORTS_TAG],
        summary="导入批次详情 (Get an import batch)",
        description="status: pending → running → done | failed。errors 为全部错误（行号、列、值、原因）。",
        responses={200: ImportBatchSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        import_batches_expire_stale()
        return Response(self.get_serializer(import_batch_get(user=request.user, pk=pk)).data)
