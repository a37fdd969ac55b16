"""API of the credit profile: an enterprise's indicators, score, grade, reasons and history.

The enterprise itself and officers in scope; anyone else gets 404 (institutions read
consented reports)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from kejin.core.api.errors import error_responses
from kejin.credit.models import CreditScore
from kejin.credit.scoring import selectors

CREDIT_TAG = "credit 信用信息"


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class HistorySerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    score = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    grade = serializers.CharField()
    scorecard_id = serializers.IntegerField()


class IndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField(allow_null=True)


class CreditProfileSerializer(serializers.Serializer):
    enterprise_id = serializers.IntegerField(source="enterprise.pk")
    as_of = serializers.DateField()
    score = serializers.DecimalField(
        source="score.score", max_digits=9, decimal_places=2, allow_null=True, default=None
    )
    grade = serializers.CharField(source="score.grade", allow_null=True, default=None)
    scorecard_id = serializers.IntegerField(
        source="score.scorecard_id", allow_null=True, default=None
    )
    reasons = ReasonSerializer(many=True)
    indicators = IndicatorSerializer(many=True)
    history = HistorySerializer(many=True)


class CreditProfileView(generics.GenericAPIView):
    """One enterprise's credit profile."""

    # Rows come from the selectors; this only tells the schema the model.
    queryset = CreditScore._default_manager.none()
    serializer_class = CreditProfileSerializer

    @extend_schema(
        tags=[CREDIT_TAG],
        summary="企业信用档案 (An enterprise's credit profile)",
        description="企业本身与范围内的政府工作人员可见；其他人 404。",
        responses={200: CreditProfileSerializer, **error_responses(401, 404)},
    )
    def get(self, request, enterprise_id: int):
        profile = selectors.credit_profile(user=request.user, enterprise_id=enterprise_id)
        return Response(CreditProfileSerializer(profile).data)
