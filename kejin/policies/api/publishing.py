"""API of policy publishing.

Reads are public (visitors see published and expired policies; officers also drafts) and go
through ``kejin.policies.selectors_policies`` (a policy outside the caller's scope is a 404);
writes go through ``kejin.policies.services_policies`` (403 for a move the caller may not
make, 409 ``policy_state_conflict`` for one the policy's state does not allow, 400 with a
message per field for bad terms, ``worked_cases_fail`` when a rule's worked cases do not
pass). One view per lifecycle step; enterprises set their subscriptions.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from kejin.core.api.actions import action_view, created_response
from kejin.core.api.errors import error_responses
from kejin.core.api.writes import client_ip_address
from kejin.core.permissions import require
from kejin.policies import selectors_policies as selectors
from kejin.policies import services_policies as services
from kejin.policies.api.serializers_publishing import (
    CategorySerializer,
    PolicyAttachmentSerializer,
    PolicyCommentSerializer,
    PolicyDetailSerializer,
    PolicySerializer,
    PolicyWriteSerializer,
    SubscriptionsSerializer,
)
from kejin.policies.choices import PolicyScheme, PolicyStatus
from kejin.policies.models import Policy, PolicySubscription
from kejin.policies.permissions import policy_can_manage, policy_can_subscribe
from kejin.policies.policy_workflow import policy_state

TAG = "policies 政策发布"


def _detail(request, pk: int, *, status_code: int = status.HTTP_200_OK, headers=None):
    user = request.user
    view = selectors.policy_view(selectors.policy_get(user=user, pk=pk))
    policy = view.policy
    insider = policy_can_manage(user=user, obj=policy) or (
        user.is_authenticated and (user.is_officer or user.is_platform_admin)
    )
    context = {
        "request": request,
        "state": policy_state(status=policy.status, has_draft=view.draft is not None),
        "view": view,
        "insider": insider,
    }
    return Response(
        PolicyDetailSerializer(policy, context=context).data,
        status=status_code,
        headers=headers,
    )


class PolicyListView(generics.GenericAPIView):
    """Policies (public list and search); officers draft new ones."""

    queryset = Policy._default_manager.none()
    serializer_class = PolicySerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=[TAG],
        summary="政策列表与检索 (List and search policies)",
        description=(
            "公开：已发布和已失效的政策对所有人可见（无需登录）；政府工作人员另见草稿。"
            "`q` 在政策名称、文号、摘要、全文和发文部门中按子串检索（空格分隔的词须都出现）。"
            "Filters: `category` (code), `scheme`, `status`, `region` (county code, or `city`), "
            "`issuer`."
        ),
        parameters=[
            OpenApiParameter("q", str, description="检索词"),
            OpenApiParameter("category", str, description="政策类别代码"),
            OpenApiParameter("scheme", str, enum=PolicyScheme.values),
            OpenApiParameter("status", str, enum=PolicyStatus.values),
            OpenApiParameter("region", str, description="县(市、区)区划代码，或 city 表示全市"),
            OpenApiParameter("issuer", str, description="发文部门（部分名称）"),
        ],
        responses={200: PolicySerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        policies = selectors.policy_list(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(policies)
        return self.get_paginated_response(PolicySerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="起草政策 (Draft a policy)",
        description=(
            "政府工作人员起草政策及其版本 1（草稿）；县级工作人员只能起草本县政策（region 默认本县）。"
            "各项错误逐项返回于 `fields`。Audited."
        ),
        request=PolicyWriteSerializer,
        responses={201: PolicyDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(policy_can_manage, user=request.user)
        return created_response(
            request,
            PolicyWriteSerializer,
            lambda serializer: services.policy_create(
                actor=request.user,
                data=serializer.service_data(),
                ip_address=client_ip_address(request),
            ),
            respond=_detail,
            url_name="api-policies-policy-detail",
        )


class PolicyDetailView(generics.GenericAPIView):
    """One policy (public once published); officers edit the draft."""

    queryset = Policy._default_manager.none()
    serializer_class = PolicyDetailSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=[TAG],
        summary="政策详情 (Get a policy)",
        description=(
            "公开：已发布和已失效的政策；在用版本的申报条件（JSON 及文字）、支持标准、上限、附件。"
            "草稿对非工作人员 404。政府工作人员另见草稿版本、全部版本和变动记录。"
        ),
        responses={200: PolicyDetailSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)

    @extend_schema(
        tags=[TAG],
        summary="修改政策草稿 (Edit a policy's draft)",
        description=(
            "只改所给的项。首次发布前可改政策文本和草稿版本；已发布政策只能改新版本草稿的条款"
            "（先 POST revise/）。已发布无草稿或已失效 409 policy_state_conflict；"
            "县级工作人员改他县政策 403。Audited."
        ),
        request=PolicyWriteSerializer,
        responses={200: PolicyDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        serializer = PolicyWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.policy_update(
            actor=request.user,
            policy=policy,
            data=serializer.service_data(),
            ip_address=client_ip_address(request),
        )
        return _detail(request, pk)


def _step_view(*, name: str, summary: str, description: str, call, with_comment: bool):
    """A POST view for one lifecycle step of a policy."""
    return action_view(
        name=name,
        tag=TAG,
        summary=summary,
        description=description,
        model=Policy,
        detail_serializer=PolicyDetailSerializer,
        body=PolicyCommentSerializer if with_comment else None,
        get=lambda user, pk: selectors.policy_get(user=user, pk=pk),
        run=lambda request, policy, data: call(
            actor=request.user,
            policy=policy,
            comment=data.get("comment", ""),
            ip_address=client_ip_address(request),
        ),
        respond=_detail,
    )


PolicyReviseView = _step_view(
    name="PolicyReviseView",
    summary="起草新版本 (Draft a new version)",
    description=(
        "复制已发布政策的在用版本为新版本草稿（在用版本保持有效，新版本发布后替换）。"
        "草稿、已有新版本草稿或已失效 409。Audited."
    ),
    call=lambda *, actor, policy, comment, ip_address: services.policy_revise(
        actor=actor, policy=policy, ip_address=ip_address
    ),
    with_comment=False,
)
PolicyPublishView = _step_view(
    name="PolicyPublishView",
    summary="发布 (Publish a policy version)",
    description=(
        "启用草稿版本并设为在用版本，政策状态为已发布。设有申报条件的版本须有全部通过的算例"
        "（否则 400 worked_cases_fail）。提交后订阅相关类别和符合条件的企业各通知一次。Audited."
    ),
    call=services.policy_publish,
    with_comment=True,
)
PolicyExpireView = _step_view(
    name="PolicyExpireView",
    summary="宣布失效 (Expire a policy)",
    description="已发布的政策宣布失效（不可恢复，仍公开可查）。草稿或已失效 409。Audited.",
    call=services.policy_expire,
    with_comment=True,
)


class PolicyAttachmentsView(generics.GenericAPIView):
    """Upload attachments to a policy (officers who manage it)."""

    queryset = Policy._default_manager.none()
    serializer_class = PolicyAttachmentSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[TAG],
        summary="上传政策附件 (Upload policy attachments)",
        description=(
            "multipart 字段 `attachments`（可多个）：PDF、JPG 或 PNG，每个不超过 10 MB，最多 5 个；"
            "有一个不合格则全部不保存（400）。已失效的政策 409。下载：详情中各附件的 `url`"
            "（已发布政策公开，草稿仅工作人员）。Audited."
        ),
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "attachments": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                    }
                },
            }
        },
        responses={
            201: PolicyAttachmentSerializer(many=True),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request, pk: int):
        policy = selectors.policy_get(user=request.user, pk=pk)
        rows = services.policy_attachments_add(
            actor=request.user,
            policy=policy,
            files=request.FILES.getlist("attachments"),
            ip_address=client_ip_address(request),
        )
        return Response(
            PolicyAttachmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED
        )


def _categories(user) -> list[dict]:
    subscribed = set(selectors.policy_subscription_codes(user=user))
    return [
        {"code": c.code, "name": c.name, "subscribed": c.code in subscribed}
        for c in selectors.policy_categories()
    ]


class PolicySubscriptionsView(generics.GenericAPIView):
    """The categories the caller's enterprise subscribes to."""

    queryset = PolicySubscription._default_manager.none()
    serializer_class = SubscriptionsSerializer
    pagination_class = None  # every category, always (a short reference list)

    @extend_schema(
        tags=[TAG],
        summary="政策类别及订阅 (Categories and subscriptions)",
        description="企业用户：全部政策类别及本企业是否订阅。其他用户 403。",
        responses={200: CategorySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        require(policy_can_subscribe, user=request.user)
        return Response(CategorySerializer(_categories(request.user), many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="设置订阅 (Set subscriptions)",
        description=(
            "企业用户：以 `categories`（类别代码列表）替换本企业的订阅；有新政策发布时本企业用户"
            "会收到通知。未知代码 400。Audited."
        ),
        request=SubscriptionsSerializer,
        responses={200: CategorySerializer(many=True), **error_responses(400, 401, 403)},
    )
    def put(self, request):
        require(policy_can_subscribe, user=request.user)
        serializer = SubscriptionsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.policy_subscriptions_set(
            actor=request.user,
            categories=serializer.validated_data["categories"],
            ip_address=client_ip_address(request),
        )
        return Response(CategorySerializer(_categories(request.user), many=True).data)
