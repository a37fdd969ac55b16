"""API of matching: a demand's matches, "products for me", the enterprises that fit a
product (paged), pushing them as leads, and the leads.

Reads through ``kejin.financing.selectors_matching`` (404 for what the caller may not see),
writes through ``kejin.financing.services_leads``. Order of checks: 401 → 404 → 403 → 400.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.writes import client_ip_address
from kejin.core.permissions import require
from kejin.enterprises.models import Enterprise
from kejin.financing import selectors_matching as selectors
from kejin.financing.api.serializers_products import LeadSerializer
from kejin.financing.matching import Match, MatchResult
from kejin.financing.permissions import lead_can_push
from kejin.financing.services_leads import PUSH_MAX, lead_push

MATCHING_TAG = "financing 融资对接匹配"


class MatchSerializer(serializers.Serializer):
    """One product for a demand or an enterprise."""

    product = serializers.IntegerField(source="product_id")
    product_name = serializers.CharField()
    product_type = serializers.CharField()
    product_type_label = serializers.CharField()
    institution = serializers.IntegerField(source="institution_id")
    institution_name = serializers.CharField()
    rank = serializers.IntegerField(help_text="名次（1 最好；差一点符合的为 0）")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="匹配分 0–100")
    components = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="各分项 0–1：amount term rate type county service grade（未知为 null）",
    )
    reasons = serializers.ListField(child=serializers.CharField(), help_text="为何匹配")
    failures = serializers.ListField(child=serializers.CharField(), help_text="不满足之处")


class MatchResultSerializer(serializers.Serializer):
    considered = serializers.IntegerField(help_text="比对的在售产品数")
    eligible_count = serializers.IntegerField(help_text="符合条件的产品数")
    grade = serializers.CharField(allow_null=True, help_text="企业信用等级（无则为 null）")
    matches = serializers.SerializerMethodField()
    near_misses = MatchSerializer(many=True)

    def get_matches(self, result: MatchResult) -> list[dict]:
        shown: list[Match] = result.matches[:20]
        return MatchSerializer(shown, many=True).data


class FitEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField()
    name = serializers.CharField()
    county = serializers.CharField(source="county.name")


class LeadPushSerializer(serializers.Serializer):
    enterprise_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=PUSH_MAX, allow_empty=True
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LeadPushResultSerializer(serializers.Serializer):
    created = LeadSerializer(many=True)
    already = serializers.IntegerField(help_text="此前已推送、本次未重复创建的企业数")


class DemandMatchesView(generics.GenericAPIView):
    serializer_class = MatchResultSerializer

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="需求匹配结果 (Matches of a demand)",
        description=(
            "符合条件的在售产品按匹配分排序（前20个，各附匹配理由），以及差一点符合的产品"
            "（附不满足之处及差距）。看得到该需求的用户可用；否则 404。"
        ),
        responses={200: MatchResultSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        result = selectors.demand_matches(user=request.user, demand=pk)
        return Response(MatchResultSerializer(result).data)


class ProductsForMeView(generics.GenericAPIView):
    serializer_class = MatchResultSerializer

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="适合我的产品 (Products for me)",
        description="企业用户：本企业无需发布需求即符合条件的产品，以及差一点符合的产品。其他用户 403。",
        responses={200: MatchResultSerializer, **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(MatchResultSerializer(selectors.products_for_me(user=request.user)).data)


class ProductFitEnterprisesView(generics.GenericAPIView):
    serializer_class = FitEnterpriseSerializer
    # Rows come from the selector; this only tells the schema the model.
    queryset = Enterprise._default_manager.none()

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="适配企业 (Enterprises that fit a product)",
        description=(
            "全市企业库中符合产品在用版本准入条件的企业（县级工作人员：本县），分页。"
            "政府工作人员与产品所属机构可用（其他 403）；看不到的产品 404；无在用版本 409 "
            "`product_state_conflict`。"
        ),
        responses={
            200: FitEnterpriseSerializer(many=True),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def get(self, request, pk: int):
        fit = selectors.product_fit_enterprises(user=request.user, pk=pk)
        ids = self.paginate_queryset(fit.ids)
        rows = list(fit.enterprises(list(ids or [])))
        return self.get_paginated_response(FitEnterpriseSerializer(rows, many=True).data)


class LeadPushView(generics.GenericAPIView):
    serializer_class = LeadPushSerializer

    @extend_schema(
        tags=[MATCHING_TAG],
        summary="推送企业线索 (Push leads)",
        description=(
            "政府工作人员将符合产品条件的企业推送给产品所属机构（机构用户收到站内消息）。"
            "同一产品同一企业只推送一次：重复推送不会重复创建（already 计数）。非工作人员 403；"
            "企业不符合条件或不在管辖范围 400。Audited."
        ),
        request=LeadPushSerializer,
        responses={201: LeadPushResultSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        product = selectors.product_get(user=request.user, pk=pk)
        require(lead_can_push, user=request.user, obj=product)
        serializer = LeadPushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = lead_push(
            product_id=pk,
            enterprise_ids=serializer.validated_data["enterprise_ids"],
            acting_user=request.user,
            note=serializer.validated_data["note"],
            ip_address=client_ip_address(request),
        )
        return Response(
            LeadPushResultSerializer({"created": result.created, "already": result.already}).data,
            status=status.HTTP_201_CREATED,
        )
