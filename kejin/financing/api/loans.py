"""API of loans: list and read (scoped), record a repayment, change a status, import a file.

Reads go through ``kejin.financing.selectors_loans`` (a loan the caller may not see is a
404), writes through ``kejin.financing.services_loans`` (permission, audit, 409
``loan_state_conflict`` for moves not allowed). Order of checks: 401 → 404 → 403 → 400/409.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.parsers import JSONParser
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.financing.choices import LoanChannel, LoanStatus
from kejin.financing.models import Loan, LoanImportBatch, LoanRepayment, LoanStatusEvent
from kejin.financing.permissions import loan_can_update
from kejin.financing.selectors_loans import (
    LOAN_LIST_STATUSES,
    loan_get,
    loan_import_batch_get,
    loan_import_batch_list,
    loan_list,
)
from kejin.financing.services_loans import (
    loan_import_batch_create,
    loan_repayment_record,
    loan_status_change,
)

LOANS_TAG = "financing 贷款"


class _NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LoanRepaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoanRepayment
        fields = ["id", "paid_on", "principal", "interest", "created_at"]
        read_only_fields = fields


class LoanStatusEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    channel = serializers.CharField(
        read_only=True, help_text="demand 需求放款 | form 页面录入 | api 接口报送 | import 文件导入"
    )

    class Meta:
        model = LoanStatusEvent
        fields = ["from_status", "to_status", "effective_on", "channel", "note", "actor", "at"]
        read_only_fields = fields

    def get_actor(self, event: LoanStatusEvent) -> str | None:
        return str(event.actor) if event.actor_id else None


class LoanSerializer(serializers.ModelSerializer):
    """A loan as listed: borrower, lender, guarantor, terms, status and outstanding."""

    enterprise = _NamedSerializer(read_only=True)
    institution = _NamedSerializer(read_only=True)
    guarantor = _NamedSerializer(read_only=True, allow_null=True)
    county = serializers.CharField(source="county.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    product_type_label = serializers.CharField(source="get_product_type_display", read_only=True)
    pledge_type_label = serializers.CharField(source="get_pledge_type_display", read_only=True)

    class Meta:
        model = Loan
        fields = [
            "id",
            "contract_number",
            "demand",
            "enterprise",
            "institution",
            "guarantor",
            "county",
            "product_type",
            "product_type_label",
            "amount",
            "rate",
            "term_months",
            "pledge_type",
            "pledge_type_label",
            "pledge_numbers",
            "disbursed_on",
            "maturity_on",
            "status",
            "status_label",
            "status_since",
            "outstanding",
        ]
        read_only_fields = fields


class LoanDetailSerializer(LoanSerializer):
    """A loan with its repayments and status history."""

    repayments = LoanRepaymentSerializer(many=True, read_only=True)
    history = LoanStatusEventSerializer(source="status_events", many=True, read_only=True)

    class Meta(LoanSerializer.Meta):
        fields = [*LoanSerializer.Meta.fields, "repayments", "history"]
        read_only_fields = fields


class LoanRepaymentCreateSerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text="还款日期（不早于放款日期，不晚于今天）")
    principal = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, help_text="归还本金（元）"
    )
    interest = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, default=0, help_text="支付利息（元）"
    )


class LoanStatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=LoanStatus.choices,
        help_text="performing 正常 | overdue 逾期 | default 违约 | repaid 已结清",
    )
    effective_on = serializers.DateField(required=False, help_text="生效日期（默认今天）")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class LoanImportBatchSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = LoanImportBatch
        fields = [
            "id",
            "original_name",
            "status",
            "status_label",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "errors",
            "failure",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class LoanImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="xlsx 或 csv：合同编号、日期、归还本金(元)、支付利息(元)、贷款状态、说明"
    )


def _detail(request, pk: int, *, status_code: int = 200) -> Response:
    return Response(
        LoanDetailSerializer(loan_get(user=request.user, pk=pk)).data, status=status_code
    )


class LoanListView(generics.GenericAPIView):
    """Loans in the caller's scope."""

    queryset = Loan._default_manager.none()
    serializer_class = LoanSerializer

    @extend_schema(
        tags=[LOANS_TAG],
        summary="贷款列表 (List loans)",
        description=(
            "企业看本企业的贷款，金融机构看本机构发放或担保的，县级工作人员看本县，"
            "市级工作人员看全部。status: all（默认）| performing | overdue | default | repaid；"
            "q: 合同编号或企业名称的一部分。"
        ),
        parameters=[
            OpenApiParameter("status", str, enum=list(LOAN_LIST_STATUSES)),
            OpenApiParameter("q", str),
        ],
        responses={200: LoanSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        status_filter = request.query_params.get("status", "all")
        if status_filter not in LOAN_LIST_STATUSES:
            raise ApplicationError.invalid(
                {"status": [_("状态应为 all、performing、overdue、default 或 repaid。")]}
            )
        rows = loan_list(
            user=request.user, status=status_filter, search=request.query_params.get("q", "")[:64]
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(LoanSerializer(page, many=True).data)


class LoanDetailView(generics.GenericAPIView):
    queryset = Loan._default_manager.none()
    serializer_class = LoanDetailSerializer

    @extend_schema(
        tags=[LOANS_TAG],
        summary="贷款详情 (Get a loan)",
        description="含还款记录和状态变更历史。看不到的贷款 404。",
        responses={200: LoanDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)


class LoanRepaymentView(generics.GenericAPIView):
    queryset = Loan._default_manager.none()
    serializer_class = LoanRepaymentCreateSerializer

    @extend_schema(
        tags=[LOANS_TAG],
        summary="登记还款 (Record a repayment)",
        description=(
            "贷款机构登记一笔还款；本金全部归还后贷款自动结清。非本机构 403；"
            "已结清 409 `loan_state_conflict`；本金超过余额、日期早于放款或晚于今天 400。Audited."
        ),
        request=LoanRepaymentCreateSerializer,
        responses={201: LoanDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        loan = loan_get(user=request.user, pk=pk)
        require(loan_can_update, user=request.user, obj=loan)
        serializer = LoanRepaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        loan_repayment_record(
            loan=loan, actor=request.user, channel=LoanChannel.API, **serializer.validated_data
        )
        return _detail(request, pk, status_code=status.HTTP_201_CREATED)


class LoanStatusView(generics.GenericAPIView):
    queryset = Loan._default_manager.none()
    serializer_class = LoanStatusChangeSerializer

    @extend_schema(
        tags=[LOANS_TAG],
        summary="变更贷款状态 (Change a loan's status)",
        description=(
            "正常 ↔ 逾期，正常/逾期 → 违约，任一未结清状态在本金全部归还后 → 已结清；"
            "其他变更 409 `loan_state_conflict`，不做任何修改。非本机构 403。Audited."
        ),
        request=LoanStatusChangeSerializer,
        responses={200: LoanDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        loan = loan_get(user=request.user, pk=pk)
        require(loan_can_update, user=request.user, obj=loan)
        serializer = LoanStatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        loan_status_change(
            loan=loan, actor=request.user, channel=LoanChannel.API, **serializer.validated_data
        )
        return _detail(request, pk)


class LoanImportListView(generics.GenericAPIView):
    queryset = LoanImportBatch._default_manager.none()
    serializer_class = LoanImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return LoanImportCreateSerializer
        return LoanImportBatchSerializer

    @extend_schema(
        tags=[LOANS_TAG],
        summary="贷款信息导入批次 (List loan import batches)",
        description="本机构上传的还款及状态导入批次，最新的在前。",
        responses={200: LoanImportBatchSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(loan_import_batch_list(user=request.user))
        return self.get_paginated_response(LoanImportBatchSerializer(page, many=True).data)

    @extend_schema(
        tags=[LOANS_TAG],
        summary="导入还款及状态 (Import repayments and statuses)",
        description=(
            "multipart/form-data 上传 xlsx/csv；先逐行校验（errors 列出行号、列、值、原因），"
            "再在一个事务中写入全部有效行。同一文件再次导入不做修改。非贷款机构 403；"
            "表头不对 400。"
        ),
        request={"multipart/form-data": LoanImportCreateSerializer},
        responses={201: LoanImportBatchSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(loan_can_update, user=request.user)
        serializer = LoanImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = loan_import_batch_create(
            actor=request.user, uploaded_file=serializer.validated_data["file"]
        )
        batch = loan_import_batch_get(user=request.user, pk=batch.pk)
        return Response(
            LoanImportBatchSerializer(batch).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-financing-loan-import-detail", args=[batch.pk])},
        )


class LoanImportDetailView(generics.GenericAPIView):
    queryset = LoanImportBatch._default_manager.none()
    serializer_class = LoanImportBatchSerializer

    @extend_schema(
        tags=[LOANS_TAG],
        summary="导入批次详情 (Get a loan import batch)",
        responses={200: LoanImportBatchSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        batch = loan_import_batch_get(user=request.user, pk=pk)
        return Response(LoanImportBatchSerializer(batch).data)
