"""API of the scorecards: versions, one version with its points table, metrics and worked
cases (a draft's cases restated with PATCH), a new draft with edited points, activation
(refused while a worked case fails), the grade-distribution preview."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.core.api.pagination import paginated_response
from kejin.core.http import client_ip_address
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


class WorkedCaseSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    facts = serializers.DictField(help_text='{"credit.tax_rating": "A", …}')
    expect = serializers.DictField(
        help_text='{"score": 600.0, "grade": "A"}; a trained card\'s score as '
        '{"approx": 612.3456, "tolerance": 0.0008}'
    )


class ScorecardDetailSerializer(ScorecardVersionSerializer):
    worked_cases = WorkedCaseSerializer(many=True, read_only=True)

    class Meta(ScorecardVersionSerializer.Meta):
        fields = [
            *ScorecardVersionSerializer.Meta.fields,
            "pre_existing",
            "document",
            "metrics",
            "worked_cases",
        ]


class WorkedCasesSerializer(serializers.Serializer):
    worked_cases = WorkedCaseSerializer(many=True)


class DraftSerializer(serializers.Serializer):
    points = serializers.DictField(
        child=serializers.DictField(child=serializers.FloatField()),
        required=False,
        help_text='{"<indicator>": {"<band index>": points}}',
    )
    base_points = serializers.FloatField(required=False, allow_null=True)
    grade_mins = serializers.DictField(child=serializers.FloatField(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    worked_cases = WorkedCaseSerializer(
        many=True,
        required=False,
        help_text="默认沿用所依据版本的算例（只保留预期评分和等级）。",
    )


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

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="修改草稿的算例 (Restate a draft's worked cases)",
        description="市级部门工作人员；只有草稿（否则 409 version_not_draft）。Audited.",
        request=WorkedCasesSerializer,
        responses={200: ScorecardDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        version = selectors.scorecard_get(user=request.user, pk=pk)
        serializer = WorkedCasesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.scorecard_worked_cases_update(
            version=version,
            acting_user=request.user,
            worked_cases=serializer.validated_data["worked_cases"],
        )
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
            worked_cases=data.get("worked_cases"),
        )
        return Response(ScorecardDetailSerializer(draft).data, status=status.HTTP_201_CREATED)


class ScorecardActivateView(generics.GenericAPIView):
    queryset = ScorecardVersion._default_manager.none()
    serializer_class = ScorecardVersionSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="启用评分卡版本 (Activate a draft version)",
        description="市级部门工作人员；非草稿 409 version_not_draft；有算例未通过 400 "
        "worked_cases_fail（error.fields.worked_cases 逐条列出）。启用后全部企业重新评分。Audited.",
        request=None,
        responses={200: ScorecardVersionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        version = selectors.scorecard_get(user=request.user, pk=pk)
        version = services.scorecard_activate(
            version=version, acting_user=request.user, ip_address=client_ip_address(request)
        )
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
