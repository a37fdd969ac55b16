"""API of the tech-enterprise list (名单库): entries with their history, officers' overrides,
re-evaluation runs, growth stages and labels.

Reads go through ``kejin.registry.selectors`` (scoped: county officers see their
county; an enterprise outside the caller's scope is a 404), writes through
``kejin.registry.services`` (permission checks, audit). Serializers only parse
and format.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.api.writes import client_ip_address
from kejin.core.errors import ApplicationError
from kejin.core.permissions import require
from kejin.enterprises.filters import EnterpriseFilterSet
from kejin.enterprises.models import Enterprise
from kejin.registry import permissions, selectors, services
from kejin.registry.api.serializers import (
    EvaluationRunSerializer,
    GrowthStageSerializer,
    LabelSerializer,
    LiftSerializer,
    RegistryEntrySerializer,
    RegistryEventSerializer,
    RegistryOverrideCreateSerializer,
    RegistryOverrideSerializer,
    RuleVersionSerializer,
    RunPreviewSerializer,
    RunQueuedSerializer,
    RunStartSerializer,
)
from kejin.registry.choices import OverrideKind, RegistryEventKind
from kejin.registry.models import (
    EvaluationRun,
    GrowthStage,
    Label,
    RegistryEvent,
    RegistryOverride,
    RegistryRuleVersion,
)

REGISTRY_TAG = "registry 名单库"


class RegistryFilterBackend(DjangoFilterBackend):
    """EnterpriseFilterSet with the list's default: on the list unless ``on_list`` is given."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["data"] = selectors.registry_filter_data(request.query_params)
        return kwargs


class RegistryEntryListView(generics.GenericAPIView):
    """The list in the caller's scope (officers and platform admins)."""

    serializer_class = RegistryEntrySerializer
    filterset_class = EnterpriseFilterSet
    filter_backends = [RegistryFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enterprise._default_manager.none()
        return selectors.registry_entry_list(user=self.request.user)

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="名单库企业列表 (List the registry)",
        description=(
            "市级工作人员和平台管理员看全部，县级看本县；其他用户 403。默认只列在库企业"
            "（`on_list=true`），`on_list=false` 列不在库的，`on_list=` 列全部。Filters: "
            "`stage`, `label` (repeat: all of them), `recognition` (`tech_sme:qualified`, "
            "`high_tech:passed`…), and every enterprise filter (`q`, `county`, `industry`…)."
        ),
        responses={200: RegistryEntrySerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        if queryset.query.order_by:
            queryset = queryset.order_by(*queryset.query.order_by, "pk")
        return paginated_response(self, queryset)


class RegistryEntryDetailView(generics.GenericAPIView):
    """One enterprise's place on the list (404 outside the caller's scope)."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = Enterprise._default_manager.none()
    serializer_class = RegistryEntrySerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="企业名单状态 (Get an enterprise's registry entry)",
        description="能查看该企业者可见（企业可看自己的）；范围外 404。",
        responses={200: RegistryEntrySerializer, **error_responses(401, 404)},
    )
    def get(self, request, enterprise_id: int):
        enterprise = selectors.registry_entry_get(user=request.user, enterprise_id=enterprise_id)
        return Response(self.get_serializer(enterprise).data)


class RegistryHistoryView(generics.GenericAPIView):
    """One enterprise's list history, newest first."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = RegistryEvent._default_manager.none()
    serializer_class = RegistryEventSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="企业名单变动记录 (An enterprise's registry history)",
        description="入库、出库、阶段变化、标签增减，最新在前；范围外 404。",
        responses={200: RegistryEventSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request, enterprise_id: int):
        enterprise = selectors.registry_entry_get(user=request.user, enterprise_id=enterprise_id)
        events = selectors.registry_event_list(user=request.user, enterprise=enterprise)
        return paginated_response(self, events.select_related("enterprise"))


class RegistryOverrideListView(generics.GenericAPIView):
    """Overrides in the caller's scope; officers set new ones."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = RegistryOverride._default_manager.none()
    serializer_class = RegistryOverrideSerializer

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return RegistryOverrideCreateSerializer
        return RegistryOverrideSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="人工调整列表 (List overrides)",
        description="范围内企业的人工调整，最新在前；默认只列生效中的。",
        parameters=[
            OpenApiParameter(
                "status", str, enum=list(selectors.OVERRIDE_STATUSES), description="默认 active"
            ),
            OpenApiParameter("enterprise", int, description="企业ID"),
            OpenApiParameter("kind", str, enum=OverrideKind.values),
        ],
        responses={200: RegistryOverrideSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request):
        overrides = selectors.registry_override_list(
            user=request.user, filters=request.query_params
        )
        page = self.paginate_queryset(overrides)
        return self.get_paginated_response(RegistryOverrideSerializer(page, many=True).data)

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="设定人工调整 (Create an override)",
        description=(
            "市级工作人员可调整任何企业，县级只能调整本县企业。原因必填；同一事项已有生效中的"
            "调整时 409。立即生效并记入名单变动记录。Audited."
        ),
        request=RegistryOverrideCreateSerializer,
        responses={201: RegistryOverrideSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        require(permissions.registry_can_override, user=request.user)
        serializer = RegistryOverrideCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enterprise = selectors.registry_entry_get(
            user=request.user, enterprise_id=data["enterprise"]
        )
        override = services.registry_override_create(
            actor=request.user,
            enterprise=enterprise,
            kind=data["kind"],
            value=data["value"],
            stage=data.get("stage"),
            label=data.get("label"),
            reason=data["reason"],
            ip_address=client_ip_address(request),
        )
        override = selectors.registry_override_get(user=request.user, pk=override.pk)
        return Response(
            RegistryOverrideSerializer(override).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-registry-override-detail", args=[override.pk])},
        )


class RegistryOverrideDetailView(generics.GenericAPIView):
    """One override in the caller's scope."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = RegistryOverride._default_manager.none()
    serializer_class = RegistryOverrideSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="人工调整详情 (Get an override)",
        responses={200: RegistryOverrideSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        override = selectors.registry_override_get(user=request.user, pk=pk)
        return Response(self.get_serializer(override).data)


class RegistryOverrideLiftView(generics.GenericAPIView):
    """Lift an override (officers in scope), with a reason."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = RegistryOverride._default_manager.none()
    serializer_class = LiftSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="解除人工调整 (Lift an override)",
        description="原因必填；已解除的再解除 409。该事项立即按规则重新判定。Audited.",
        request=LiftSerializer,
        responses={200: RegistryOverrideSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        override = selectors.registry_override_get(user=request.user, pk=pk)
        require(permissions.registry_can_override, user=request.user, obj=override.enterprise)
        serializer = LiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.registry_override_lift(
            actor=request.user,
            override=override,
            reason=serializer.validated_data["reason"],
            ip_address=client_ip_address(request),
        )
        override = selectors.registry_override_get(user=request.user, pk=pk)
        return Response(RegistryOverrideSerializer(override).data)


class EvaluationRunListView(generics.GenericAPIView):
    """Re-evaluation runs; city officers and platform admins start one."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = EvaluationRun._default_manager.none()
    serializer_class = EvaluationRunSerializer

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return RunStartSerializer
        return EvaluationRunSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="重新评价批次列表 (List re-evaluation runs)",
        responses={200: EvaluationRunSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.evaluation_run_list(user=request.user))
        return self.get_paginated_response(EvaluationRunSerializer(page, many=True).data)

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="发起重新评价 (Start a re-evaluation run)",
        description=(
            "市级工作人员和平台管理员。任务在提交后排队执行（未配置消息队列时在本进程内执行），"
            "返回新批次的 id。已有批次排队或进行中时 409 run_in_progress。"
        ),
        request=RunStartSerializer,
        responses={202: RunQueuedSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request):
        require(permissions.registry_can_run, user=request.user)
        serializer = RunStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        year = serializer.validated_data["year"]
        run = services.registry_run_start(
            actor=request.user, year=year, ip_address=client_ip_address(request)
        )
        return Response(
            {"id": run.pk, "year": year, "status": run.status, "detail": _("已发起重新评价。")},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("api-registry-run-detail", args=[run.pk])},
        )


PREVIEW_LIMIT = 200


class EvaluationRunPreviewView(generics.GenericAPIView):
    """What a run for ``year`` would change; writes nothing."""

    serializer_class = RunPreviewSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="预览重新评价 (Preview a re-evaluation run)",
        description=(
            "市级工作人员和平台管理员。按当前数据和规则计算该年度的重新评价将记录的变化："
            "各类变化的数量，以及将入库、出库的企业（前200家）和原因。不写入任何数据。"
            "year 缺省为多数企业已有数据的最近年度。"
        ),
        parameters=[OpenApiParameter("year", int, required=False, description="数据年度")],
        responses={200: RunPreviewSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        require(permissions.registry_can_run, user=request.user)
        raw = request.query_params.get("year")
        if raw is None:
            year = services.registry_run_default_year()
        elif raw.isdigit() and len(raw) <= 4:
            year = int(raw)
        else:
            raise ApplicationError.invalid({"year": [_("数据年度应为四位数字年份。")]})
        preview = services.registry_run_preview(actor=request.user, year=year, limit=PREVIEW_LIMIT)
        ids = [pk for pk, _reason in preview.entries + preview.exits]
        names = dict(
            selectors.registry_entry_list(user=request.user)
            .filter(pk__in=ids)
            .values_list("pk", "name")
        )

        def rows(changes):
            return [
                {"enterprise": pk, "enterprise_name": names.get(pk, ""), "reason": reason}
                for pk, reason in changes
            ]

        return Response(
            {
                "year": preview.year,
                "as_of": preview.as_of,
                "enterprises": preview.enterprises,
                "with_data": preview.with_data,
                "counts": {kind: preview.counts.get(kind, 0) for kind in RegistryEventKind.values},
                "limit": PREVIEW_LIMIT,
                "entries": rows(preview.entries),
                "exits": rows(preview.exits),
            }
        )


class EvaluationRunDetailView(generics.GenericAPIView):
    """One re-evaluation run with its city-wide totals."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = EvaluationRun._default_manager.none()
    serializer_class = EvaluationRunSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="重新评价批次详情 (Get a run)",
        responses={200: EvaluationRunSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(
            self.get_serializer(selectors.evaluation_run_get(user=request.user, pk=pk)).data
        )


class EvaluationRunEventListView(generics.GenericAPIView):
    """The changes a run recorded, in the caller's scope."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = RegistryEvent._default_manager.none()
    serializer_class = RegistryEventSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="批次记录的名单变动 (A run's changes)",
        description="县级工作人员只看到本县企业的变动。",
        parameters=[OpenApiParameter("kind", str, enum=RegistryEventKind.values)],
        responses={200: RegistryEventSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        run = selectors.evaluation_run_get(user=request.user, pk=pk)
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in RegistryEventKind.values:
            raise ApplicationError.invalid(
                {
                    "kind": [
                        _("应为 %(kinds)s 之一。") % {"kinds": "、".join(RegistryEventKind.values)}
                    ]
                }
            )
        events = selectors.evaluation_run_event_list(user=request.user, run=run, kind=kind)
        return paginated_response(self, events)


class GrowthStageListView(generics.GenericAPIView):
    """The growth stages with their rules."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = GrowthStage._default_manager.none()
    serializer_class = GrowthStageSerializer
    pagination_class = None

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="成长阶段 (List growth stages)",
        description="按判定顺序；企业属于第一个规则成立的阶段。",
        responses={200: GrowthStageSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        stages = selectors.growth_stage_list(user=request.user)
        return Response(self.get_serializer(stages, many=True).data)


class GrowthStageDetailView(generics.GenericAPIView):
    """One growth stage; city officers change its rule."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = GrowthStage._default_manager.none()
    serializer_class = GrowthStageSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="成长阶段详情 (Get a growth stage)",
        responses={200: GrowthStageSerializer, **error_responses(401, 404)},
    )
    def get(self, request, code: str):
        return Response(
            self.get_serializer(selectors.growth_stage_get(user=request.user, code=code)).data
        )

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="修改成长阶段 (Update a growth stage)",
        description=(
            "市级工作人员。规则按数据目录检验；改动的规则存为草稿版本（见 versions/），"
            "由工作人员添加算例并在页面上启用。Audited."
        ),
        request=GrowthStageSerializer,
        responses={200: GrowthStageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, code: str):
        stage = selectors.growth_stage_get(user=request.user, code=code)
        require(permissions.registry_can_edit_rules, user=request.user)
        serializer = self.get_serializer(stage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        stage = services.growth_stage_update(
            actor=request.user,
            stage=stage,
            data=dict(serializer.validated_data),
            ip_address=client_ip_address(request),
        ).owner
        return Response(self.get_serializer(stage).data)


class LabelListView(generics.GenericAPIView):
    """The labels with their rules; city officers create new ones."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = Label._default_manager.none()
    serializer_class = LabelSerializer
    pagination_class = None

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="名单标签 (List labels)",
        responses={200: LabelSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        return Response(
            self.get_serializer(selectors.label_list(user=request.user), many=True).data
        )

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="新建名单标签 (Create a label)",
        description="市级工作人员。`criteria` 为空表示人工认定的标签。Audited.",
        request=LabelSerializer,
        responses={201: LabelSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        require(permissions.registry_can_edit_rules, user=request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label = services.label_create(
            actor=request.user,
            data=dict(serializer.validated_data),
            ip_address=client_ip_address(request),
        ).owner
        return Response(
            self.get_serializer(label).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-registry-label-detail", args=[label.code])},
        )


class LabelDetailView(generics.GenericAPIView):
    """One label; city officers change its rule."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = Label._default_manager.none()
    serializer_class = LabelSerializer

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="名单标签详情 (Get a label)",
        responses={200: LabelSerializer, **error_responses(401, 404)},
    )
    def get(self, request, code: str):
        return Response(self.get_serializer(selectors.label_get(user=request.user, code=code)).data)

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="修改名单标签 (Update a label)",
        description=(
            "市级工作人员；代码不能修改。改动的规则存为草稿版本（见 versions/）。Audited."
        ),
        request=LabelSerializer,
        responses={200: LabelSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, code: str):
        label = selectors.label_get(user=request.user, code=code)
        require(permissions.registry_can_edit_rules, user=request.user)
        serializer = self.get_serializer(label, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "code" in data and data["code"] != label.code:
            raise ApplicationError.invalid({"code": [_("标签代码创建后不能修改。")]})
        data.pop("code", None)
        label = services.label_update(
            actor=request.user, label=label, data=data, ip_address=client_ip_address(request)
        ).owner
        return Response(self.get_serializer(label).data)


class RuleVersionListView(generics.GenericAPIView):
    """A stage's or label's rule versions, newest validity first (read-only)."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = RegistryRuleVersion._default_manager.none()
    serializer_class = RuleVersionSerializer
    pagination_class = None
    kind = "stages"

    @extend_schema(
        tags=[REGISTRY_TAG],
        summary="规则版本 (List rule versions)",
        description=(
            "成长阶段或标签的规则版本：有效期、依据条款、参数、算例、状态（draft/active/"
            "retired）。重新评价按评价日有效的 active 版本判定。"
        ),
        responses={200: RuleVersionSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, code: str):
        owner: GrowthStage | Label
        if self.kind == "stages":
            owner = selectors.growth_stage_get(user=request.user, code=code)
        else:
            owner = selectors.label_get(user=request.user, code=code)
        versions = selectors.registry_rule_version_list(user=request.user, owner=owner)
        return Response(self.get_serializer(versions, many=True).data)


class StageRuleVersionListView(RuleVersionListView):
    kind = "stages"


class LabelRuleVersionListView(RuleVersionListView):
    kind = "labels"
