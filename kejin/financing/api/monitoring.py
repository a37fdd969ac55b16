"""API of process monitoring: the officers' report and one institution's scoreboard.

Reads through ``kejin.financing.monitoring`` (scoped to the caller). Order of checks:
401 → 403 (not an officer / another institution's scoreboard) → 404 (unknown county or
institution) → 400 (bad month).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kejin.core.api.errors import error_responses
from kejin.core.errors import ApplicationError
from kejin.financing import monitoring
from kejin.financing.sla import demand_url

MONITORING_TAG = "financing 流程监控"

MONTH = OpenApiParameter("month", str, description="提交月份，如 2026-11（缺省：全部）")
COUNTY = OpenApiParameter("county", int, description="县(市、区)的 id（县级工作人员固定为本县）")


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class StepTimeSerializer(serializers.Serializer):
    step = serializers.CharField(source="key")
    label = serializers.CharField()
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True, help_text="中位数（工作日）")
    p90 = serializers.FloatField(allow_null=True, help_text="90%分位（工作日）")


class OverdueSerializer(serializers.Serializer):
    demand_id = serializers.IntegerField(source="demand.pk")
    number = serializers.CharField(source="demand.number")
    enterprise = serializers.CharField(source="demand.enterprise.name")
    county = serializers.CharField(source="demand.county.name")
    institution = serializers.CharField(
        source="demand.institution.name", allow_null=True, default=None
    )
    status = serializers.CharField(source="demand.status")
    step = serializers.CharField(source="demand.overdue_step")
    step_label = serializers.CharField()
    due_on = serializers.DateField()
    workdays_overdue = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, row) -> str:
        return demand_url(row.demand.pk)


class RejectionSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()

    def to_representation(self, instance):
        reason, label, count = instance
        return {"reason": reason, "label": label, "count": count}


class ScoreRowSerializer(serializers.Serializer):
    institution_id = serializers.IntegerField()
    name = serializers.CharField()
    routed = serializers.IntegerField(help_text="推送给该机构的需求数")
    routed_claimed = serializers.IntegerField(help_text="其中由该机构认领的")
    claim_rate = serializers.FloatField(allow_null=True)
    claimed = serializers.IntegerField()
    mean_claim_days = serializers.FloatField(allow_null=True, help_text="平均认领用时（工作日）")
    mean_decision_days = serializers.FloatField(allow_null=True, help_text="平均审批用时（工作日）")
    decided = serializers.IntegerField()
    approved = serializers.IntegerField()
    approval_rate = serializers.FloatField(allow_null=True)
    approved_amount = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="元")
    disbursed = serializers.IntegerField()
    overdue = serializers.IntegerField()
    rejections = RejectionSerializer(many=True)


class MonitoringReportSerializer(serializers.Serializer):
    county = serializers.IntegerField(allow_null=True)
    month = serializers.CharField(allow_null=True)
    funnel = FunnelStepSerializer(many=True)
    step_times = StepTimeSerializer(many=True)
    overdue_total = serializers.IntegerField()
    overdue = OverdueSerializer(many=True)
    scoreboard = ScoreRowSerializer(many=True)


def _month(request):
    return monitoring.parse_month(request.query_params.get("month"))


class MonitoringReportView(APIView):
    """The officers' monitoring report for a county (or the city) and month."""

    @extend_schema(
        tags=[MONITORING_TAG],
        summary="流程监控 (Monitoring report)",
        description="各环节需求数、各环节用时中位数与90%分位（工作日）、逾期需求（逾期最久的50件）、"
        "机构服务记录。市级工作人员看全市或某县，县级工作人员看本县。",
        parameters=[COUNTY, MONTH],
        responses={200: MonitoringReportSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        county = request.query_params.get("county") or None
        if county is not None and not county.isdigit():
            raise ApplicationError.not_found()
        scope = monitoring.monitoring_scope(
            user=request.user, county_id=county, month=_month(request)
        )
        report = monitoring.monitoring_report(user=request.user, scope=scope)
        data = {
            "county": scope.county.pk if scope.county else None,
            "month": scope.month.strftime("%Y-%m") if scope.month else None,
            "funnel": [{"step": k, "label": label, "count": n} for k, label, n in report.funnel],
            "step_times": report.step_times,
            "overdue_total": report.overdue_total,
            "overdue": report.overdue,
            "scoreboard": report.scoreboard,
        }
        return Response(MonitoringReportSerializer(data).data)


class InstitutionScoreboardView(APIView):
    """One institution's scoreboard: its own users, or officers (their county)."""

    @extend_schema(
        tags=[MONITORING_TAG],
        summary="机构服务记录 (Institution scoreboard)",
        parameters=[MONTH],
        responses={200: ScoreRowSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, institution_id: int):
        row = monitoring.institution_scoreboard_get(
            user=request.user,
            institution_id=institution_id,
            scope=monitoring.Scope(month=_month(request)),
        )
        return Response(ScoreRowSerializer(row).data)
