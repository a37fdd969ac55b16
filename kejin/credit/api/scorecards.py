"""API of the scorecards: versions, one version with its points table and metrics, a new
draft with edited points, activation, the grade-distribution preview."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.credit.api.profile import CREDIT_TAG
from kejin.credit.models import ScorecardVersion
from kejin.credit.scoring import selectors, services


class ScorecardVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScorecardVersion
        fields = [
            "id",
            "code",
            "version",
            "title",
            "kind",
            "status",
            "valid_from",
            "valid_to",
            "reference",
            "note",
            "created_at",
            "activated_at",
        ]


class ScorecardDetailSerializer(ScorecardVersionSerializer):
    class Meta(ScorecardVersionSerializer.Meta):
        fields = [*ScorecardVersionSerializer.Meta.fields, "document", "metrics"]


class DraftSerializer(serializers.Serializer):
    points = serializers.DictField(
        child=serializers.DictField(child=serializers.FloatField()),
        required=False,
        help_text='{"<indicator>": {"<band index>": points}}',
    )
    base_points = serializers.FloatField(required=False, allow_null=True)
    grade_mins = serializers.DictField(child=serializers.FloatField(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PreviewGradeSerializer(serializers.Serializer):
    grade = serializers.CharField()
    count = serializers.IntegerField()
    active_count = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    enterprises = serializers.IntegerField()
    grades = PreviewGradeSerializer(many=True)
    psi = serializers.FloatField(allow_null=True)
    stability = serializers.CharField()


class ScorecardListView(generics.GenericAPIView):
    queryset = ScorecardVersion._default_manager.none()
    serializer_class = ScorecardVersionSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="评分卡版本列表 (Scorecard versions)",
        description="政府工作人员与平台管理员可见。",
        responses={200: ScorecardVersionSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return paginated_response(self, selectors.scorecard_list(user=request.user))


class ScorecardDetailView(generics.GenericAPIView):
    queryset = ScorecardVersion._default_manager.none()
    serializer_class = ScorecardDetailSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="评分卡版本 (A scorecard version with its points table)",
        responses={200: ScorecardDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        version = selectors.scorecard_get(user=request.user, pk=pk)
        return Response(ScorecardDetailSerializer(version).data)


class ScorecardDraftView(generics.GenericAPIView):
    queryset = ScorecardVersion._default_manager.none()
    serializer_class = DraftSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="修改分值生成新草稿 (Draft a new version with edited points)",
        description="市级部门工作人员。Audited.",
        request=DraftSerializer,
        responses={201: ScorecardDetailSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        base = selectors.scorecard_get(user=request.user, pk=pk)
        serializer = DraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        points = {
            ind: {int(index): value for index, value in bands.items()}
            for ind, bands in data.get("points", {}).items()
        }
        draft = services.scorecard_draft_create(
            base=base,
            acting_user=request.user,
            points=points,
            base_points=data.get("base_points"),
            grade_mins=data.get("grade_mins"),
            note=data.get("note", ""),
        )
        return Response(ScorecardDetailSerializer(draft).data, status=status.HTTP_201_CREATED)


class ScorecardActivateView(generics.GenericAPIView):
    queryset = ScorecardVersion._default_manager.none()
    serializer_class = ScorecardVersionSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="启用评分卡版本 (Activate a draft version)",
        description="市级部门工作人员；非草稿 409 version_not_draft。启用后全部企业重新评分。Audited.",
        request=None,
        responses={200: ScorecardVersionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        version = selectors.scorecard_get(user=request.user, pk=pk)
        version = services.scorecard_activate(version=version, acting_user=request.user)
        return Response(ScorecardVersionSerializer(version).data)


class ScorecardPreviewView(generics.GenericAPIView):
    queryset = ScorecardVersion._default_manager.none()
    serializer_class = PreviewSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="等级分布预览 (Grade distribution beside the active version)",
        responses={200: PreviewSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        version = selectors.scorecard_get(user=request.user, pk=pk)
        preview = selectors.scorecard_preview(user=request.user, version=version)
        return Response(PreviewSerializer(preview).data)
