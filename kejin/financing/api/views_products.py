"""API of financial products and of the leads an institution follows up.

Reads go through ``kejin.financing.selectors_products`` (a product outside the caller's
scope is a 404), writes through ``kejin.financing.services_products`` (403 for a move the
caller may not make on a product it sees, 409 ``product_state_conflict`` for a move the
product's state does not allow, 400 with a message per field for bad terms). One view per
workflow step.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from kejin.core.api.actions import action_view, created_response
from kejin.core.api.errors import error_responses
from kejin.core.api.writes import client_ip_address
from kejin.core.permissions import require
from kejin.financing import selectors_products as selectors
from kejin.financing import services_products as services
from kejin.financing.api.serializers_products import (
    CommentSerializer,
    LeadMarkSerializer,
    LeadSerializer,
    ProductDetailSerializer,
    ProductSerializer,
    ProductWriteSerializer,
)
from kejin.financing.choices import LeadStatus, ProductStatus, ProductType
from kejin.financing.models import Lead, Product
from kejin.financing.permissions import product_can_create, product_can_edit
from kejin.financing.product_rules import product_rule_facts
from kejin.financing.product_workflow import product_state

PRODUCTS_TAG = "financing 金融产品"


def _detail(request, pk: int, *, status_code: int = status.HTTP_200_OK, headers=None):
    user = request.user
    view = selectors.product_view(selectors.product_get(user=user, pk=pk))
    product = view.product
    context = {
        "request": request,
        "state": product_state(
            status=product.status, pending_review=view.pending.review if view.pending else None
        ),
        "pending": view.pending,
        "versions": view.versions,
        "insider": product_can_edit(user=user, obj=product)
        or user.is_officer
        or user.is_platform_admin,
        "fact_labels": product_rule_facts(),
    }
    return Response(
        ProductDetailSerializer(product, context=context).data,
        status=status_code,
        headers=headers,
    )


class ProductListView(generics.GenericAPIView):
    """Products in the caller's scope; institutions draft new ones."""

    queryset = Product._default_manager.none()
    serializer_class = ProductSerializer

    @extend_schema(
        tags=[PRODUCTS_TAG],
        summary="金融产品列表 (List products)",
        description=(
            "已发布产品对所有登录用户可见；机构用户另见本机构各状态的产品；政府工作人员见全部。"
            "Filters: `type`, `institution` (id), `county` (code: products serving it, "
            "including whole-city ones), `status`, `q` (name)."
        ),
        parameters=[
            OpenApiParameter("type", str, enum=ProductType.values),
            OpenApiParameter("institution", int),
            OpenApiParameter("county", str, description="县(市、区)区划代码"),
            OpenApiParameter("status", str, enum=ProductStatus.values),
            OpenApiParameter("q", str, description="产品名称"),
        ],
        responses={200: ProductSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        products = selectors.product_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(products)
        return self.get_paginated_response(ProductSerializer(page, many=True).data)

    @extend_schema(
        tags=[PRODUCTS_TAG],
        summary="起草金融产品 (Draft a product)",
        description=(
            "机构用户起草本机构的产品（版本 1，草稿）。金额单位元，期限月，利率/费率百分数；"
            "各项错误逐项返回于 `fields`。Audited."
        ),
        request=ProductWriteSerializer,
        responses={201: ProductDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(product_can_create, user=request.user)
        return created_response(
            request,
            ProductWriteSerializer,
            lambda serializer: services.product_create(
                actor=request.user,
                data=serializer.service_data(),
                ip_address=client_ip_address(request),
            ),
            respond=_detail,
            url_name="api-financing-product-detail",
        )


class ProductDetailView(generics.GenericAPIView):
    """One product; its institution edits the draft (or drafts a new version)."""

    queryset = Product._default_manager.none()
    serializer_class = ProductDetailSerializer

    @extend_schema(
        tags=[PRODUCTS_TAG],
        summary="金融产品详情 (Get a product)",
        description="范围外 404。本机构和政府工作人员另见待审版本、全部版本和变动记录。",
        responses={200: ProductDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)

    @extend_schema(
        tags=[PRODUCTS_TAG],
        summary="修改金融产品 (Edit a product's draft)",
        description=(
            "只改所给的项。已发布且无待审版本时起草新版本（在售版本不变，审核通过后替换）；"
            "审核中或已下架 409 product_state_conflict；他机构 403（不可见者 404）。Audited."
        ),
        request=ProductWriteSerializer,
        responses={200: ProductDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        product = selectors.product_get(user=request.user, pk=pk)
        require(product_can_edit, user=request.user, obj=product)
        serializer = ProductWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.product_update(
            actor=request.user,
            product=product,
            data=serializer.service_data(),
            ip_address=client_ip_address(request),
        )
        return _detail(request, pk)


def _step_view(*, name: str, summary: str, description: str, call, with_comment: bool):
    """A POST view for one workflow step of a product."""
    return action_view(
        name=name,
        tag=PRODUCTS_TAG,
        summary=summary,
        description=description,
        model=Product,
        detail_serializer=ProductDetailSerializer,
        body=CommentSerializer if with_comment else None,
        get=lambda user, pk: selectors.product_get(user=user, pk=pk),
        run=lambda request, product, data: call(
            actor=request.user,
            product=product,
            comment=data.get("comment", ""),
            ip_address=client_ip_address(request),
        ),
        respond=_detail,
    )


ProductSubmitView = _step_view(
    name="ProductSubmitView",
    summary="提交审核 (Submit a product for review)",
    description=(
        "本机构用户提交草稿（或退回后修改的）版本。有准入规则的版本须有全部通过的算例"
        "（否则 400 worked_cases_fail）。Audited."
    ),
    call=lambda *, actor, product, comment, ip_address: services.product_submit(
        actor=actor, product=product, ip_address=ip_address
    ),
    with_comment=False,
)
ProductApproveView = _step_view(
    name="ProductApproveView",
    summary="审核通过 (Approve a product version)",
    description=(
        "市级工作人员通过待审版本：启用并成为在售版本，产品发布；通知机构用户。县级和机构 403。"
    ),
    call=services.product_approve,
    with_comment=True,
)
ProductReturnView = _step_view(
    name="ProductReturnView",
    summary="退回修改 (Return a product version)",
    description="市级工作人员退回待审版本，`comment` 必填；通知机构用户。已发布产品仍在售。",
    call=services.product_return,
    with_comment=True,
)
ProductWithdrawView = _step_view(
    name="ProductWithdrawView",
    summary="下架 (Withdraw a product)",
    description="本机构用户下架产品（或撤出审核），不可恢复。已下架再下架 409。",
    call=services.product_withdraw,
    with_comment=True,
)


class LeadListView(generics.GenericAPIView):
    """Leads pushed to the caller's institution (officers: those in their scope)."""

    queryset = Lead._default_manager.none()
    serializer_class = LeadSerializer

    @extend_schema(
        tags=[PRODUCTS_TAG],
        summary="推送线索列表 (List leads)",
        description="机构用户见推送给本机构的线索；政府工作人员见范围内的。Filters: `status`, `product`.",
        parameters=[
            OpenApiParameter("status", str, enum=LeadStatus.values),
            OpenApiParameter("product", int),
        ],
        responses={200: LeadSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        leads = selectors.lead_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(leads)
        return self.get_paginated_response(LeadSerializer(page, many=True).data)


class LeadMarkView(generics.GenericAPIView):
    """Mark a lead contacted or declined."""

    queryset = Lead._default_manager.none()
    serializer_class = LeadMarkSerializer

    @extend_schema(
        tags=[PRODUCTS_TAG],
        summary="跟进线索 (Mark a lead contacted or declined)",
        description=(
            "推送对象机构的用户：新线索可标为 contacted 或 dismissed，已联系的可标为 dismissed；"
            "其余 409 conflict。Audited."
        ),
        request=LeadMarkSerializer,
        responses={200: LeadSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        lead = selectors.lead_get(user=request.user, pk=pk)
        serializer = LeadMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.lead_mark(
            actor=request.user,
            lead=lead,
            status=serializer.validated_data["status"],
            ip_address=client_ip_address(request),
        )
        return Response(LeadSerializer(selectors.lead_get(user=request.user, pk=pk)).data)
