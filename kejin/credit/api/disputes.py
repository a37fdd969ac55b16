"""API of the dispute (异议) workflow: list and file disputes, read one, resolve it (the
source department), answer or withdraw it (the enterprise), and the overdue list (officers).

Reads go through the selectors of ``kejin.credit.disputes`` (a dispute or record the caller
may not see is a 404), writes through its services (permission, audit). Serializers only
parse and format. Order of checks: 401 → 404 → 403 → 400 → 409.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.parsers import JSONParser
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.core.workdays import WorkdayCalendar
from kejin.credit import disputes
from kejin.credit.models import CreditRecord, Dispute, DisputeAttachment
from kejin.credit.permissions import (
    credit_dispute_can_answer,
    credit_dispute_can_open,
    credit_dispute_can_resolve,
)

DISPUTES_TAG = "credit 信用异议"
OUTCOMES = ("corrected", "removed", "upheld")


# --- serializers ----------------------------------------------------------------------------


class DisputeRecordSerializer(serializers.ModelSerializer):
    """A version of a credit record as disputed or as corrected."""

    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    data = serializers.DictField(help_text="字段代码 → 值（见数据目录）", read_only=True)

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "category",
            "category_name",
            "source_record_id",
            "version",
            "status",
            "status_label",
            "event_date",
            "data",
        ]
        read_only_fields = fields


class DisputeAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeAttachment
        fields = ["id", "stage", "name", "size", "content_type", "uploaded_at"]
        read_only_fields = fields


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute with its record, deadline (and working days left or overdue while open),
    resolution, the corrected version, the enterprise's answer and the attachments."""

    record = DisputeRecordSerializer(read_only=True)
    enterprise = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    filed_by = serializers.SerializerMethodField()
    resolved_by = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    corrected_record = DisputeRecordSerializer(read_only=True, allow_null=True)
    attachments = DisputeAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "record",
            "enterprise",
            "department",
            "status",
            "status_label",
            "reason",
            "filed_by",
            "filed_at",
            "deadline",
            "deadline_workdays",
            "deadline_approximate",
            "days_left",
            "days_overdue",
            "overdue_flagged_at",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "corrected_record",
            "reply",
            "replied_at",
            "attachments",
        ]
        read_only_fields = fields

    def _timing(self, dispute: Dispute):
        calendar = self.context.setdefault("calendar", WorkdayCalendar())
        today = self.context.setdefault("today", timezone.localdate())
        return disputes.dispute_timing(dispute, today=today, calendar=calendar)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "uscc": {"type": "string"},
            },
            "required": ["id", "name", "uscc"],
        }
    )
    def get_enterprise(self, dispute: Dispute) -> dict:
        enterprise = dispute.enterprise
        return {"id": enterprise.pk, "name": enterprise.name, "uscc": enterprise.uscc}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            "required": ["code", "name"],
        }
    )
    def get_department(self, dispute: Dispute) -> dict:
        return {"code": dispute.department.code, "name": dispute.department.name}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_filed_by(self, dispute: Dispute) -> str | None:
        return str(dispute.filed_by) if dispute.filed_by else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolved_by(self, dispute: Dispute) -> str | None:
        return str(dispute.resolved_by) if dispute.resolved_by else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_left(self, dispute: Dispute) -> int | None:
        """Working days left until the deadline while open and in time (0: due today)."""
        timing = self._timing(dispute)
        return timing.days_left if timing else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_overdue(self, dispute: Dispute) -> int | None:
        """Working days past the deadline while open."""
        timing = self._timing(dispute)
        return timing.days_overdue if timing else None


class DisputeCreateSerializer(serializers.Serializer):
    record = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="要提出异议的信用记录ID（当前有效版本）"
    )
    reason = serializers.CharField(
        max_length=disputes.TEXT_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="异议理由（必填）",
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=disputes.ATTACHMENT_MAX_COUNT,
        help_text="证明材料：PDF、JPG或PNG，每个不超过10 MB，最多5个（multipart/form-data）",
    )


class DisputeResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=OUTCOMES,
        help_text="corrected 更正（生成新版本，需 data）；removed 删除记录；upheld 维持原记录",
    )
    note = serializers.CharField(
        max_length=disputes.TEXT_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="处理说明；维持原记录时为与记录一并展示的异议标注（必填）",
    )
    data = serializers.DictField(
        required=False, help_text="outcome=corrected 时：更正后的全部字段（字段代码 → 值）"
    )


class DisputeReplySerializer(serializers.Serializer):
    reply = serializers.CharField(
        max_length=disputes.TEXT_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="企业对维持理由的说明（必填，只能提交一次）",
    )


# --- views ----------------------------------------------------------------------------------


def _dispute_response(request, pk: int, *, status_code: int = 200, headers=None) -> Response:
    dispute = disputes.dispute_get(user=request.user, pk=pk)
    return Response(DisputeSerializer(dispute).data, status=status_code, headers=headers)


class DisputeListView(generics.GenericAPIView):
    """Disputes in the caller's scope; an enterprise's admin files a new one."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = Dispute._default_manager.none()
    serializer_class = DisputeSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return DisputeCreateSerializer
        return DisputeSerializer

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="异议列表 (List disputes)",
        description=(
            "企业用户看本企业的异议，数据源部门看本部门记录的异议，县级工作人员看本县，"
            "市级工作人员和平台管理员看全部。status: open（默认，按处理期限排序）| closed | all。"
        ),
        parameters=[
            OpenApiParameter("status", str, enum=list(disputes.DISPUTE_LIST_STATUSES)),
        ],
        responses={200: DisputeSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        status_filter = request.query_params.get("status", "open")
        if status_filter not in disputes.DISPUTE_LIST_STATUSES:
            raise ApplicationError.invalid(
                {"status": [_("状态应为 open（处理中）、closed（已办结）或 all（全部）。")]}
            )
        rows = disputes.dispute_list(user=request.user, status=status_filter).prefetch_related(
            "attachments"
        )
        rows = rows.select_related("corrected_record__category")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            DisputeSerializer(page, many=True, context={"calendar": WorkdayCalendar()}).data
        )

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="提出异议 (File a dispute)",
        description=(
            "企业管理员对本企业当前有效的信用记录提出异议：JSON 或 multipart/form-data"
            "（附件 attachments）。处理期限为提出之日起20个工作日（按法定节假日与调休计算）。"
            "他人的记录 404；同一记录已有处理中的异议 409 `dispute_already_open`；"
            "记录已不是当前版本 409 `record_not_current`。Audited."
        ),
        request={
            "application/json": DisputeCreateSerializer,
            "multipart/form-data": DisputeCreateSerializer,
        },
        responses={201: DisputeSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        require(credit_dispute_can_open, user=request.user)
        serializer = DisputeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = disputes.dispute_record_get(user=request.user, record_id=data["record"])
        dispute = disputes.dispute_open(
            record=record,
            reason=data["reason"],
            attachments=data.get("attachments"),
            acting_user=request.user,
            ip_address=client_ip_address(request),
        )
        return _dispute_response(
            request,
            dispute.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-credit-dispute-detail", args=[dispute.pk])},
        )


class DisputeOverdueListView(generics.GenericAPIView):
    """Open disputes past their deadline, for officers."""

    queryset = Dispute._default_manager.none()
    serializer_class = DisputeSerializer

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="逾期未办结的异议 (List overdue disputes)",
        description="市级工作人员和平台管理员看全部，县级工作人员看本县；days_overdue 为逾期工作日数。",
        responses={200: DisputeSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        rows = disputes.disputes_overdue(user=request.user).prefetch_related("attachments")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            DisputeSerializer(page, many=True, context={"calendar": WorkdayCalendar()}).data
        )


class DisputeDetailView(generics.GenericAPIView):
    """One dispute in the caller's scope."""

    queryset = Dispute._default_manager.none()
    serializer_class = DisputeSerializer

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="异议详情 (Get a dispute)",
        responses={200: DisputeSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _dispute_response(request, pk)


class DisputeResolveView(generics.GenericAPIView):
    """The record's source department resolves an open dispute."""

    queryset = Dispute._default_manager.none()
    serializer_class = DisputeResolveSerializer

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="办结异议 (Resolve a dispute)",
        description=(
            "来源部门（数据源部门用户）办结：corrected 按 data 生成记录新版本，removed 删除记录，"
            "upheld 维持原记录并以 note 为异议标注。其他部门 404；已办结 409 `dispute_closed`；"
            "记录已被删除时更正 409 `record_not_current`。办结后重算企业信用评分。Audited."
        ),
        request=DisputeResolveSerializer,
        responses={200: DisputeSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        dispute = disputes.dispute_get(user=request.user, pk=pk)
        require(credit_dispute_can_resolve, user=request.user, obj=dispute)
        serializer = DisputeResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        common = {
            "dispute": dispute,
            "acting_user": request.user,
            "ip_address": client_ip_address(request),
        }
        if data["outcome"] == "corrected":
            if "data" not in data:
                raise ApplicationError.invalid({"data": [_("更正时请提供更正后的全部字段。")]})
            disputes.dispute_resolve_correct(data=data["data"], note=data["note"], **common)
        elif data["outcome"] == "removed":
            disputes.dispute_resolve_remove(note=data["note"], **common)
        else:
            disputes.dispute_uphold(annotation=data["note"], **common)
        return _dispute_response(request, pk)


class DisputeReplyView(generics.GenericAPIView):
    """The enterprise's admin answers an upheld dispute's annotation, once."""

    queryset = Dispute._default_manager.none()
    serializer_class = DisputeReplySerializer

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="答复维持理由 (Reply to an upheld dispute)",
        description=(
            "只有“维持原记录”的异议可以答复（否则 409 `dispute_not_upheld`），且只能一次"
            "（409 `dispute_already_replied`）。Audited."
        ),
        request=DisputeReplySerializer,
        responses={200: DisputeSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        dispute = disputes.dispute_get(user=request.user, pk=pk)
        require(credit_dispute_can_answer, user=request.user, obj=dispute)
        serializer = DisputeReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disputes.dispute_reply(
            dispute=dispute,
            reply=serializer.validated_data["reply"],
            acting_user=request.user,
            ip_address=client_ip_address(request),
        )
        return _dispute_response(request, pk)


class DisputeWithdrawView(generics.GenericAPIView):
    """The enterprise's admin withdraws an open dispute."""

    queryset = Dispute._default_manager.none()
    serializer_class = serializers.Serializer

    @extend_schema(
        tags=[DISPUTES_TAG],
        summary="撤回异议 (Withdraw a dispute)",
        description="处理中的异议可撤回；已办结 409 `dispute_closed`。Audited.",
        request=None,
        responses={200: DisputeSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        dispute = disputes.dispute_get(user=request.user, pk=pk)
        disputes.dispute_withdraw(
            dispute=dispute, acting_user=request.user, ip_address=client_ip_address(request)
        )
        return _dispute_response(request, pk)
