"""API of the enterprise directory (企业名录): list, detail, create, update.

Reads go through ``kejin.enterprises.selectors`` (row scoping), writes through
``kejin.enterprises.services`` (permission checks and audit). A record the caller may not
see is a 404; a visible record the caller may not change is a 403.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.api.writes import client_ip_address, require_editable_fields
from kejin.enterprises.api.serializers import EnterpriseSerializer
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.selectors import (
    enterprise_editable_fields,
    enterprise_get,
    enterprise_list,
)
from kejin.enterprises.services import enterprise_create, enterprise_update

ENTERPRISES_TAG = "enterprises 企业"


class EnterpriseListView(generics.GenericAPIView):
    """Enterprises the caller may see (city: all; county officer: the county; enterprise:
    itself), filtered by the shared EnterpriseFilterSet; officers register new ones."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet

    def get_queryset(self):
        return enterprise_list(user=self.request.user)

    @extend_schema(
        tags=[ENTERPRISES_TAG],
        summary="企业列表 (List enterprises)",
        description=(
            "按当前用户的范围返回：市级看全部，县级看本县，企业只看自己。"
            " `?q=` matches name or credit code, `?uscc=` one credit code (normalised)."
        ),
        responses={200: EnterpriseSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        queryset = self.get_queryset()
        # The FilterSet costs ~1 ms per request: run it only when a filter was asked for.
        if any(name in request.query_params for name in EnterpriseFilterSet.base_filters):
            queryset = self.filter_queryset(queryset)
        return paginated_response(self, queryset)

    @extend_schema(
        tags=[ENTERPRISES_TAG],
        summary="登记企业 (Register an enterprise)",
        description="市级、县级工作人员和平台管理员；县级只能登记本县企业。Audited.",
        request=EnterpriseSerializer,
        responses={201: EnterpriseSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        require_editable_fields(
            allowed=enterprise_editable_fields(user=request.user, enterprise=None),
            data=request.data,
            serializer=serializer,
        )
        serializer.is_valid(raise_exception=True)
        enterprise = enterprise_create(
            actor=request.user,
            data=serializer.validated_data,
            ip_address=client_ip_address(request),
        )
        location = reverse("api-enterprise-detail", kwargs={"pk": enterprise.pk})
        return Response(
            self.get_serializer(enterprise).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class EnterpriseDetailView(generics.GenericAPIView):
    """One enterprise: read it, or change it (officers: any field; the enterprise's own
    administrator: contact and profile fields)."""

    serializer_class = EnterpriseSerializer

    def get_queryset(self):
        return enterprise_list(user=self.request.user)

    @extend_schema(
        tags=[ENTERPRISES_TAG],
        summary="企业详情 (Get an enterprise)",
        responses={200: EnterpriseSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        enterprise = enterprise_get(user=request.user, pk=pk)
        return Response(self.get_serializer(enterprise).data)

    @extend_schema(
        tags=[ENTERPRISES_TAG],
        summary="修改企业信息 (Replace an enterprise's record)",
        description="工作人员可改全部字段。Audited with the changed fields before and after.",
        request=EnterpriseSerializer,
        responses={200: EnterpriseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        tags=[ENTERPRISES_TAG],
        summary="修改部分企业信息 (Update an enterprise)",
        description=(
            "工作人员可改全部字段；企业管理员只能改本企业的法定代表人、住所、联系电话、"
            "经营范围、行业、规模和功能区。Audited with the changed fields before and after."
        ),
        request=EnterpriseSerializer,
        responses={200: EnterpriseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        enterprise = enterprise_get(user=request.user, pk=pk)
        serializer = self.get_serializer(enterprise, data=request.data, partial=partial)
        require_editable_fields(
            allowed=enterprise_editable_fields(user=request.user, enterprise=enterprise),
            data=request.data,
            serializer=serializer,
        )
        serializer.is_valid(raise_exception=True)
        enterprise = enterprise_update(
            actor=request.user,
            enterprise=enterprise,
            data=serializer.validated_data,
            ip_address=client_ip_address(request),
        )
        return Response(self.get_serializer(enterprise).data)
