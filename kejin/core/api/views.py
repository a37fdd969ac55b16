"""API of the core app: reference data (regions, industries, departments) and the audit trail."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics

from kejin.core.api.errors import error_responses
from kejin.core.api.serializers import (
    AuditEventSerializer,
    DepartmentSerializer,
    IndustrySerializer,
    RegionSerializer,
)
from kejin.core.filters import (
    AuditEventFilterSet,
    DepartmentFilterSet,
    IndustryFilterSet,
    RegionFilterSet,
)
from kejin.core.models import AuditEvent, Department, Industry, Region
from kejin.core.selectors import audit_event_list

REFERENCE_TAG = "reference 参考数据"
AUDIT_TAG = "audit 审计"


def _reference_list_schema(*, summary: str, description: str, serializer):
    """The schema of a reference-data list: filterable, so a bad filter is a 400."""
    return extend_schema_view(
        get=extend_schema(
            tags=[REFERENCE_TAG],
            summary=summary,
            description=description,
            responses={200: serializer(many=True), **error_responses(400, 401, 404)},
        )
    )


def _reference_detail_schema(*, summary: str, serializer):
    """The schema of one reference-data record, looked up by its code."""
    return extend_schema_view(
        get=extend_schema(
            tags=[REFERENCE_TAG],
            summary=summary,
            responses={200: serializer, **error_responses(401, 404)},
        )
    )


@_reference_list_schema(
    summary="行政区划列表 (List regions)",
    description="省、市、县(市、区)及功能区，按区划代码排序。Filter by `level` and `parent` code.",
    serializer=RegionSerializer,
)
class RegionListView(generics.ListAPIView):
    """Regions (GB/T 2260 divisions and functional zones), for any signed-in user."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    queryset = Region.objects.select_related("parent", "reports_to")


@_reference_detail_schema(
    summary="行政区划详情 (Get a region by code)", serializer=RegionSerializer
)
class RegionDetailView(generics.RetrieveAPIView):
    serializer_class = RegionSerializer
    queryset = Region.objects.select_related("parent", "reports_to")
    lookup_field = "code"


@_reference_list_schema(
    summary="国民经济行业列表 (List industries, GB/T 4754-2017)",
    description="门类、大类(及以下)。Filter by `level` and `parent` code.",
    serializer=IndustrySerializer,
)
class IndustryListView(generics.ListAPIView):
    """Industries of GB/T 4754-2017, for any signed-in user."""

    serializer_class = IndustrySerializer
    filterset_class = IndustryFilterSet
    queryset = Industry.objects.select_related("parent")


@_reference_detail_schema(
    summary="国民经济行业详情 (Get an industry by code)", serializer=IndustrySerializer
)
class IndustryDetailView(generics.RetrieveAPIView):
    serializer_class = IndustrySerializer
    queryset = Industry.objects.select_related("parent")
    lookup_field = "code"


@_reference_list_schema(
    summary="部门列表 (List departments)",
    description="政府部门、金融管理部门、数据源部门。Filter by `kind` and `region` code.",
    serializer=DepartmentSerializer,
)
class DepartmentListView(generics.ListAPIView):
    """Government, regulator and data-provider departments, for any signed-in user."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    queryset = Department.objects.select_related("region")


@_reference_detail_schema(
    summary="部门详情 (Get a department by code)", serializer=DepartmentSerializer
)
class DepartmentDetailView(generics.RetrieveAPIView):
    serializer_class = DepartmentSerializer
    queryset = Department.objects.select_related("region")
    lookup_field = "code"


@extend_schema_view(
    get=extend_schema(
        tags=[AUDIT_TAG],
        summary="审计日志 (List audit events)",
        description=(
            "平台管理员和市级部门工作人员可查看；其他用户得到 403。"
            " Newest first. Dates are whole days in Asia/Shanghai, both ends included."
        ),
        responses={
            200: AuditEventSerializer(many=True),
            **error_responses(400, 401, 404),
            403: OpenApiResponse(
                error_responses(403)[403].response,
                description=str(_("无权查看审计日志 (permission_denied)")),
            ),
        },
    )
)
class AuditEventListView(generics.ListAPIView):
    """The audit trail, for platform admins and city officers (403 for everyone else)."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation runs without a user and needs only the model: no rows read.
            return AuditEvent._default_manager.none()
        # The selector decides who may browse (403 otherwise); the filter backend applies
        # AuditEventFilterSet and answers invalid filters with a 400.
        return audit_event_list(user=self.request.user)
