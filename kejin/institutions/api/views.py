"""API of the institution directory: list, detail, create, update.

Reads go through ``kejin.institutions.selectors``, writes through
``kejin.institutions.services`` (permission checks and audit). The directory is visible to
every signed-in user; city officers and platform admins keep it, and an institution's
manager keeps its own contact details (403 for anything else).
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.api.writes import client_ip_address, require_editable_fields
from kejin.institutions.api.serializers import InstitutionSerializer
from kejin.institutions.filters import InstitutionFilterSet
from kejin.institutions.selectors import (
    institution_editable_fields,
    institution_get,
    institution_list,
)
from kejin.institutions.services import institution_create, institution_update

INSTITUTIONS_TAG = "institutions 金融机构"


class InstitutionListView(generics.GenericAPIView):
    """The institution directory, filtered by the shared InstitutionFilterSet."""

    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet

    def get_queryset(self):
        return institution_list(user=self.request.user)

    @extend_schema(
        tags=[INSTITUTIONS_TAG],
        summary="金融机构列表 (List institutions)",
        description="`?q=` matches name or credit code, `?uscc=` one credit code (normalised).",
        responses={200: InstitutionSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return paginated_response(self, queryset)

    @extend_schema(
        tags=[INSTITUTIONS_TAG],
        summary="新增金融机构 (Add an institution)",
        description="市级部门工作人员和平台管理员。Audited.",
        request=InstitutionSerializer,
        responses={201: InstitutionSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        require_editable_fields(
            allowed=institution_editable_fields(user=request.user, institution=None),
            data=request.data,
            serializer=serializer,
        )
        serializer.is_valid(raise_exception=True)
        institution = institution_create(
            actor=request.user,
            data=serializer.validated_data,
            ip_address=client_ip_address(request),
        )
        location = reverse("api-institution-detail", kwargs={"pk": institution.pk})
        return Response(
            self.get_serializer(institution).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class InstitutionDetailView(generics.GenericAPIView):
    """One institution: read it, or change it."""

    serializer_class = InstitutionSerializer

    def get_queryset(self):
        return institution_list(user=self.request.user)

    @extend_schema(
        tags=[INSTITUTIONS_TAG],
        summary="金融机构详情 (Get an institution)",
        responses={200: InstitutionSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        institution = institution_get(user=request.user, pk=pk)
        return Response(self.get_serializer(institution).data)

    @extend_schema(
        tags=[INSTITUTIONS_TAG],
        summary="修改金融机构信息 (Replace an institution's record)",
        description="市级部门工作人员和平台管理员。Audited with the changed fields before and after.",
        request=InstitutionSerializer,
        responses={200: InstitutionSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        tags=[INSTITUTIONS_TAG],
        summary="修改部分金融机构信息 (Update an institution)",
        description=(
            "市级部门工作人员和平台管理员可改全部字段；机构管理员只能改本机构的地址和联系电话。"
            " Audited with the changed fields before and after."
        ),
        request=InstitutionSerializer,
        responses={200: InstitutionSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        institution = institution_get(user=request.user, pk=pk)
        serializer = self.get_serializer(institution, data=request.data, partial=partial)
        require_editable_fields(
            allowed=institution_editable_fields(user=request.user, institution=institution),
            data=request.data,
            serializer=serializer,
        )
        serializer.is_valid(raise_exception=True)
        institution = institution_update(
            actor=request.user,
            institution=institution,
            data=serializer.validated_data,
            ip_address=client_ip_address(request),
        )
        return Response(self.get_serializer(institution).data)
