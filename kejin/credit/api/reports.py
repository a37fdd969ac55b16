"""Exchange API of consented credit reports (信用报告查询授权).

Institutions (a licensed credit agency is an institution of kind 征信机构) ask enterprises for
reports, list their requests and pull the reports they are authorised to read; an
enterprise's administrator lists the requests about the enterprise, grants, refuses and
revokes, and reads its read log. The report is read only through
``kejin.credit.reports.credit_report_for`` (grant checked, read logged, 404 otherwise);
requests and reads through ``kejin.credit.selectors_reports``; writes through
``kejin.credit.services_reports``.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.credit import services_reports as services
from kejin.credit.choices import ReportFormat, ReportPurpose, ReportState
from kejin.credit.models import ReportRead, ReportRequest
from kejin.credit.permissions import (
    report_grant_can_revoke,
    report_request_can_create,
    report_request_can_decide,
)
from kejin.credit.reports import Report, credit_report_for
from kejin.credit.selectors_reports import (
    report_categories_requestable,
    report_enterprise_by_uscc,
    report_read_list,
    report_request_get,
    report_request_list,
)

REPORTS_TAG = "credit reports 信用报告"


# --- serializers ------------------------------------------------------------------------------


class _PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _EnterpriseRefSerializer(_PartySerializer):
    uscc = serializers.CharField()


class ReportRequestSerializer(serializers.ModelSerializer):
    """A report request and the enterprise's answer. ``state`` is the state today
    (Asia/Shanghai): a grant past ``valid_until`` is ``expired``; categories are codes."""

    enterprise = _EnterpriseRefSerializer(read_only=True)
    institution = _PartySerializer(read_only=True)
    purpose_label = serializers.CharField(source="get_purpose_display", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    granted_categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    state = serializers.ChoiceField(choices=ReportState.choices, read_only=True)
    state_label = serializers.CharField(read_only=True)

    class Meta:
        model = ReportRequest
        fields = [
            "id",
            "enterprise",
            "institution",
            "purpose",
            "purpose_label",
            "note",
            "categories",
            "created_at",
            "state",
            "state_label",
            "decided_at",
            "granted_categories",
            "valid_until",
            "refusal_reason",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = fields


class ReportRequestCreateSerializer(serializers.Serializer):
    enterprise_uscc = serializers.CharField(
        max_length=32, help_text="被查询企业的18位统一社会信用代码"
    )
    purpose = serializers.ChoiceField(choices=ReportPurpose.choices, help_text="查询用途")
    categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=report_categories_requestable(),
        help_text="申请查询的类别代码 (e.g. tax_rating, penalty_market)",
    )
    note = serializers.CharField(
        max_length=services.REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ReportGrantSerializer(serializers.Serializer):
    categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=report_categories_requestable(),
        help_text="授权查询的类别代码（须为申请中的类别）",
    )
    valid_until = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="授权有效期至（含当日，Asia/Shanghai）；默认90天后，最长一年",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX_LENGTH, help_text="理由")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="撤销理由（可选）",
    )


class ReportReadSerializer(serializers.ModelSerializer):
    """One read of a report: who, institution, when, purpose, grant (``request``), format,
    categories (codes)."""

    enterprise = _EnterpriseRefSerializer(read_only=True)
    institution = _PartySerializer(read_only=True)
    purpose_label = serializers.CharField(source="get_purpose_display", read_only=True)
    format_label = serializers.CharField(source="get_format_display", read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ReportRead
        fields = [
            "id",
            "request",
            "enterprise",
            "institution",
            "reader_name",
            "purpose",
            "purpose_label",
            "format",
            "format_label",
            "categories",
            "record_count",
            "read_at",
        ]
        read_only_fields = fields


class _ReportFieldSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _ReportRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_date = serializers.DateField()
    version = serializers.IntegerField()
    values = serializers.DictField(
        child=serializers.CharField(), help_text="字段代码 → 显示值（个人信息已遮蔽）"
    )
    dispute = serializers.CharField(help_text="异议状态，空为无异议")


class _ReportSectionSerializer(serializers.Serializer):
    category = serializers.CharField()
    name = serializers.CharField()
    masked = serializers.BooleanField(help_text="本类别的个人信息已遮蔽")
    fields = _ReportFieldSerializer(many=True)
    records = _ReportRecordSerializer(many=True)


class ReportSerializer(serializers.Serializer):
    """A credit report as read once (``read`` is the log row's id)."""

    read = serializers.IntegerField()
    read_at = serializers.DateTimeField()
    request = serializers.IntegerField()
    enterprise = _EnterpriseRefSerializer()
    institution = _PartySerializer()
    purpose = serializers.ChoiceField(choices=ReportPurpose.choices)
    valid_until = serializers.DateField()
    sections = _ReportSectionSerializer(many=True)


def _report_data(report: Report) -> dict:
    return {
        "read": report.read.pk,
        "read_at": report.read.read_at,
        "request": report.request.pk,
        "enterprise": report.enterprise,
        "institution": report.institution,
        "purpose": report.request.purpose,
        "valid_until": report.request.valid_until,
        "sections": [
            {
                "category": section.category.code,
                "name": section.category.name,
                "masked": section.masked,
                "fields": [
                    {"code": code, "name": name}
                    for code, name in zip(section.codes, section.columns, strict=True)
                ],
                "records": [
                    {
                        "id": row.record_id,
                        "event_date": row.event_date,
                        "version": row.version,
                        "values": dict(zip(section.codes, row.values, strict=True)),
                        "dispute": row.dispute,
                    }
                    for row in section.rows
                ],
            }
            for section in report.sections
        ],
    }


# --- views ------------------------------------------------------------------------------------


def _get(user, pk: int) -> ReportRequest:
    return report_request_get(user=user, pk=pk)


class ReportRequestListView(generics.GenericAPIView):
    """Report requests the caller may see; an institution's users create them."""

    queryset = ReportRequest._default_manager.none()
    serializer_class = ReportRequestSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="信用报告查询申请列表 (List report requests)",
        description=(
            "金融机构：本机构的申请；企业管理员：针对本企业的申请；市级部门工作人员和平台管理员：全部。"
            " `?state=` pending / granted / refused / revoked / expired (as of today)."
        ),
        parameters=[
            OpenApiParameter(
                "state", OpenApiTypes.STR, enum=ReportState.values, description="状态（按今日）"
            )
        ],
        responses={
            200: ReportRequestSerializer(many=True),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        state = request.query_params.get("state")
        if state is not None and state not in ReportState.values:
            raise ApplicationError.invalid(
                {"state": [f"状态应为 {', '.join(ReportState.values)} 之一。"]}
            )
        return paginated_response(self, report_request_list(user=request.user, state=state))

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="申请查询企业信用报告 (Request a report)",
        description="金融机构（含征信机构）工作人员。企业以统一社会信用代码指明。Audited.",
        request=ReportRequestCreateSerializer,
        responses={201: ReportRequestSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(report_request_can_create, user=request.user)
        serializer = ReportRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enterprise = report_enterprise_by_uscc(uscc=data["enterprise_uscc"])
        if enterprise is None:
            raise ApplicationError.invalid(
                {"enterprise_uscc": ["平台上没有登记该统一社会信用代码的企业，请核对后重试。"]}
            )
        created = services.report_request_create(
            actor=request.user,
            enterprise=enterprise,
            purpose=data["purpose"],
            categories=data["categories"],
            note=data["note"],
            ip_address=client_ip_address(request),
        )
        location = reverse("api-credit-report-request-detail", kwargs={"pk": created.pk})
        return Response(
            ReportRequestSerializer(_get(request.user, created.pk)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class ReportRequestDetailView(generics.GenericAPIView):
    queryset = ReportRequest._default_manager.none()
    serializer_class = ReportRequestSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="查询申请详情 (Get a report request)",
        responses={200: ReportRequestSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(ReportRequestSerializer(_get(request.user, pk)).data)


class ReportRequestGrantView(generics.GenericAPIView):
    queryset = ReportRequest._default_manager.none()
    serializer_class = ReportGrantSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="授权查询 (Grant a request)",
        description=(
            "被查询企业的企业管理员。只能授权申请中的类别；有效期默认90天、最长一年。"
            "已处理的申请 409 `report_request_decided`。Audited."
        ),
        request=ReportGrantSerializer,
        responses={200: ReportRequestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        report_request = _get(request.user, pk)
        require(report_request_can_decide, user=request.user, obj=report_request)
        serializer = ReportGrantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_request_grant(
            actor=request.user,
            request=report_request,
            categories=serializer.validated_data["categories"],
            valid_until=serializer.validated_data.get("valid_until"),
            ip_address=client_ip_address(request),
        )
        return Response(ReportRequestSerializer(_get(request.user, pk)).data)


class ReportRequestRefuseView(generics.GenericAPIView):
    queryset = ReportRequest._default_manager.none()
    serializer_class = ReasonSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="拒绝查询 (Refuse a request)",
        description="被查询企业的企业管理员，须写明理由。已处理的申请 409 `report_request_decided`。Audited.",
        request=ReasonSerializer,
        responses={200: ReportRequestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        report_request = _get(request.user, pk)
        require(report_request_can_decide, user=request.user, obj=report_request)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_request_refuse(
            actor=request.user,
            request=report_request,
            reason=serializer.validated_data["reason"],
            ip_address=client_ip_address(request),
        )
        return Response(ReportRequestSerializer(_get(request.user, pk)).data)


class ReportGrantRevokeView(generics.GenericAPIView):
    queryset = ReportRequest._default_manager.none()
    serializer_class = RevokeSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="撤销授权 (Revoke a grant)",
        description=(
            "被查询企业的企业管理员。撤销后对方立即不能再查阅（404）。"
            "不在有效期内的授权 409 `report_grant_inactive`。Audited."
        ),
        request=RevokeSerializer,
        responses={200: ReportRequestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        report_request = _get(request.user, pk)
        require(report_grant_can_revoke, user=request.user, obj=report_request)
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_grant_revoke(
            actor=request.user,
            request=report_request,
            reason=serializer.validated_data["reason"],
            ip_address=client_ip_address(request),
        )
        return Response(ReportRequestSerializer(_get(request.user, pk)).data)


class ReportView(generics.GenericAPIView):
    queryset = ReportRequest._default_manager.none()
    serializer_class = ReportSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="获取信用报告 (Pull an authorised report)",
        description=(
            "申请机构的工作人员，凭有效授权（已授权、未撤销、未过期）。每次获取都记入查询记录"
            "（企业可见）。无有效授权、或 `?categories=` 含授权以外的类别：404，且不记录。"
            " 个人信息按类别的法律依据遮蔽。"
        ),
        parameters=[
            OpenApiParameter(
                "categories",
                OpenApiTypes.STR,
                description="逗号分隔的类别代码，限定为授权类别的一部分（默认全部授权类别）",
            )
        ],
        responses={200: ReportSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        raw = request.query_params.get("categories")
        categories = None if raw is None else [c for c in raw.split(",") if c]
        report = credit_report_for(
            user=request.user,
            grant=pk,
            format=ReportFormat.API,
            categories=categories,
            ip_address=client_ip_address(request),
        )
        return Response(ReportSerializer(_report_data(report)).data)


class ReportReadListView(generics.GenericAPIView):
    queryset = ReportRead._default_manager.none()
    serializer_class = ReportReadSerializer

    @extend_schema(
        tags=[REPORTS_TAG],
        summary="信用报告查询记录 (The read log)",
        description=(
            "企业管理员：谁查阅了本企业的信用报告；金融机构：本机构的查阅；"
            "市级部门工作人员和平台管理员：全部。Newest first."
        ),
        responses={200: ReportReadSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        return paginated_response(self, report_read_list(user=request.user))
