"""API of credit batches: push a batch (JSON records or a file), follow it, read its rejects
and quality. Reads go through ``kejin.credit.ingest.selectors``; deliveries through
``credit_batch_submit`` / ``credit_batch_create``. Without a Celery broker the batch has run
when the POST returns; with one, poll the batch until ``status`` is ``done`` or ``failed``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.errors import ApplicationError
from kejin.credit.api.catalogue import CREDIT_TAG
from kejin.credit.ingest.selectors import credit_batch_get, credit_batch_list
from kejin.credit.ingest.services import (
    credit_batch_create,
    credit_batch_submit,
    credit_batches_expire_stale,
)
from kejin.credit.models import CreditBatch, RecordCategory


class RejectSerializer(serializers.Serializer):
    """One rejected cell or row."""

    row = serializers.IntegerField(
        help_text="行号：文件为 Excel 中的行号（表头为第1行）；JSON 批次为记录在 records 中的序号（从1起）"
    )
    column = serializers.CharField(help_text="列名（文件中的表头或 JSON 的键）")
    value = serializers.CharField(help_text="原值", allow_blank=True)
    reason = serializers.CharField(help_text="原因及修改方法（中文）")
    rule = serializers.CharField(
        help_text="质量规则代码：required, format, negative, future_date, not_in_list, cross_field, uscc, duplicate, text"
    )


class CreditBatchSummarySerializer(serializers.ModelSerializer):
    """A batch's lineage, status and counters."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True, help_text="校验进度 0–100")
    received_count = serializers.IntegerField(read_only=True, help_text="收到的行数")
    accepted_count = serializers.IntegerField(
        read_only=True, help_text="接收的行数（新增+更正+未变化）"
    )

    class Meta:
        model = CreditBatch
        fields = [
            "id",
            "category",
            "category_name",
            "department",
            "channel",
            "original_name",
            "file_sha256",
            "uploaded_by",
            "status",
            "status_label",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "received_count",
            "accepted_count",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "unmatched_count",
            "failure",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class CreditBatchSerializer(CreditBatchSummarySerializer):
    """A batch with its quality summary and every rejected cell, sorted by row."""

    errors = RejectSerializer(many=True, read_only=True)

    class Meta(CreditBatchSummarySerializer.Meta):
        fields = [*CreditBatchSummarySerializer.Meta.fields, "quality", "errors"]
        read_only_fields = fields


class CreditBatchPushSerializer(serializers.Serializer):
    """A JSON batch: the category code and the records (objects keyed by field code, plus
    ``uscc`` and ``source_record_id``); or multipart with ``category`` and ``file``."""

    category = serializers.CharField(help_text="类别代码，如 tax_rating")
    records = serializers.ListField(
        child=serializers.JSONField(), required=False, help_text="记录数组（每批最多 10,000 条）"
    )
    file = serializers.FileField(required=False, help_text=".xlsx 或 .csv（代替 records）")


def _category(code: str) -> RecordCategory:
    category = RecordCategory.objects.select_related("department").filter(code=code).first()
    if category is None:
        raise ApplicationError.invalid(
            {"category": [_("没有代码为“%(code)s”的信用数据类别。") % {"code": code}]}
        )
    return category


class CreditBatchListView(generics.GenericAPIView):
    """Credit batches: list those the caller may see; push a new one."""

    serializer_class = CreditBatchSummarySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditBatch.objects.none()
        return credit_batch_list(user=self.request.user)

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="信用数据批次列表 (List credit batches)",
        description="数据源部门看本部门的批次，市级工作人员和平台管理员看全部，其他人为空列表。",
        responses={200: CreditBatchSummarySerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        credit_batches_expire_stale()
        return paginated_response(self, self.get_queryset())

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="报送信用数据批次 (Push a credit batch)",
        description=(
            'JSON `{"category": code, "records": [...]}` or multipart `category` + `file`. '
            "Only a data provider of the category's department. Each record is checked against "
            "the category; rejected ones are listed in `errors` (row, column, value, reason, "
            "rule), the rest are upserted by `source_record_id` (identical: unchanged; "
            "different: a new version). 201 with the batch (already run without a broker)."
        ),
        request=CreditBatchPushSerializer,
        responses={201: CreditBatchSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        push = CreditBatchPushSerializer(data=request.data)
        push.is_valid(raise_exception=True)
        category = _category(push.validated_data["category"])
        if push.validated_data.get("file") is not None:
            batch = credit_batch_create(
                actor=request.user, category=category, uploaded_file=push.validated_data["file"]
            )
        else:
            batch = credit_batch_submit(
                actor=request.user,
                category=category,
                rows=push.validated_data.get("records") or [],
            )
        batch = credit_batch_get(user=request.user, pk=batch.pk)
        return Response(
            CreditBatchSerializer(batch).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-credit-batch-detail", kwargs={"pk": batch.pk})},
        )


class CreditBatchDetailView(generics.GenericAPIView):
    """One batch: lineage, counters, quality and every rejected cell."""

    serializer_class = CreditBatchSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditBatch.objects.none()
        return credit_batch_list(user=self.request.user)

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="信用数据批次详情 (Get a credit batch)",
        responses={200: CreditBatchSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        credit_batches_expire_stale()
        return Response(self.get_serializer(credit_batch_get(user=request.user, pk=pk)).data)
