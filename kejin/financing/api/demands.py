"""API of financing demands (融资需求): list and post demands, read one with its timeline and
the actions the caller may take, and one POST endpoint per workflow action.

Reads go through ``kejin.financing.selectors_demands`` (a demand the caller may not see is
a 404), writes through ``kejin.financing.services_demands``. Order of checks: 401 → 404 →
403 (who, from the workflow table) → 409 (the state) → 400 (the action's input).
"""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from kejin.core.api.actions import action_view
from kejin.core.api.errors import error_responses
from kejin.core.api.parsers import JSONParser
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.financing import selectors_demands as selectors
from kejin.financing import services_demands as services
from kejin.financing.choices import (
    CollateralKind,
    DemandStatus,
    ProductType,
    RejectionReason,
    Urgency,
)
from kejin.financing.models import (
    Demand,
    DemandAttachment,
    DemandCollateral,
    DemandEvent,
)
from kejin.financing.permissions import demand_can_create

DEMANDS_TAG = "financing 融资需求"


# --- serializers ----------------------------------------------------------------------------


class DemandCollateralSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=CollateralKind.choices)
    amount = serializers.DecimalField(
        max_digits=15, decimal_places=2, required=False, allow_null=True
    )

    class Meta:
        model = DemandCollateral
        fields = ["kind", "number", "debtor", "amount", "description"]


class DemandAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DemandAttachment
        fields = ["id", "name", "size", "content_type", "sha256", "uploaded_at"]
        read_only_fields = fields


class DemandEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.SerializerMethodField()
    institution = serializers.SerializerMethodField()

    class Meta:
        model = DemandEvent
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "institution",
            "reason",
            "text",
            "data",
            "at",
        ]
        read_only_fields = fields

    def get_actor(self, event: DemandEvent) -> str | None:
        return str(event.actor) if event.actor_id else None

    def get_institution(self, event: DemandEvent) -> str | None:
        return event.institution.name if event.institution else None


class DemandSerializer(serializers.ModelSerializer):
    """A demand in a list: what it asks, where it stands, who holds it, what is due."""

    enterprise = serializers.SerializerMethodField()
    county = serializers.CharField(source="county.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "number",
            "enterprise",
            "county",
            "amount",
            "term_months",
            "purpose",
            "preferred_types",
            "max_rate",
            "urgency",
            "guarantor_ok",
            "status",
            "status_label",
            "open_pool",
            "institution",
            "guarantee_status",
            "approved_amount",
            "approved_rate",
            "rejection_reason",
            "rejection_text",
            "submitted_at",
            "routed_at",
            "claimed_at",
            "contacted_at",
            "review_started_at",
            "decided_at",
            "disbursed_at",
            "closed_at",
            "claim_due_on",
            "contact_due_on",
            "decision_due_on",
            "overdue_step",
        ]
        read_only_fields = fields

    def get_enterprise(self, demand: Demand) -> dict:
        return {"id": demand.enterprise_id, "name": demand.enterprise.name}

    def get_institution(self, demand: Demand) -> dict | None:
        if not demand.institution_id:
            return None
        return {"id": demand.institution_id, "name": getattr(demand.institution, "name", "")}


class DemandDetailSerializer(DemandSerializer):
    """A demand with its collateral, attachments, timeline and the caller's actions now."""

    collaterals = DemandCollateralSerializer(many=True, read_only=True)
    attachments = DemandAttachmentSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(DemandSerializer.Meta):
        fields = [*DemandSerializer.Meta.fields, "collaterals", "attachments", "events", "actions"]
        read_only_fields = fields

    def get_events(self, demand: Demand) -> list[dict]:
        user = self.context["request"].user
        rows = selectors.demand_timeline(user=user, demand=demand)
        return DemandEventSerializer(rows, many=True).data

    def get_actions(self, demand: Demand) -> list[str]:
        return selectors.demand_actions(user=self.context["request"].user, demand=demand)


class DemandCreateSerializer(serializers.Serializer):
    """The demand as posted (JSON, or multipart with ``attachments`` and ``collaterals`` as a
    JSON text); the service checks every value and answers with messages per field."""

    amount = serializers.CharField(help_text="融资金额（元），例如 1000000")
    term_months = serializers.CharField(help_text="期限（月），1–360")
    purpose = serializers.CharField(help_text="资金用途", allow_blank=True)
    preferred_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ProductType.choices), required=False
    )
    max_rate = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="可接受最高年利率(%)"
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    guarantor_ok = serializers.BooleanField(required=False, default=True)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True)
    collaterals = DemandCollateralSerializer(many=True, required=False)
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="PDF、JPG或PNG，每个不超过10 MB，最多5个（multipart/form-data）",
    )


class ApproveSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="批准金额（元）")
    rate = serializers.CharField(help_text="批准年利率(%)")


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectionReason.choices)
    text = serializers.CharField(allow_blank=True, help_text="企业可见的拒绝说明（必填）")


class GuaranteeRequestSerializer(serializers.Serializer):
    guarantor = serializers.IntegerField(min_value=1, help_text="融资担保公司（机构ID）")


class GuaranteeRefuseSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, help_text="说明（可选）")


# --- views ----------------------------------------------------------------------------------


def _detail(request, pk: int, *, status_code: int = 200, headers=None) -> Response:
    demand = selectors.demand_detail_get(user=request.user, pk=pk)
    return Response(
        DemandDetailSerializer(demand, context={"request": request}).data,
        status=status_code,
        headers=headers,
    )


def _posted_data(request) -> dict:
    """The posted demand as a dict (multipart lists and the collaterals JSON text unpacked)."""
    data = request.data
    if hasattr(data, "getlist"):
        plain = {key: data.get(key) for key in data}
        plain["preferred_types"] = data.getlist("preferred_types")
        raw = data.get("collaterals")
        if isinstance(raw, str) and raw.strip():
            try:
                plain["collaterals"] = json.loads(raw)
            except ValueError:
                raise ApplicationError.invalid(
                    {"collaterals": [_("抵质押物应为JSON列表。")]}
                ) from None
        return plain
    return dict(data) if isinstance(data, dict) else {}


class DemandListView(generics.GenericAPIView):
    """Demands in the caller's scope; an enterprise's user posts a new one."""

    queryset = Demand._default_manager.none()
    serializer_class = DemandSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return DemandCreateSerializer
        return DemandSerializer

    @extend_schema(
        tags=[DEMANDS_TAG],
        summary="融资需求列表 (List demands)",
        description=(
            "企业看本企业的需求；机构看推送给本机构的、抢单池中的、本机构认领或担保的；"
            "县级工作人员看本县；市级工作人员看全部。view: all | routed（推送给本机构待认领）"
            "| pool（抢单池）| claimed（本机构认领或担保）。"
        ),
        parameters=[
            OpenApiParameter("view", str, enum=list(selectors.VIEWS)),
            OpenApiParameter("status", str, enum=list(DemandStatus.values)),
            OpenApiParameter("county", str, description="县(市、区)区划代码"),
            OpenApiParameter("q", str, description="需求编号或企业名称"),
        ],
        responses={200: DemandSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        view = request.query_params.get("view", "all")
        if view not in selectors.VIEWS:
            raise ApplicationError.invalid(
                {"view": [_("view 应为 all、routed、pool 或 claimed。")]}
            )
        status_filter = request.query_params.get("status", "")
        if status_filter and status_filter not in DemandStatus.values:
            raise ApplicationError.invalid({"status": [_("未知的需求状态。")]})
        rows = selectors.demand_list(
            user=request.user,
            view=view,
            status=status_filter,
            county=request.query_params.get("county", ""),
            q=request.query_params.get("q", "")[:100],
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DemandSerializer(page, many=True).data)

    @extend_schema(
        tags=[DEMANDS_TAG],
        summary="发布融资需求 (Post a demand)",
        description=(
            "企业用户发布融资需求（JSON 或 multipart/form-data）。每个字段的问题都在 "
            "`fields` 中说明（抵质押物为 `collaterals.<序号>.<字段>`）。提交后由平台推送给"
            "匹配度最高的机构，或转入抢单池。Audited."
        ),
        request={
            "application/json": DemandCreateSerializer,
            "multipart/form-data": DemandCreateSerializer,
        },
        responses={201: DemandDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(demand_can_create, user=request.user)
        files = request.FILES.getlist("attachments") if request.FILES else []
        demand = services.demand_create(
            enterprise=request.user.enterprise,
            data=_posted_data(request),
            attachments=files,
            acting_user=request.user,
            ip_address=client_ip_address(request),
        )
        return _detail(
            request,
            demand.pk,
            status_code=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-financing-demand-detail", args=[demand.pk])},
        )


class DemandDetailView(generics.GenericAPIView):
    """One demand in the caller's scope, with its timeline and the caller's actions."""

    queryset = Demand._default_manager.none()
    serializer_class = DemandDetailSerializer

    @extend_schema(
        tags=[DEMANDS_TAG],
        summary="融资需求详情 (Get a demand)",
        description="含抵质押物、附件、流转记录（events）和当前用户可执行的操作（actions）。",
        responses={200: DemandDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)


def _action_view(*, name: str, summary: str, description: str, body=None, run):
    """One POST endpoint for one workflow action (its own class, schema and input)."""
    return action_view(
        name=name,
        tag=DEMANDS_TAG,
        summary=summary,
        description=description,
        model=Demand,
        detail_serializer=DemandDetailSerializer,
        body=body,
        get=lambda user, pk: selectors.demand_get(user=user, pk=pk),
        run=lambda request, demand, data: run(
            demand=demand,
            data=data,
            acting_user=request.user,
            ip_address=client_ip_address(request),
        ),
        respond=_detail,
    )


class DemandClaimView(generics.GenericAPIView):
    """An institution claims a demand routed to it or in the open pool (抢单)."""

    queryset = Demand._default_manager.none()
    serializer_class = serializers.Serializer

    @extend_schema(
        tags=[DEMANDS_TAG],
        summary="认领需求 (Claim a demand)",
        description=(
            "推送给本机构或在抢单池中的待认领需求，只有一家机构能认领成功；晚到的认领 409 "
            "`demand_already_claimed`（包括抢单池中已被他人认领的需求）。认领后首次联系和"
            "审批决定的时限按工作日计算。Audited."
        ),
        request=None,
        responses={200: DemandDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        demand = selectors.demand_get_for_claim(user=request.user, pk=pk)
        services.demand_claim(
            demand=demand, acting_user=request.user, ip_address=client_ip_address(request)
        )
        return _detail(request, pk)


def _simple(service):
    return lambda *, demand, data, acting_user, ip_address: service(
        demand=demand, acting_user=acting_user, ip_address=ip_address
    )


def _guarantee_request(*, demand, data, acting_user, ip_address):
    guarantor = selectors.guarantors_list(user=acting_user).filter(pk=data["guarantor"]).first()
    services.demand_guarantee_request(
        demand=demand, guarantor=guarantor, acting_user=acting_user, ip_address=ip_address
    )


ACTION_VIEWS = {
    "release": _action_view(
        name="DemandReleaseView",
        summary="放弃认领 (Release a claimed demand)",
        description="认领机构在进入审批前放弃，需求回到待认领。409 `demand_state_conflict`。",
        run=_simple(services.demand_release),
    ),
    "contact": _action_view(
        name="DemandContactView",
        summary="记录首次联系 (Record the first contact)",
        description="认领机构记录与企业的首次联系。",
        run=_simple(services.demand_contact),
    ),
    "start-review": _action_view(
        name="DemandStartReviewView",
        summary="进入审批 (Start the review)",
        description="认领机构开始审批（联系之后）。",
        run=_simple(services.demand_review_start),
    ),
    "approve": _action_view(
        name="DemandApproveView",
        summary="批准 (Approve)",
        description="认领机构批准：金额不超过申请金额，年利率0–36%。担保申请待答复时 409。",
        body=ApproveSerializer,
        run=lambda *, demand, data, acting_user, ip_address: services.demand_approve(
            demand=demand,
            amount=data["amount"],
            rate=data["rate"],
            acting_user=acting_user,
            ip_address=ip_address,
        ),
    ),
    "reject": _action_view(
        name="DemandRejectView",
        summary="拒绝 (Reject)",
        description="认领机构拒绝：原因代码和企业可见的说明均必填；企业可随后转介其他机构。",
        body=RejectSerializer,
        run=lambda *, demand, data, acting_user, ip_address: services.demand_reject(
            demand=demand,
            reason=data["reason"],
            text=data["text"],
            acting_user=acting_user,
            ip_address=ip_address,
        ),
    ),
    "refer": _action_view(
        name="DemandReferView",
        summary="转介其他机构 (Refer a rejected demand on)",
        description="企业或工作人员将被拒绝的需求推送给下一批匹配机构（无则转入抢单池）。",
        run=_simple(services.demand_refer),
    ),
    "request-guarantee": _action_view(
        name="DemandGuaranteeRequestView",
        summary="申请担保 (Request a guarantee)",
        description="认领机构邀请融资担保公司介入（企业须同意担保介入，否则 409）。",
        body=GuaranteeRequestSerializer,
        run=_guarantee_request,
    ),
    "grant-guarantee": _action_view(
        name="DemandGuaranteeGrantView",
        summary="同意担保 (Grant the guarantee)",
        description="被邀请的担保机构同意担保。",
        run=_simple(services.demand_guarantee_grant),
    ),
    "refuse-guarantee": _action_view(
        name="DemandGuaranteeRefuseView",
        summary="拒绝担保 (Refuse the guarantee)",
        description="被邀请的担保机构拒绝担保。",
        body=GuaranteeRefuseSerializer,
        run=lambda *, demand, data, acting_user, ip_address: services.demand_guarantee_refuse(
            demand=demand, text=data.get("text", ""), acting_user=acting_user, ip_address=ip_address
        ),
    ),
    "disburse": _action_view(
        name="DemandDisburseView",
        summary="放款 (Record the disbursement)",
        description="认领机构记录已批准需求的放款（生成贷款记录）。",
        run=_simple(services.demand_disburse),
    ),
    "close": _action_view(
        name="DemandCloseView",
        summary="办结 (Close)",
        description="认领机构或工作人员办结已批准或已放款的需求。",
        run=_simple(services.demand_close),
    ),
    "withdraw": _action_view(
        name="DemandWithdrawView",
        summary="撤回 (Withdraw)",
        description="企业在审批决定前撤回需求。",
        run=_simple(services.demand_withdraw),
    ),
    "route": _action_view(
        name="DemandRouteView",
        summary="推送机构 (Route a submitted demand)",
        description="工作人员将尚未推送的需求推送给匹配机构（无则转入抢单池）。",
        run=_simple(services.demand_route),
    ),
    "pool": _action_view(
        name="DemandPoolView",
        summary="转入抢单池 (Post to the open pool)",
        description="工作人员将待认领的需求转入抢单池，所有机构均可认领。",
        run=_simple(services.demand_pool),
    ),
}
