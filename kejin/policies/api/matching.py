"""API of matching and impact simulation: "policies for me", one policy's check, the
enterprises that qualify (paged) and a version's simulation.

Reads through ``kejin.policies.selectors_matching`` (404 for what the caller may not see).
Order of checks: 401 → 404 → 403 → 409 → 400.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.enterprises.models import Enterprise
from kejin.policies import selectors_matching as selectors
from kejin.policies.api.serializers_matching import (
    ForMeSerializer,
    PolicyMatchSerializer,
    QualifyingEnterpriseSerializer,
    SimulationSerializer,
)

MATCHING_TAG = "policies 政策匹配与影响测算"


class PoliciesForMeView(generics.GenericAPIView):
    serializer_class = ForMeSerializer

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="我可享受的政策 (Policies I qualify for)",
        description=(
            "企业用户：每项在用政策按本企业数据判断——符合的（附已满足条件与预计支持金额）、"
            "差一点符合的（至多两项条件未满足，附差距）、数据不全无法判断的（附缺少的数据）。"
            "其他用户 403。"
        ),
        responses={200: ForMeSerializer, **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(ForMeSerializer(selectors.policies_for_me(user=request.user)).data)


class PolicyCheckView(generics.GenericAPIView):
    serializer_class = PolicyMatchSerializer

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="政策条件自查 (Check one policy)",
        description=(
            "企业用户：本企业对照该政策在用版本的每项条件，哪些满足、哪些未满足（附差距）。"
            "看不到的政策 404；非企业用户 403；未发布或已失效 409 `policy_state_conflict`。"
        ),
        responses={200: PolicyMatchSerializer, **error_responses(401, 403, 404, 409)},
    )
    def get(self, request, pk: int):
        _policy, match = selectors.policy_check(user=request.user, pk=pk)
        return Response(PolicyMatchSerializer(match).data)


class PolicyQualifyingView(generics.GenericAPIView):
    serializer_class = QualifyingEnterpriseSerializer
    # Rows come from the selector; this only tells the schema the model.
    queryset = Enterprise._default_manager.none()

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="符合条件的企业 (Enterprises that qualify)",
        description=(
            "政府工作人员：符合政策在用版本条件的企业（县级工作人员：本县），附所在县与成长"
            "阶段，分页。其他用户 403；看不到的政策 404；未发布或已失效 409 "
            "`policy_state_conflict`。"
        ),
        responses={
            200: QualifyingEnterpriseSerializer(many=True),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def get(self, request, pk: int):
        result = selectors.policy_qualifying(user=request.user, pk=pk)
        ids = self.paginate_queryset(result.ids)
        rows = result.rows(list(ids or []))
        return self.get_paginated_response(QualifyingEnterpriseSerializer(rows, many=True).data)


class VersionSimulationView(generics.GenericAPIView):
    serializer_class = SimulationSerializer

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="政策影响测算 (Impact simulation)",
        description=(
            "可管理该政策的工作人员：该版本（或调整一个参数后的该版本，不保存）与在用版本"
            "对比——按县(市、区)×成长阶段的符合企业数、预计支持资金总额、新增与不再符合的"
            "企业。看不到的版本 404；无权管理 403；参数名或参数值有误 400。"
        ),
        parameters=[
            OpenApiParameter("parameter", str, description="要调整的参数名（不填：按版本原样）"),
            OpenApiParameter("value", str, description="参数的新值（数字）"),
        ],
        responses={200: SimulationSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        _version, result = selectors.version_simulation(
            user=request.user,
            pk=pk,
            parameter=request.query_params.get("parameter") or None,
            value=request.query_params.get("value"),
        )
        return Response(SimulationSerializer(result).data)
