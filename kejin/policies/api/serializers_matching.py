"""Serializers of the matching and simulation API (read-only shapes of
``kejin.policies.matching`` and ``kejin.policies.simulation`` results)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class PolicyMatchSerializer(serializers.Serializer):
    """One published policy for the enterprise."""

    policy = serializers.IntegerField(source="policy_id")
    title = serializers.CharField()
    doc_number = serializers.CharField()
    scheme = serializers.CharField()
    scheme_label = serializers.CharField()
    version = serializers.IntegerField(source="version_id", help_text="在用版本 id")
    status = serializers.ChoiceField(
        choices=["eligible", "ineligible", "unknown"],
        help_text="eligible 符合；ineligible 不符合；unknown 数据不全无法判断",
    )
    reasons = serializers.ListField(child=serializers.CharField(), help_text="已满足的条件")
    gaps = serializers.ListField(
        child=serializers.CharField(),
        help_text="未满足的条件及差距（如“研发投入占比 2.1%，需 ≥ 3%”）",
    )
    missing = serializers.ListField(child=serializers.CharField(), help_text="缺少的数据项")
    benefit = serializers.SerializerMethodField(help_text="预计支持金额（元；无法测算为 null）")
    benefit_assumed = serializers.BooleanField(help_text="测算是否按申报字段的典型值")

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True))
    def get_benefit(self, match) -> str | None:
        amount = match.benefit_amount
        return None if amount is None else str(amount)


class ForMeSerializer(serializers.Serializer):
    considered = serializers.IntegerField(help_text="比对的在用政策数")
    eligible = PolicyMatchSerializer(many=True)
    near_misses = PolicyMatchSerializer(many=True, help_text="不符合但至多两项条件未满足")
    unknown = PolicyMatchSerializer(many=True)


class QualifyingEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField()
    name = serializers.CharField()
    county = serializers.CharField()
    tier = serializers.CharField(help_text="成长阶段（未评价的为“未评价”）")


class SimulationCellSerializer(serializers.Serializer):
    county = serializers.IntegerField(source="county_id", allow_null=True)
    county_name = serializers.CharField()
    stage = serializers.CharField(allow_null=True, help_text="成长阶段代码（未评价为 null）")
    stage_name = serializers.CharField()
    current = serializers.IntegerField(help_text="在用版本下符合的企业数")
    proposed = serializers.IntegerField(help_text="测算版本下符合的企业数")
    current_benefit = serializers.FloatField(help_text="在用版本预计支持金额（元）")
    proposed_benefit = serializers.FloatField(help_text="测算版本预计支持金额（元）")


class SimulatedEnterpriseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SimulationSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="所用数据年度")
    size = serializers.IntegerField(help_text="参与测算的企业数")
    has_current = serializers.BooleanField(help_text="政策是否有在用版本")
    current = serializers.IntegerField()
    proposed = serializers.IntegerField()
    current_benefit = serializers.FloatField()
    proposed_benefit = serializers.FloatField()
    cells = SimulationCellSerializer(many=True, help_text="按县(市、区) × 成长阶段")
    entering_count = serializers.IntegerField(help_text="新增符合的企业数")
    leaving_count = serializers.IntegerField(help_text="不再符合的企业数")
    entering = SimulatedEnterpriseSerializer(many=True, help_text="新增符合的企业（前20家）")
    leaving = SimulatedEnterpriseSerializer(many=True, help_text="不再符合的企业（前20家）")
